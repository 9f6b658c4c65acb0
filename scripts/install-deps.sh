#!/bin/sh
# Installs the Debian 12 packages Relais needs, only those that are missing.
#   scripts/install-deps.sh run    build and run a node
#   scripts/install-deps.sh test   also the test tools (clang/libFuzzer,
#                                  Chromium, Firefox ESR, Node.js)
set -eu
what=${1:-run}
pkgs="build-essential cmake pkg-config libglib2.0-dev libnice-dev libsrtp2-dev
      libssl-dev libwebsockets-dev libjansson-dev libopus-dev libvpx-dev
      libhiredis-dev"
if [ "$what" = test ]; then
  pkgs="$pkgs clang libclang-rt-14-dev clang-format chromium firefox-esr iproute2
        util-linux curl python3 redis-server"
  command -v node >/dev/null 2>&1 || pkgs="$pkgs nodejs"
  command -v npm >/dev/null 2>&1 || pkgs="$pkgs npm"
fi
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "Installing missing Debian packages:$missing"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
