#!/bin/sh
# Load-test smoke run (CI): a node plus 2 rooms x 4 bots for ~10 s, inside a
# private network namespace with only loopback. Checks that every bot
# received every other bot's audio and video with little loss, and that the
# node's own counters agree with what the bots measured.
#   tests/loadtest_smoke.sh [BUILD_DIR]
set -eu
build=${1:-build}
case $build in /*) ;; *) build=$PWD/$build ;; esac
if [ "${RELAIS_IN_NETNS:-}" != 1 ]; then
  RELAIS_IN_NETNS=1 exec unshare --net -- sh -c 'ip link set lo up; exec "$@"' sh "$0" "$build"
fi
tmp=$(mktemp -d)
trap 'kill $node 2>/dev/null; wait $node 2>/dev/null; rm -rf "$tmp"' EXIT
"$build/relais" --listen 127.0.0.1:18080 --stun-listen off --join-rate 0 \
  --rtp-ports 40000-40999 --log-level warn 2>"$tmp/node.log" &
node=$!
i=0
until curl -sf http://127.0.0.1:18080/health >/dev/null; do
  i=$((i + 1)); [ $i -lt 50 ] || { echo "node did not start"; cat "$tmp/node.log"; exit 1; }
  sleep 0.1
done
"$build/relais-loadtest" --url ws://127.0.0.1:18080/ws --rooms 2 --per-room 4 \
  --duration 12 --ramp 20 --video 300k --ports 50000-50999 --quiet \
  --json "$tmp/report.json" --max-loss 5 --min-bots 8
curl -sf http://127.0.0.1:18080/stats >"$tmp/stats.json"
curl -sf http://127.0.0.1:18080/metrics >"$tmp/metrics.txt"
python3 - "$tmp/report.json" "$tmp/stats.json" "$tmp/metrics.txt" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1])); st = json.load(open(sys.argv[2]))
metrics = {}
for line in open(sys.argv[3]):
    if line and not line.startswith("#"):
        name, value = line.rsplit(" ", 1)
        metrics[name] = float(value)
bots, rooms, per_room = 8, 2, 4
want = rooms * per_room * (per_room - 1) * 2   # streams: every other bot's audio + video
rx = rep["received"]
checks = [
    ("bots connected", rep["bots"]["connected"] == bots, rep["bots"]),
    ("streams offered", rx["streams"] == want, rx["streams"]),
    ("streams with media", rx["streams_with_media"] == want, rx["streams_with_media"]),
    ("loss after recovery < 5 %", rx["loss_after_pct"] < 5, rx["loss_after_pct"]),
    # The node forwards what the bots sent; retransmissions add to rtp_out.
    ("node rtp_in ~ bots sent", abs(st["rtp_in"] - rep["sent"]["packets"]) <= 0.03 * rep["sent"]["packets"] + 5,
     (st["rtp_in"], rep["sent"]["packets"])),
    ("/metrics agrees with /stats", metrics.get('relais_rtp_packets_total{direction="in"}') == st["rtp_in"]
     and metrics.get('relais_rtp_packets_total{direction="out"}') == st["rtp_out"],
     (metrics.get('relais_rtp_packets_total{direction="out"}'), st["rtp_out"])),
    ("node rtp_out ~ bots received", abs(st["rtp_out"] - st["retransmits"] - rx["packets"]) <= 0.03 * rx["packets"] + 20,
     (st["rtp_out"], st["retransmits"], rx["packets"])),
]
bad = 0
for name, ok, val in checks:
    print(("ok  " if ok else "FAIL") + " " + name + ": " + str(val))
    bad += not ok
sys.exit(1 if bad else 0)
PY
echo "loadtest smoke: passed"
