#!/bin/bash
# Relais benchmark: starts a node, runs relais-loadtest on the standard
# profiles, and prints one table row per run: bots, forwarded packets/s, node
# CPU time per forwarded packet, loss, delay, join time, node RSS per
# participant. Everything runs in a private network namespace (loopback only).
#
#   bench/run.sh [PROFILE:BOTS ...]        default: meeting:64 lecture:100 audio:60
#   BUILD=build DURATION=40 bench/run.sh meeting:200
#
# CPU per forwarded packet = (node utime + stime over the measured window,
# from /proc/PID/stat) / (packets the node forwarded in that window, from its
# /stats). The window starts when the ramp is over plus 5 s and ends 2 s
# before the load test does, so start-up and tear-down are not counted.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
DURATION=${DURATION:-40}
RAMP=${RAMP:-20}
if [ "${RELAIS_IN_NETNS:-}" != 1 ]; then
  RELAIS_IN_NETNS=1 exec unshare --net -- sh -c 'ip link set lo up; exec "$@"' sh "$0" "$@"
fi
[ $# -gt 0 ] || set -- meeting:64 lecture:100 audio:60
tmp=$(mktemp -d)
port=18090
hz=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
stat_of() { curl -sf "http://127.0.0.1:$port/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

printf '%-8s %5s %10s %10s %8s %8s %8s %9s %9s %9s\n' profile bots fwd_pps us/pkt loss% \
  d_p50ms d_p99ms join_p50 join_p99 rss_kb/p
for spec in "$@"; do
  profile=${spec%%:*}
  bots=${spec#*:}
  case $profile in
    meeting) args=(--profile meeting --rooms $(( (bots + 7) / 8 )) --per-room 8); bots=$(( (bots + 7) / 8 * 8 )) ;;
    lecture) args=(--profile lecture --rooms 1 --per-room 1 --listeners $((bots - 1))) ;;
    audio) args=(--profile audio --rooms $(( (bots + 29) / 30 )) --per-room 30); bots=$(( (bots + 29) / 30 * 30 )) ;;
    *) echo "unknown profile $profile" >&2; exit 2 ;;
  esac
  "$BUILD/relais" --listen 127.0.0.1:$port --stun-listen off --join-rate 0 --room-size 10000 \
    --log-level warn 2>"$tmp/node-$profile.log" &
  node=$!
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  rss0=$(rss_kb $node)
  "$BUILD/relais-loadtest" --url "ws://127.0.0.1:$port/ws" "${args[@]}" --duration "$DURATION" \
    --ramp "$RAMP" --quiet --json "$tmp/$profile.json" >"$tmp/$profile.txt" &
  lt=$!
  ramp_s=$(( bots / RAMP + 1 ))
  sleep $(( ramp_s + 5 ))
  c1=$(cpu_ticks $node); f1=$(stat_of rtp_out); t1=$(date +%s.%N)
  sleep $(( DURATION - ramp_s - 7 ))
  c2=$(cpu_ticks $node); f2=$(stat_of rtp_out); t2=$(date +%s.%N); rss=$(rss_kb $node)
  wait $lt || true
  kill $node; wait $node || true
  python3 - "$tmp/$profile.json" "$profile" "$bots" "$c1" "$c2" "$f1" "$f2" "$t1" "$t2" "$hz" "$rss" "$rss0" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1])); profile, bots = sys.argv[2], int(sys.argv[3])
c1, c2, f1, f2 = map(int, sys.argv[4:8]); t1, t2 = float(sys.argv[8]), float(sys.argv[9])
hz, rss, rss0 = int(sys.argv[10]), int(sys.argv[11]), int(sys.argv[12])
fwd = f2 - f1; secs = t2 - t1
us = (c2 - c1) / hz * 1e6 / fwd if fwd else float('nan')
rx = rep["received"]
print("%-8s %5d %10.0f %10.2f %8.3f %8.2f %8.2f %9.0f %9.0f %9.0f" % (
    profile, bots, fwd / secs, us, rx["loss_after_pct"], rx["delay_ms"]["p50"], rx["delay_ms"]["p99"],
    rep["join_ms"]["p50"], rep["join_ms"]["p99"], (rss - rss0) / max(1, rep["bots"]["connected"])))
PY
done
rm -rf "$tmp"
