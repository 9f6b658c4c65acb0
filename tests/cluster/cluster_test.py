#!/usr/bin/env python3
"""Cluster test: a real redis-server and relais nodes on loopback, driven by
relais-loadtest with real WebRTC media (audio-only bots, so ~100 of them fit
on two cores next to four nodes). Run by tests/cluster/run.sh inside a
private network namespace; every wait below is bounded.

  1. 30 rooms x 3 bots: each room on exactly one node, each node >= 20 % of
     the rooms, every bot gets media from both room mates.
  2. A fourth node joins while rooms run: new rooms land on it, running rooms
     stay where they are.
  3. kill -9 of a node: all its bots are back in their rooms, with media, on
     the survivors within 15 s; no room is split.
  5. Redis stopped for a few seconds: media keeps flowing, /health says 503,
     new rooms get cluster-unavailable; after Redis returns the nodes
     re-register, re-claim their rooms, and new rooms are placed again.
  4. Drain (relais admin drain --deadline): /health 503, no new rooms on the
     node, its participants move after the deadline, it exits 0.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
# RELAIS_BIN: another node binary (e.g. the ASan build) with this build's load tester.
RELAIS = os.path.abspath(os.environ.get("RELAIS_BIN") or os.path.join(BUILD, "relais"))
LOADTEST = os.path.join(BUILD, "relais-loadtest")
REDIS_PORT = 16379
REDIS_URL = f"redis://127.0.0.1:{REDIS_PORT}"
TOKEN = "cluster-test-token-0123456789"
TTL = 4
TMP = tempfile.mkdtemp(prefix="relais-cluster-")

results = []
procs = []


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def check(name, ok, detail=""):
    results.append((name, bool(ok)))
    print(("ok   " if ok else "FAIL ") + name + (f": {detail}" if detail != "" else ""), flush=True)
    return ok


def wait_for(what, fn, timeout, interval=0.2):
    """Polls fn until truthy; returns its value, or None after timeout."""
    end = time.monotonic() + timeout
    while True:
        try:
            v = fn()
            if v:
                return v
        except Exception:
            pass
        if time.monotonic() >= end:
            log(f"timed out after {timeout} s waiting for {what}")
            return None
        time.sleep(interval)


# ---- Redis -------------------------------------------------------------------

def redis(*args):
    """One command over RESP; returns the decoded reply (str, int, list, None)."""
    with socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=2) as s:
        out = f"*{len(args)}\r\n".encode()
        for a in args:
            a = str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        s.sendall(out)
        f = s.makefile("rb")

        def read():
            line = f.readline().rstrip(b"\r\n")
            t, rest = line[:1], line[1:]
            if t == b"+":
                return rest.decode()
            if t == b"-":
                raise RuntimeError(rest.decode())
            if t == b":":
                return int(rest)
            if t == b"$":
                n = int(rest)
                if n < 0:
                    return None
                data = f.read(n + 2)[:-2]
                return data.decode()
            if t == b"*":
                n = int(rest)
                return None if n < 0 else [read() for _ in range(n)]
            raise RuntimeError(f"bad reply {line!r}")
        return read()


redis_proc = None


def start_redis():
    global redis_proc
    redis_proc = subprocess.Popen(
        ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", TMP, "--daemonize", "no"],
        stdout=open(os.path.join(TMP, "redis.log"), "a"), stderr=subprocess.STDOUT)
    procs.append(redis_proc)
    return wait_for("redis PING", lambda: redis("PING") == "PONG", 10)


def room_keys():
    keys = redis("KEYS", "relais:room:*") or []
    return {k[len("relais:room:"):]: redis("GET", k) for k in keys}


# ---- nodes -------------------------------------------------------------------

class Node:
    def __init__(self, idx):
        self.id = f"n{idx}"
        self.port = 18180 + idx
        self.rtp = f"{40000 + idx * 1000}-{40000 + idx * 1000 + 999}"
        self.proc = None

    def start(self):
        self.log = open(os.path.join(TMP, f"{self.id}.log"), "w")
        self.proc = subprocess.Popen(
            [RELAIS, "--listen", f"127.0.0.1:{self.port}", "--stun-listen", "off",
             "--media-address", "127.0.0.1", "--rtp-ports", self.rtp, "--join-rate", "0",
             "--redis", REDIS_URL, "--node-id", self.id, "--cluster-ttl", str(TTL),
             "--capacity", "80", "--admin-token", TOKEN, "--drain-deadline", "30s",
             "--log-level", "info"],
            stdout=self.log, stderr=subprocess.STDOUT)
        procs.append(self.proc)
        return wait_for(f"{self.id} /health", lambda: self.health()[0] == 200, 10)

    @property
    def url(self):
        return f"ws://127.0.0.1:{self.port}/ws"

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def get(self, path, token=False):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}")
        if token:
            req.add_header("Authorization", f"Bearer {TOKEN}")
        try:
            with urllib.request.urlopen(req, timeout=2) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def health(self):
        try:
            code, body = self.get("/health")
            return code, json.loads(body)
        except Exception as e:
            return 0, {"error": str(e)}

    def rooms(self):
        """name -> participants, from the node's admin API."""
        code, body = self.get("/admin/rooms", token=True)
        assert code == 200, (code, body)
        return {r["name"]: r["participants"] for r in json.loads(body)["rooms"]}

    def stats(self):
        return json.loads(self.get("/stats")[1])


