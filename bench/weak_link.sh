#!/bin/sh
# One browser on a slow downlink in a room of video bots (issue 16's
# baseline): the node and N relais-loadtest bots on host "a", headless
# Chromium on host "b", two network namespaces joined by a veth pair whose
# a->b direction is shaped with tbf. Reports what the browser decoded and
# lost and what the node resent. Numbers, not pass/fail. Needs root.
#   bench/weak_link.sh [RATE] [BOTS] [SECONDS]      e.g. 1mbit 5 30
#   RELAIS_BIN=... LOADTEST_BIN=...                  binaries to measure
set -eu
rate=${1:-1mbit}
bots=${2:-5}
secs=${3:-30}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
relais=${RELAIS_BIN:-$root/build/relais}
loadtest=${LOADTEST_BIN:-$root/build/relais-loadtest}
a=wl-a-$$ b=wl-b-$$
tmp=$(mktemp -d)
cleanup() {
  [ -n "${lt:-}" ] && kill "$lt" 2>/dev/null
  [ -n "${node:-}" ] && kill "$node" 2>/dev/null
  wait 2>/dev/null
  ip netns del "$a" 2>/dev/null; ip netns del "$b" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$a"; ip netns add "$b"
ip link add vA netns "$a" type veth peer name vB netns "$b"
ip -n "$a" addr add 10.250.0.1/30 dev vA; ip -n "$b" addr add 10.250.0.2/30 dev vB
for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
ip -n "$a" link set vA up; ip -n "$b" link set vB up
ip netns exec "$a" tc qdisc add dev vA root tbf rate "$rate" burst 20kb latency 300ms
PORT=18400
ip netns exec "$a" "$relais" --listen 10.250.0.1:$PORT --media-address 10.250.0.1 \
  --media-address 127.0.0.1 --stun-listen off --join-rate 0 --log-level warn 2>"$tmp/node.log" &
node=$!
i=0
until ip netns exec "$a" curl -sf http://10.250.0.1:$PORT/health >/dev/null; do
  i=$((i + 1)); [ $i -lt 100 ] || { echo "node did not start"; cat "$tmp/node.log"; exit 1; }
  sleep 0.1
done
ip netns exec "$a" "$loadtest" --url ws://10.250.0.1:$PORT/ws --rooms 1 --per-room "$bots" \
  --duration $((secs + 25)) --video 300k --room-prefix weak --quiet >"$tmp/lt.log" 2>&1 &
lt=$!
sleep 4
ip netns exec "$a" curl -sf http://10.250.0.1:$PORT/stats >"$tmp/stats0.json"
ip netns exec "$b" node "$here/weak_link.mjs" "http://10.250.0.1:$PORT" weak-1 "$secs" "$bots" \
  >"$tmp/browser.json"
ip netns exec "$a" curl -sf http://10.250.0.1:$PORT/stats >"$tmp/stats1.json"
if [ -n "${VERBOSE:-}" ]; then tail -n 20 "$tmp/node.log"; tail -n 20 "$tmp/lt.log"; cat "$tmp/browser.json"; fi
python3 - "$tmp" "$rate" "$bots" "$secs" <<'PY'
import json, sys
tmp, rate, bots, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
b = json.load(open(tmp + "/browser.json"))
s0, s1 = json.load(open(tmp + "/stats0.json")), json.load(open(tmp + "/stats1.json"))
d = {k: s1[k] - s0[k] for k in s1 if isinstance(s1[k], (int, float)) and k in s0}
span = b["seconds"]
print(f"downlink {rate}, room of {bots} bots at 300 kbit/s video + audio, {span:.0f} s measured")
print(f"browser: videos decoding {b['videos_decoding']}/{b['videos']}, "
      f"seconds without a new frame {b['stalled_pct']:.0f} % of video-seconds, "
      f"video loss {b['video_loss_pct']:.1f} %, audio loss {b['audio_loss_pct']:.1f} %, "
      f"fps per video {b['fps']:.1f}")
print(f"node: NACKs in {d.get('nacks_in', 0) / span:.0f}/s, retransmissions {d.get('retransmits', 0) / span:.0f}/s, "
      f"suppressed {d.get('rtx_suppressed', 0) / span:.0f}/s, RTP out {d.get('rtp_out', 0) / span:.0f} pkt/s")
PY
