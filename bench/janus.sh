#!/bin/bash
# Relais next to Janus (Debian's janus, VideoRoom plugin), same run, same bots:
# relais-loadtest drives both with the same profile (--target janus speaks the
# Janus VideoRoom API through loadtest/janus.c), and this prints one row per
# system and the ratios Relais/Janus of
#   - server CPU time per forwarded packet, and
#   - the largest sustained bot count (relais-loadtest --find-capacity).
#
#   bench/janus.sh [PROFILE:BOTS ...]        default: meeting:32
#   BUILD=build DURATION=40 CAP_ROOMS=16 HOLD=10 bench/janus.sh meeting:48
#   CAPACITY=0 bench/janus.sh                # skip the capacity search
#   KEEP_LOGS=1 bench/janus.sh               # keep the servers' and bots' logs
#
# Everything runs in one private network namespace: a veth pair v0 10.99.0.1
# (the servers' media address: Janus skips loopback interfaces) and v1
# 10.99.0.2 (the bots'); the WebSockets stay on 127.0.0.1. Nothing leaves it.
#
# The same measure for both: CPU = utime + stime of the server process (all
# threads, /proc/PID/stat) between two progress lines of the load test;
# forwarded packets = the packets the bots received between those lines (sum
# of the per-second "recv" rates times their intervals). The window starts 5 s
# after the ramp and ends 2 s before the run does. Delay is not compared:
# Janus does not negotiate abs-send-time, which the bots' delay measure needs;
# the capacity search therefore runs with --max-delay-p99 off for both, and
# holds a step while loss after NACK recovery stays under 1 % and every bot
# gets media from everyone.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
DURATION=${DURATION:-40}
RAMP=${RAMP:-20}
CAPACITY=${CAPACITY:-1}
CAP_PROFILE=${CAP_PROFILE:-meeting}
CAP_ROOMS=${CAP_ROOMS:-16}
HOLD=${HOLD:-10}
if [ "${RELAIS_IN_NETNS:-}" != 1 ]; then
  if ! command -v janus >/dev/null; then
    echo "bench/janus.sh: installing the Debian package janus (benchmarks only)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q janus >&2
  fi
  RELAIS_IN_NETNS=1 exec unshare --net -- "$0" "$@"
