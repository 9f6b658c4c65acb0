#!/bin/bash
# The whole test suite, as `make test` and CI run it:
#   1. release build with -Werror, unit tests (ctest)
#   2. ASan+UBSan build, unit tests again
#   3. clang-format check of every C file
#   4. libFuzzer build, every fuzz target for FUZZ_SECONDS (default 30) on its corpus
#   5. load-test smoke run: node + relais-loadtest bots with real media
#   6. cluster test: redis-server + 4 nodes + relais-loadtest (tests/cluster/)
#   6b. adversarial test: an attacker process against an ASan node while a
#      load-test call runs (tests/adversarial/)
#   7. browser end-to-end tests (Chromium, Firefox ESR) against the ASan node,
#      inside a private network namespace with only loopback
# Ends with one line "summary: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
JOBS=$(nproc)
passed=0
failed=0
failures=()
step() { echo; echo "==== $*"; }
ok() { passed=$((passed + $1)); }
bad() { failed=$((failed + 1)); failures+=("$1"); }

ctest_count() { # counts from ctest's "X% tests passed, N tests failed out of M"
  local line; line=$(grep -E "tests passed, [0-9]+ tests? failed out of" "$1" | tail -1)
  local f m; f=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/')
  m=$(echo "$line" | sed -E 's/.*out of ([0-9]+).*/\1/')
  [ -n "$m" ] && ok $((m - f))
}

step "release build (-Werror) and unit tests"
if cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRELAIS_WERROR=ON >/dev/null &&
   cmake --build build -j"$JOBS"; then
  ctest --test-dir build --output-on-failure -j"$JOBS" | tee build/ctest.log
  [ "${PIPESTATUS[0]}" -eq 0 ] || bad "unit tests"
  ctest_count build/ctest.log
else
  bad "release build"
fi

step "ASan+UBSan build and unit tests"
if cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DRELAIS_SANITIZE=ON >/dev/null &&
   cmake --build build-asan -j"$JOBS"; then
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j"$JOBS" | tee build-asan/ctest.log
  [ "${PIPESTATUS[0]}" -eq 0 ] || bad "ASan unit tests"
  ctest_count build-asan/ctest.log
else
  bad "ASan build"
fi

step "clang-format"
if clang-format --dry-run --Werror $(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*'); then
  ok 1
else
  bad "clang-format"
fi

step "libFuzzer targets, ${FUZZ_SECONDS}s each"
if CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRELAIS_FUZZ=ON >/dev/null &&
   cmake --build build-fuzz -j"$JOBS"; then
  for bin in build-fuzz/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    work=$(mktemp -d)
    corpus=fuzz/corpus/$name
    mkdir -p "$corpus"
    echo "-- $name"
    # New inputs go to a scratch dir; the committed corpus is only read.
    if "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
         -artifact_prefix="build-fuzz/$name-" "$work" "$corpus" > "build-fuzz/$name.log" 2>&1; then
      tail -1 "build-fuzz/$name.log"
      ok 1
    else
      tail -40 "build-fuzz/$name.log"
      bad "$name"
    fi
    rm -rf "$work"
  done
else
  bad "fuzz build"
fi

step "load-test smoke run (2 rooms x 4 bots)"
if [ -x build/relais-loadtest ] && tests/loadtest_smoke.sh build; then
  ok 1
else
  bad "load-test smoke run"
fi

step "cluster test (redis-server + 4 nodes, 90+ bots: spread, new node, kill -9, Redis outage, drain)"
if [ -x build/relais-loadtest ] && [ -x build-asan/relais ]; then
  # The nodes are the ASan+UBSan build (as in the browser tests); the bots are release.
  RELAIS_BIN=build-asan/relais tests/cluster/run.sh build >build/cluster.log 2>&1
  rc=$?
  # The nodes' own log lines only matter on failure (the test prints them then).
  grep -v -E '^[0-9:.]+ [IWE] ' build/cluster.log
  if [ "$rc" -eq 0 ]; then ok "$(grep -c '^ok ' build/cluster.log)"; else bad "cluster test"; fi
else
  bad "cluster test"
fi

step "adversarial test (STUN flood, forged and spoofed media, WebSocket/HTTP abuse, absurd SDP during a call)"
if [ -x build/relais-loadtest ] && [ -x build-asan/relais ]; then
  tests/adversarial/run.sh build build-asan/relais >build/adversarial.log 2>&1
  rc=$?
  grep -E '^(ok|FAIL|call:|node:|adversarial:) ' build/adversarial.log
  if [ "$rc" -eq 0 ]; then
    ok "$(grep -c '^ok ' build/adversarial.log)"
  else
    cat build/adversarial.log | tail -80
    bad "adversarial test"
  fi
else
  bad "adversarial test"
fi

step "browser end-to-end tests"
if [ -x build-asan/relais ]; then
  ( cd tests/e2e && { [ -d node_modules ] || npm ci --no-audit --no-fund; } ) || bad "npm ci"
  RELAIS_BIN=build-asan/relais tests/e2e/run.sh 2>&1 | tee build-asan/e2e.log
  [ "${PIPESTATUS[0]}" -eq 0 ] || bad "browser end-to-end tests"
  n=$(grep -E "^# pass [0-9]+" build-asan/e2e.log | tail -1 | awk '{print $3}')
  ok "${n:-0}"
fi

echo
[ "${#failures[@]}" -eq 0 ] || echo "failed: ${failures[*]}"
echo "summary: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
