#!/bin/sh
# Runs the browser end-to-end tests inside a private network namespace that
# has only `lo`, so no test traffic can leave the machine.
#   RELAIS_BIN=build/relais tests/e2e/run.sh [test files...]
# RELAIS_BIN defaults to build/relais in the repository.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
RELAIS_BIN=${RELAIS_BIN:-$repo/build/relais}
case $RELAIS_BIN in /*) ;; *) RELAIS_BIN=$PWD/$RELAIS_BIN ;; esac
export RELAIS_BIN
if [ ! -d "$here/node_modules" ]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi
cd "$here"
if [ $# -eq 0 ]; then
  set -- .
fi
exec unshare --net -- sh -c 'ip link set lo up; exec "$@"' sh node --test --test-concurrency=1 "$@"