fi
[ $# -gt 0 ] || set -- meeting:32

ip link set lo up
ip link add v0 type veth peer name v1
ip addr add 10.99.0.1/24 dev v0
ip addr add 10.99.0.2/24 dev v1
ip link set v0 up
ip link set v1 up
# Both ends are local addresses of this namespace, yet ICE traffic between
# libnice agents goes over the veth pair, where a packet or ARP reply from one
# of our own addresses is dropped unless accept_local is set.
for i in all v0 v1; do sysctl -qw "net.ipv4.conf.$i.accept_local=1"; done

tmp=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  if [ -n "${KEEP_LOGS:-}" ]; then echo "bench/janus.sh: logs kept in $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
hz=$(getconf CLK_TCK)
relais_port=18090
janus_port=8188
plugins=/usr/lib/x86_64-linux-gnu/janus

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
tcp_up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A minimal Janus: VideoRoom and WebSockets only, full ICE on v0, no admin
# API, no event handlers or loggers, warnings only (Relais runs at warn too).
janus_config() {
  local d=$1 p disable=
  mkdir -p "$d"
  for p in "$plugins"/plugins/libjanus_*.so; do
    p=${p##*/}; [ "$p" = libjanus_videoroom.so ] || disable+="${disable:+,}$p"
  done
  local tdisable= edisable= ldisable=
  for p in "$plugins"/transports/libjanus_*.so; do
    p=${p##*/}; [ "$p" = libjanus_websockets.so ] || tdisable+="${tdisable:+,}$p"
  done
  for p in "$plugins"/events/libjanus_*.so; do edisable+="${edisable:+,}${p##*/}"; done
  for p in "$plugins"/loggers/libjanus_*.so; do ldisable+="${ldisable:+,}${p##*/}"; done
  cat >"$d/janus.jcfg" <<EOF
general: {
	configs_folder = "$d"
	plugins_folder = "$plugins/plugins"
	transports_folder = "$plugins/transports"
	events_folder = "$plugins/events"
	loggers_folder = "$plugins/loggers"
	debug_level = 3
	admin_secret = "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
}
certificates: {
}
media: {
	rtp_port_range = "20000-40000"
}
nat: {
	ice_enforce_list = "v0"
}
plugins: {
	disable = "$disable"
}
transports: {
	disable = "$tdisable"
}
loggers: {
	disable = "$ldisable"
}
events: {
	broadcast = false
	disable = "$edisable"
}
EOF
  cat >"$d/janus.transport.websockets.jcfg" <<EOF
general: {
	json = "compact"
	ws = true
	ws_port = $janus_port
	ws_ip = "127.0.0.1"
	wss = false
}
admin: {
	admin_ws = false
	admin_wss = false
}
EOF
  printf 'general: {\n}\n' >"$d/janus.plugin.videoroom.jcfg"
}

# start_server relais|janus: starts it, waits for its WebSocket, sets $server
# and $url and the loadtest arguments $target_args.
start_server() {
  case $1 in
    relais)
      "$BUILD/relais" --listen 127.0.0.1:$relais_port --media-address 10.99.0.1 \
        --stun-listen off --join-rate 0 --room-size 10000 --max-rooms 100000 \
        --log-level warn >"$tmp/relais.log" 2>&1 &
      server=$!; port=$relais_port
      url=ws://127.0.0.1:$relais_port/ws; target_args=(--target relais) ;;
    janus)
      janus_config "$tmp/janus"
      janus -F "$tmp/janus" -C "$tmp/janus/janus.jcfg" >"$tmp/janus.log" 2>&1 &
      server=$!; port=$janus_port
      url=ws://127.0.0.1:$janus_port/; target_args=(--target janus) ;;
  esac
  for _ in $(seq 100); do tcp_up $port && return 0; sleep 0.1; done
  echo "bench/janus.sh: $1 did not start (see its log)" >&2
  cat "$tmp/$1.log" >&2
  exit 1
}

stop_server() {
  kill "$server"; wait "$server" 2>/dev/null || true; server=
}

# Time of the load test's last progress line, once it is at least $2 s.
wait_progress() {
  local t
  while :; do
    t=$(grep -o '^\[ *[0-9.]*s\]' "$1" 2>/dev/null | tail -1 | tr -d '[]s ' || true)
    if [ -n "$t" ] && awk -v t="$t" -v w="$2" 'BEGIN { exit !(t >= w) }'; then
      echo "$t"; return 0
    fi
    kill -0 "$lt" 2>/dev/null || { echo "bench/janus.sh: the load test ended early" >&2; return 1; }
    sleep 0.05
  done
}

# run_profile SYSTEM PROFILE BOTS ARGS...: one measured run, one result line
# in $tmp/rows.
run_profile() {
  local sys=$1 profile=$2 bots=$3; shift 3
  start_server "$sys"
  local rss0; rss0=$(rss_kb "$server")
  local err="$tmp/$sys-$profile.err"
  "$BUILD/relais-loadtest" "${target_args[@]}" --url "$url" --media-address 10.99.0.2 "$@" \
    --duration "$DURATION" --ramp "$RAMP" --json "$tmp/$sys-$profile.json" \
    >"$tmp/$sys-$profile.txt" 2>"$err" &
  lt=$!
  local ramp_s=$(( bots / RAMP + 1 ))
  local e1 e2 c1 c2 b1 b2 rss
  e1=$(wait_progress "$err" $(( ramp_s + 5 ))); c1=$(cpu_ticks "$server"); b1=$(cpu_ticks "$lt")
  e2=$(wait_progress "$err" $(( DURATION - 2 ))); c2=$(cpu_ticks "$server"); b2=$(cpu_ticks "$lt")
  rss=$(rss_kb "$server")
  wait "$lt" || true
  stop_server
  python3 - "$tmp/$sys-$profile.json" "$err" "$sys" "$profile" "$bots" "$e1" "$e2" "$c1" "$c2" \
    "$hz" "$rss" "$rss0" "$b1" "$b2" >>"$tmp/rows" <<'PY'
import json, re, sys
rep = json.load(open(sys.argv[1]))
sys_, profile, bots = sys.argv[3], sys.argv[4], int(sys.argv[5])
e1, e2 = float(sys.argv[6]), float(sys.argv[7])
c1, c2, hz, rss, rss0, b1, b2 = (int(x) for x in sys.argv[8:15])
prev, fwd = None, 0.0
for line in open(sys.argv[2]):
    m = re.match(r'\[\s*([0-9.]+)s\].*\| recv ([0-9]+) pps', line)
    if not m:
        continue
    t, pps = float(m.group(1)), int(m.group(2))
    if prev is not None and e1 < t <= e2:
        fwd += pps * (t - prev)
    prev = t
secs = e2 - e1
cpu_s = (c2 - c1) / hz
print(json.dumps({
    "system": sys_, "profile": profile, "bots": bots,
    "connected": rep["bots"]["connected"], "fwd_pps": fwd / secs if secs > 0 else 0,
    "cpu_pct": 100 * cpu_s / secs if secs > 0 else 0,
    "bots_cpu_pct": 100 * (b2 - b1) / hz / secs if secs > 0 else 0,
    "us_per_pkt": cpu_s * 1e6 / fwd if fwd else None,
    "loss_pct": rep["received"]["loss_after_pct"],
    "join_p50": rep["join_ms"]["p50"], "join_p99": rep["join_ms"]["p99"],
    "rss_kb_per_bot": (rss - rss0) / max(1, rep["bots"]["connected"]),
}))
PY
}

# capacity SYSTEM: the largest sustained bot count into $cap.
capacity() {
  local sys=$1
  start_server "$sys"
  local per=8; [ "$CAP_PROFILE" = audio ] && per=30
  "$BUILD/relais-loadtest" "${target_args[@]}" --url "$url" --media-address 10.99.0.2 \
    --profile "$CAP_PROFILE" --rooms "$CAP_ROOMS" --per-room $per --ramp "$RAMP" \
    --find-capacity --hold "$HOLD" --max-delay-p99 off --quiet \
    >"$tmp/cap-$sys.txt" 2>"$tmp/cap-$sys.err" || true
  stop_server
  cap=$(sed -n 's/^largest sustained: \([0-9]*\) bots.*/\1/p' "$tmp/cap-$sys.txt")
  cap=${cap:-0}
  echo "bench/janus.sh: $sys: $(tail -1 "$tmp/cap-$sys.txt")" >&2
}

echo "bench/janus.sh: $(janus --help 2>&1 | head -1), relais $("$BUILD/relais" --version)," \
  "$(nproc) cores, ${DURATION}s runs, ramp ${RAMP}/s" >&2
for spec in "$@"; do
  profile=${spec%%:*}
  bots=${spec#*:}
  case $profile in
    meeting) args=(--profile meeting --rooms $(( (bots + 7) / 8 )) --per-room 8); bots=$(( (bots + 7) / 8 * 8 )) ;;
    lecture) args=(--profile lecture --rooms 1 --per-room 1 --listeners $((bots - 1))) ;;
    audio) args=(--profile audio --rooms $(( (bots + 29) / 30 )) --per-room 30); bots=$(( (bots + 29) / 30 * 30 )) ;;
    *) echo "unknown profile $profile" >&2; exit 2 ;;
  esac
  for sys in relais janus; do
    echo "bench/janus.sh: $sys $profile:$bots ..." >&2
    run_profile "$sys" "$profile" "$bots" "${args[@]}"
  done
