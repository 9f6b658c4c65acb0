#!/bin/sh
# Adversarial test (issue 15): while a load-test call of 4 bots runs on an
# ASan+UBSan node, a separate process (attack.py) floods STUN, forges
# packets to the media ports (also spoofed from the bots' own 5-tuples),
# abuses WebSocket and HTTP and sends absurd SDP. Then: the node is alive
# and sanitizer-clean, the call lost < 3 % after NACK recovery with no
# reconnect and no failed bot, and the node's file descriptors and memory
# are back near idle. Runs in a private network namespace with only
# loopback; bounded to about 70 s.
#   tests/adversarial/run.sh RELEASE_BUILD_DIR NODE_BINARY
set -eu
build=${1:-build}
node_bin=${2:-build-asan/relais}
case $build in /*) ;; *) build=$PWD/$build ;; esac
case $node_bin in /*) ;; *) node_bin=$PWD/$node_bin ;; esac
here=$(cd "$(dirname "$0")" && pwd)
if [ "${RELAIS_IN_NETNS:-}" != 1 ]; then
  RELAIS_IN_NETNS=1 exec timeout -k 5 150 unshare --net -- sh -c 'ip link set lo up; exec "$@"' sh "$0" "$build" "$node_bin"
fi
tmp=$(mktemp -d)
node=""; lt=""
# The trap must not change the exit status (set -e would make a failed
# kill of nothing the script's result).
trap '[ -n "$lt$node" ] && kill $lt $node 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; true' EXIT
PORT=18300 STUN=18378 WS_PER_IP=30
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$node_bin" --listen 127.0.0.1:$PORT --stun-listen 127.0.0.1:$STUN --media-address 127.0.0.1 \
  --rtp-ports 41000-41199 --join-rate 0 --ws-per-ip $WS_PER_IP --drain-deadline 0 \
  --log-level info 2>"$tmp/node.log" &
node=$!
i=0
until curl -sf http://127.0.0.1:$PORT/health >/dev/null; do
  i=$((i + 1)); [ $i -lt 100 ] || { echo "node did not start"; cat "$tmp/node.log"; exit 1; }
  sleep 0.1
done
sleep 1
idle_fds=$(ls /proc/$node/fd | wc -l)
idle_rss=$(awk '/VmRSS/ {print $2}' /proc/$node/status)
"$build/relais-loadtest" --url ws://127.0.0.1:$PORT/ws --rooms 1 --per-room 4 \
  --duration 50 --ramp 20 --video 300k --ports 51000-51099 --max-reconnects 3 --quiet \
  --json "$tmp/report.json" >"$tmp/lt.log" 2>&1 &
lt=$!
sleep 6
python3 "$here/attack.py" $PORT $STUN 41000-41199 51000-51099 lt-1 $WS_PER_IP >"$tmp/attack.json" \
  2>"$tmp/attack.err" || { echo "attacker failed"; cat "$tmp/attack.err"; }
curl -sf http://127.0.0.1:$PORT/metrics >"$tmp/metrics.txt" || true
lt_rc=0; wait $lt || lt_rc=$?; lt=""
sleep 3
after_fds=$(ls /proc/$node/fd 2>/dev/null | wc -l)
after_rss=$(awk '/VmRSS/ {print $2}' /proc/$node/status 2>/dev/null || echo 0)
health=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT/health || true)
kill -TERM $node; node_rc=0; wait $node || node_rc=$?; node=""
if python3 - "$tmp" "$lt_rc" "$node_rc" "$health" "$idle_fds" "$after_fds" "$idle_rss" "$after_rss" \
  "$WS_PER_IP" <<'PY'
import json, re, sys
tmp, lt_rc, node_rc, health = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
idle_fds, after_fds, idle_rss, after_rss = map(int, sys.argv[5:9])
ws_per_ip = int(sys.argv[9])
log = open(tmp + "/node.log", errors="replace").read()
try:
    a = json.load(open(tmp + "/attack.json"))
except ValueError:
    a = {}
    print(open(tmp + "/attack.err").read())
rep = json.load(open(tmp + "/report.json"))
metrics = open(tmp + "/metrics.txt").read()
rx, rc, ws, http = rep["received"], rep["reconnects"], a.get("ws", {}), a.get("http", {})
print("attack:", json.dumps(a, indent=1))
print("call: bots %s, loss after recovery %.3f %%, reconnects %s, streams %s/%s" % (
    rep["bots"], rx["loss_after_pct"], rc["count"], rx["streams_with_media"], rx["streams"]))
print("node: fds idle %d after %d; RSS idle %d kB after %d kB" % (idle_fds, after_fds, idle_rss, after_rss))
refused = dict(re.findall(r'relais_signaling_refused_total\{reason="(\w+)"\} (\d+)', metrics))
sdp = ws.get("sdp", {})
checks = [
    ("attacker ran every phase", all(k in a for k in ("stun_flood", "forged_media", "ws", "http")), list(a)),
    ("node answered /health after the attack", health == "200", health),
    ("node exited 0 on SIGTERM", node_rc == 0, node_rc),
    ("no sanitizer report", not re.search(r"AddressSanitizer|LeakSanitizer|runtime error", log), ""),
    ("no DTLS connection ended by a forged record", "failed after handshake" not in log, ""),
    ("load test exit 0", lt_rc == 0, lt_rc),
    ("all 4 bots connected, none failed", rep["bots"]["connected"] == 4 and rep["bots"]["failed"] == 0, rep["bots"]),
    ("no reconnect", rc["count"] == 0 and rc["attempts"] == 0, rc["count"]),
    ("every stream had media", rx["streams_with_media"] == rx["streams"] == 24, (rx["streams_with_media"], rx["streams"])),
    ("loss after recovery < 3 %", rx["loss_after_pct"] < 3, rx["loss_after_pct"]),
    ("STUN answers no larger than requests", a["stun_flood"]["amplification_bytes"] <= 1.0, a["stun_flood"]),
    ("spoofed datagrams reached bot 5-tuples", a["forged_media"]["bot_ports"] >= 4, a["forged_media"]),
    ("empty frames: bad-json, connection alive", ws["empty_frames"]["alive"] and
     ws["empty_frames"]["codes"].count("bad-json") >= 2 and ws["empty_frames"]["pongs"] >= 1, ws["empty_frames"]),
    ("binary frame: bad-json", "bad-json" in ws["binary_unmasked"]["codes"], ws["binary_unmasked"]),
    ("1 MB frame: too-large, closed", ws["huge_frame"]["codes"] == ["too-large"] and ws["huge_frame"]["closed"], ws["huge_frame"]),
    ("deep JSON: error, alive", ws["deep_json"]["alive"] and ws["deep_json"]["codes"], ws["deep_json"]),
    ("mute flood: rate-limited, flooder stays", ws["mute_flood"]["rate_limited_answers"] >= 1 and
     ws["mute_flood"]["rate_limited_answers"] <= 4 and ws["mute_flood"]["flooder_alive"], ws["mute_flood"]),
    ("mute flood: observer got at most 1 update per 100 ms", 1 <= ws["mute_flood"]["updates_to_observer"] <=
     int(ws["mute_flood"]["seconds"] * 10) + 3, ws["mute_flood"]),
    ("setup:passive offer: bad-sdp", sdp.get("setup-passive") == ["bad-sdp"], sdp.get("setup-passive")),
    ("setup:holdconn offer: bad-sdp", sdp.get("setup-holdconn") == ["bad-sdp"], sdp.get("setup-holdconn")),
    ("1-char ice-pwd: bad-sdp", sdp.get("ice-pwd-1") == ["bad-sdp"], sdp.get("ice-pwd-1")),
    ("garbage SDP: bad-sdp", sdp.get("garbage") == ["bad-sdp"], sdp.get("garbage")),
    ("VP9-only publisher answered (bots reject it)", sdp.get("vp9-only") == ["publish-answer"], sdp.get("vp9-only")),
    ("ws-per-ip: the 5 over the cap refused", ws["ws_per_ip"]["refused"] == 5, ws["ws_per_ip"]),
    ("foreign Origin refused, own accepted", ws["origin"]["foreign"] != "101" and ws["origin"]["own"] == "101", ws["origin"]),
    ("admin without token: 404", http["statuses"].get("/admin/rooms") == "404", http["statuses"]),
    ("no path traversal", all(http["statuses"][p] in ("404", "400", "403", "closed") for p in http["statuses"]
                              if p.startswith("/") and not p.startswith("/admin")), http["statuses"]),
    ("/health during slowloris", http["statuses"]["health-during-slowloris"] == "200", http["slowloris"]),
    ("metrics count the refusals", int(refused.get("rate_limited", 0)) >= 1 and int(refused.get("origin", 0)) >= 1
     and int(refused.get("ws_per_ip", 0)) >= 5, refused),
    ("file descriptors back to idle", after_fds <= idle_fds + 2, (idle_fds, after_fds)),
    ("memory back near idle (< 150 MB above, ASan quarantine included)", after_rss - idle_rss < 150 * 1024,
     (idle_rss, after_rss)),
]
bad = 0
for name, ok, val in checks:
    print(("ok   " if ok else "FAIL ") + name + ": " + str(val))
    bad += not ok
if bad:
    print("---- node log (tail)")
    print("\n".join(log.splitlines()[-60:]))
    print("---- load test")
    print(open(tmp + "/lt.log").read()[-3000:])
print("adversarial: %d passed, %d failed" % (len(checks) - bad, bad))
sys.exit(1 if bad else 0)
PY
then rc=0; else rc=$?; fi
exit $rc