def placement(nodes, prefix):
    """room -> [(node id, participants)] over the live nodes, for rooms with
    the prefix."""
    out = {}
    for n in nodes:
        if not n.alive():
            continue
        for name, count in n.rooms().items():
            if name.startswith(prefix + "-"):
                out.setdefault(name, []).append((n.id, count))
    return out


def admin(*args):
    r = subprocess.run([RELAIS, "admin", "--redis", REDIS_URL, *args], capture_output=True,
                       text=True, timeout=20)
    return r.returncode, r.stdout + r.stderr


def show_nodes(when):
    rc, out = admin("nodes")
    log(f"relais admin nodes ({when}):\n{out.rstrip()}")


# ---- load tests ---------------------------------------------------------------

class Load:
    def __init__(self, name, urls, rooms, per_room, duration, extra=()):
        self.name = name
        self.json = os.path.join(TMP, f"{name}.json")
        args = [LOADTEST]
        for u in urls:
            args += ["--url", u]
        args += ["--profile", "audio", "--rooms", str(rooms), "--per-room", str(per_room),
                 "--duration", str(duration), "--ramp", "40", "--room-prefix", name,
                 "--ports", f"{50000 + (ord(name[0]) - 97) * 1500}-{50000 + (ord(name[0]) - 97) * 1500 + 1499}",
                 "--quiet", "--json", self.json, *extra]
        self.out = open(os.path.join(TMP, f"{name}.out"), "w")
        self.proc = subprocess.Popen(args, stdout=self.out, stderr=subprocess.STDOUT)
        procs.append(self.proc)
        self.rooms = rooms
        self.per_room = per_room
        self.duration = duration

    def wait(self):
        try:
            rc = self.proc.wait(timeout=self.duration + 60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = -9
        self.out.close()
        try:
            rep = json.load(open(self.json))
        except Exception:
            rep = None
        return rc, rep

    def output(self):
        with open(os.path.join(TMP, f"{self.name}.out")) as f:
            return f.read()


def all_joined(nodes, prefix, rooms, per_room):
    p = placement(nodes, prefix)
    return len(p) == rooms and all(len(v) == 1 and v[0][1] == per_room for v in p.values()) and p


# ---- a bare WebSocket client (joins only) --------------------------------------

def ws_join(port, room, name, barrier):
    """Opens /ws on the node, waits at the barrier, sends join, returns the
    first message the node answers with (a dict)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            raise RuntimeError("closed during handshake")
        head += chunk
    assert b" 101 " in head.split(b"\r\n")[0], head
    rest = head.split(b"\r\n\r\n", 1)[1]
    payload = json.dumps({"type": "join", "room": room, "name": name}).encode()
    mask = os.urandom(4)
    frame = bytes([0x81, 0x80 | len(payload)]) + mask + bytes(
        b ^ mask[i % 4] for i, b in enumerate(payload))
    barrier.wait(timeout=10)
    s.sendall(frame)
    buf = rest
    while True:
        if len(buf) >= 2:
            n = buf[1] & 0x7F
            off = 2
            if n == 126:
                n, off = int.from_bytes(buf[2:4], "big"), 4
            if len(buf) >= off + n:
                s.close()
                return json.loads(buf[off:off + n])
        chunk = s.recv(65536)
        if not chunk:
            raise RuntimeError("closed before an answer")
        buf += chunk


def scenario_race(nodes):
    """Two joins for the same new room reach two nodes at the same moment:
    both must end up pointing at one node."""
    import threading
    live = [n for n in nodes if n.alive()]
    a, b = live[0], live[1]
    bad = []
    for k in range(20):
        room = f"race-{k}"
        barrier = threading.Barrier(2)
        out = [None, None]

        def run(i, node):
            try:
                out[i] = ws_join(node.port, room, f"racer{i}", barrier)
            except Exception as e:
                out[i] = {"type": "exception", "error": str(e)}
        ts = [threading.Thread(target=run, args=(i, n)) for i, n in enumerate((a, b))]
        for t in ts:
            t.start()
        for t in ts:
            t.join(20)
        # Where each answer says the room lives.
        where = []
        for i, (node, msg) in enumerate(zip((a, b), out)):
            if msg and msg.get("type") == "joined":
                where.append(node.url)
            elif msg and msg.get("type") == "redirect":
                where.append(msg.get("url"))
            else:
                where.append(f"?{msg}")
        if len(set(where)) != 1:
            bad.append((room, where))
    check("race: two joins for a new room on two nodes at once end on one node (20 rooms)",
          not bad, bad[:3])
    time.sleep(1)  # the racers left; their claims are released


# ---- the scenarios -----------------------------------------------------------

def scenario_spread(nodes):
    log("1. 30 rooms x 3 bots on 3 nodes")
    urls = [n.url for n in nodes if n.alive()]
    lt = Load("a", urls, 30, 3, 16, ["--min-bots", "90", "--max-loss", "5"])
    p = wait_for("90 bots in 30 rooms", lambda: all_joined(nodes, "a", 30, 3), 25)
    check("1: every room on exactly one node with its 3 bots", p,
          "" if p else placement(nodes, "a"))
    if p:
        per = {n.id: sum(1 for v in p.values() if v[0][0] == n.id) for n in nodes if n.alive()}
        check("1: every node holds >= 20 % of the rooms", min(per.values()) >= 6, per)
        keys = room_keys()
        check("1: Redis claims agree with the nodes",
              all(keys.get(r) == v[0][0] for r, v in p.items()),
              {r: (keys.get(r), v[0][0]) for r, v in p.items() if keys.get(r) != v[0][0]})
    show_nodes("30 rooms x 3 bots")
    rc, rep = lt.wait()
    rx = rep["received"] if rep else {}
    check("1: every bot got media from both room mates (--min-bots 90)", rc == 0 and rep and
          rep["bots"]["connected"] == 90 and rx.get("streams_with_media") == 180,
          f"exit {rc}, streams with media {rx.get('streams_with_media')}/180, "
          f"loss {rx.get('loss_after_pct')} %")


def scenario_failover(nodes):
    urls = [n.url for n in nodes[:3]]
    log("2/3/5. a long run: add a node, kill -9 one, stop Redis")
    lt = Load("b", urls, 30, 3, 75, ["--ping", "5", "--min-rejoined-within", "15"])
    before = wait_for("90 bots in 30 rooms", lambda: all_joined(nodes, "b", 30, 3), 25)
    if not check("2: 90 bots in 30 rooms before the new node", before):
        return lt

    # 2. a fourth node
    n4 = nodes[3]
    check("2: the fourth node starts", n4.start())
    wait_for("n4 in the cluster", lambda: "n4" in admin("nodes")[1], 5)
    show_nodes("after adding n4")
    lc = Load("c", [n.url for n in nodes], 12, 2, 10)
    p = wait_for("12 new rooms", lambda: all_joined(nodes, "c", 12, 2), 20)
    on_n4 = sum(1 for v in (p or {}).values() if v[0][0] == "n4")
    check("2: new rooms land on the new node", p and on_n4 >= 1,
          f"{on_n4} of 12 new rooms on n4" if p else placement(nodes, "c"))
    now = placement(nodes, "b")
    check("2: running rooms stay where they were",
          all(now.get(r) == v for r, v in before.items()),
          {r: (v, now.get(r)) for r, v in before.items() if now.get(r) != v})
    rc, rep = lc.wait()
    check("2: the new rooms' bots got media", rc == 0 and rep and
          rep["received"]["streams_with_media"] == 24, f"exit {rc}")

    # 3. kill -9 the node with most rooms of the long run
    per = {}
    for v in before.values():
        per[v[0][0]] = per.get(v[0][0], 0) + 1
    victim = next(n for n in nodes if n.id == max(per, key=per.get))
    moved = per[victim.id]
    log(f"3. kill -9 {victim.id} ({moved} rooms, {moved * 3} bots)")
    t0 = time.monotonic()
    victim.proc.kill()
    victim.proc.wait()
    back = wait_for("every room back on a live node",
                    lambda: all_joined(nodes, "b", 30, 3), 20, interval=0.25)
    elapsed = time.monotonic() - t0
    check("3: all rooms re-formed on the survivors within 15 s", back and elapsed <= 15,
          f"{elapsed:.1f} s after kill -9 ({moved} rooms, {moved * 3} bots)")
    if back:
        check("3: no room is split, none on the dead node",
              all(len(v) == 1 and v[0][0] != victim.id for v in back.values()))
    show_nodes(f"{elapsed:.1f} s after kill -9 {victim.id}")
    return lt, victim, elapsed


def rtp_out(nodes):
    return {n.id: n.stats()["rtp_out"] for n in nodes if n.alive()}


def scenario_redis(nodes):
    live = [n for n in nodes if n.alive()]
    log("5. Redis stops for 5 s")
    before_b = placement(nodes, "b")
    redis_proc.kill()
    redis_proc.wait()
    t0 = time.monotonic()
    down = wait_for("/health 503 everywhere",
                    lambda: all(n.health()[0] == 503 for n in live) and
                    [n.health()[1] for n in live], 5)
    check("5: /health is 503 with a reason while Redis is down", down and
          all("Redis" in h.get("reason", "") for h in down), down)
    m0 = rtp_out(nodes)
    ld = Load("d", [live[0].url], 1, 2, 3, ["--max-reconnects", "0"])
    rc, rep = ld.wait()
    m1 = rtp_out(nodes)
    check("5: media keeps flowing on every node without Redis",
          all(m1[k] > m0[k] for k in m0), {k: m1[k] - m0[k] for k in m0})
    unavailable = sum(
        float(line.rsplit(" ", 1)[1]) for n in live for line in n.get("/metrics")[1].splitlines()
        if line.startswith('relais_cluster_placements_total{result="unavailable"}'))
    check("5: a new room gets cluster-unavailable", rep and rep["bots"]["connected"] == 0 and
          unavailable >= 1, f"connected {rep and rep['bots']['connected']}, "
          f"unavailable answers {unavailable:.0f}")
    check("5: running rooms untouched during the outage", placement(nodes, "b") == before_b)
    time.sleep(max(0.0, 5 - (time.monotonic() - t0)))
    check("5: Redis restarts (empty)", start_redis())
    t1 = time.monotonic()
    ok = wait_for("nodes re-registered and rooms re-claimed", lambda: (
        all(n.health()[0] == 200 for n in live) and
        set(x for x in (redis("SMEMBERS", "relais:nodes") or [])) >= {n.id for n in live} and
        all(room_keys().get(r) == v[0][0] for r, v in placement(nodes, "b").items())), 10)
    check("5: nodes re-register and re-claim their rooms after Redis returns", ok,
          f"{time.monotonic() - t1:.1f} s")
    show_nodes("after Redis came back")
    le = Load("e", [n.url for n in live], 4, 2, 8, ["--min-bots", "8"])
    rc, rep = le.wait()
    check("5: new rooms are placed again", rc == 0, f"exit {rc}")


def scenario_drain(nodes):
    live = [n for n in nodes if n.alive()]
    log("4. drain")
    lf = Load("f", [n.url for n in live], 12, 2, 40, ["--ping", "5", "--min-rejoined-within", "15"])
    p = wait_for("24 bots in 12 rooms", lambda: all_joined(nodes, "f", 12, 2), 20)
    if not check("4: 24 bots in 12 rooms", p):
        return lf.wait()
    per = {}
    for v in p.values():
        per[v[0][0]] = per.get(v[0][0], 0) + 1
    target = next(n for n in live if n.id == max(per, key=per.get))
    rc, out = admin("drain", target.id, "--deadline", "8s")
    check("4: relais admin drain", rc == 0, out.strip())
    t0 = time.monotonic()
    h = wait_for("/health 503 draining", lambda: target.health()[0] == 503 and
                 target.health()[1], 4)
    check("4: /health says 503 draining", h and h.get("status") == "draining", h)
    show_nodes(f"while {target.id} drains")
    lg = Load("g", [n.url for n in live], 8, 2, 6)
    q = wait_for("8 new rooms", lambda: all_joined(nodes, "g", 8, 2), 15)
    check("4: no new room goes to the draining node",
          q and all(v[0][0] != target.id for v in q.values()),
          q and {r: v[0][0] for r, v in q.items()})
    lg.wait()
    try:
        code = target.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        code = None
    took = time.monotonic() - t0
    check("4: the drained node exits 0 after its deadline", code == 0 and took >= 7,
          f"exit {code} after {took:.1f} s (deadline 8 s, {per[target.id]} rooms)")
    back = wait_for("the drained rooms re-formed", lambda: all_joined(nodes, "f", 12, 2), 15)
    check("4: its participants moved to other nodes", back and
          all(v[0][0] != target.id for v in back.values()))
    rc, rep = lf.wait()
    rcn = rep["reconnects"] if rep else {}
    check("4: every moved bot rejoined with media within 15 s", rc == 0 and
          rcn.get("disconnected") == 0 and rcn.get("count", 0) >= 2 * per[target.id],
          f"exit {rc}, reconnects {rcn.get('count')} {rcn.get('by_reason')}, "
          f"failover ms {rcn.get('failover_ms')}")


def main():
    for b in (RELAIS, LOADTEST):
        if not os.access(b, os.X_OK):
            print(f"cluster test: {b} is missing")
            return 1
    check("redis-server starts", start_redis())
    nodes = [Node(i) for i in range(1, 5)]
    for n in nodes[:3]:
        check(f"{n.id} starts", n.start())
    wait_for("3 nodes registered", lambda: len(redis("SMEMBERS", "relais:nodes") or []) == 3, 5)
    show_nodes("start")

    scenario_spread(nodes)
    scenario_race(nodes)
    r = scenario_failover(nodes)
    if isinstance(r, tuple):
        lt, victim, elapsed = r
        scenario_redis(nodes)
        rc, rep = lt.wait()
        rcn = rep["reconnects"] if rep else {}
        check("3: every bot of the dead node rejoined with media within 15 s "
              "(relais-loadtest --min-rejoined-within 15)",
              rc == 0 and rcn.get("disconnected") == 0 and rcn.get("count", 0) >= 3,
              f"exit {rc}, reconnects {rcn.get('count')} {rcn.get('by_reason')}, "
              f"failover ms {rcn.get('failover_ms')}")
        if rc != 0:
            print(lt.output()[-3000:])
    else:
        r.wait()
    scenario_drain(nodes)

    for n in nodes:
        if n.alive():
            n.proc.send_signal(signal.SIGTERM)
            try:
                code = n.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                code = None
            check(f"{n.id} drains and exits 0 on SIGTERM when empty", code == 0, f"exit {code}")
    for n in nodes:
        path = os.path.join(TMP, f"{n.id}.log")
        if os.path.exists(path):
            with open(path) as f:
                text = f.read()
            for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
                if marker in text:
                    check(f"{n.id}: no sanitizer report", False, marker)
    failed = [n for n, ok in results if not ok]
    print(f"cluster test: {len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        for n in nodes:
            path = os.path.join(TMP, f"{n.id}.log")
            if os.path.exists(path):
                with open(path) as f:
                    lines = f.readlines()
                print(f"----- {n.id}.log (last 40 lines) -----")
                print("".join(lines[-40:]))
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        rc = main()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if os.environ.get("KEEP_TMP"):
            print(f"logs kept in {TMP}")
        else:
            shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(rc)
