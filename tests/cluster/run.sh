#!/bin/sh
# Cluster test (CI, docs/cluster.md): a real redis-server and 3-4 relais
# nodes on loopback inside a private network namespace, driven by
# relais-loadtest. See cluster_test.py for the scenarios.
#   tests/cluster/run.sh [BUILD_DIR]
set -eu
build=${1:-build}
case $build in /*) ;; *) build=$PWD/$build ;; esac
here=$(cd "$(dirname "$0")" && pwd)
if [ "${RELAIS_IN_NETNS:-}" != 1 ]; then
  RELAIS_IN_NETNS=1 exec unshare --net -- sh -c 'ip link set lo up; exec "$@"' sh "$0" "$build"
fi
command -v redis-server >/dev/null || { echo "cluster test: redis-server is missing"; exit 1; }
exec timeout -k 10 600 python3 "$here/cluster_test.py" "$build"