done
cap_relais=; cap_janus=
if [ "$CAPACITY" = 1 ]; then
  echo "bench/janus.sh: capacity search, $CAP_PROFILE, up to $CAP_ROOMS rooms, hold ${HOLD}s ..." >&2
  capacity relais; cap_relais=$cap
  capacity janus; cap_janus=$cap
fi

python3 - "$tmp/rows" "$cap_relais" "$cap_janus" "$CAP_PROFILE" "$CAP_ROOMS" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def f(v, fmt):
    return "-" if v is None else fmt % v
print("%-7s %-8s %5s %9s %9s %7s %8s %7s %8s %8s %9s %9s" % ("system", "profile", "bots",
      "connected", "fwd_pps", "cpu%", "us/pkt", "loss%", "join_p50", "join_p99", "rss_kb/b",
      "bots_cpu%"))
for r in rows:
    print("%-7s %-8s %5d %9d %9.0f %7.1f %8s %7.3f %8s %8s %9.0f %9.1f" % (r["system"],
          r["profile"], r["bots"], r["connected"], r["fwd_pps"], r["cpu_pct"],
          f(r["us_per_pkt"], "%.2f"), r["loss_pct"], f(r["join_p50"], "%.0f"),
          f(r["join_p99"], "%.0f"), r["rss_kb_per_bot"], r["bots_cpu_pct"]))
by = {}
for r in rows:
    by.setdefault((r["profile"], r["bots"]), {})[r["system"]] = r
print()
for (profile, bots), pair in by.items():
    rl, jn = pair.get("relais"), pair.get("janus")
    if rl and jn and rl["us_per_pkt"] and jn["us_per_pkt"]:
        print("%s:%d  CPU per forwarded packet, Relais/Janus = %.2f / %.2f us = %.2f" % (
            profile, bots, rl["us_per_pkt"], jn["us_per_pkt"], rl["us_per_pkt"] / jn["us_per_pkt"]))
    else:
        print("%s:%d  CPU per forwarded packet: no ratio (a run forwarded nothing)" % (profile, bots))
cr, cj = sys.argv[2], sys.argv[3]
if cr and cj:
    cr, cj = int(cr), int(cj)
    ratio = "%.2f" % (cr / cj) if cj else "n/a"
    print("%s, at most %s rooms  largest sustained bots, Relais/Janus = %d / %d = %s" % (
        sys.argv[4], sys.argv[5], cr, cj, ratio))
PY
