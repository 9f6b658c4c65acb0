#!/usr/bin/env python3
"""The attacker of the adversarial test (tests/adversarial/run.sh): a separate
process that abuses a running node on loopback while a load-test call runs.
Every phase is bounded in count and time. Prints one JSON object of what it
saw; the caller checks it. Only addresses in 127.0.0.0/8 are ever used.

  attack.py HTTP_PORT STUN_PORT NODE_PORTS BOT_PORTS ROOM WS_PER_IP
NODE_PORTS, BOT_PORTS: LO-HI ranges of the node's and the bots' UDP ports."""
import base64, json, os, random, select, socket, struct, sys, time

HOST = "127.0.0.1"
SRC = "127.0.0.2"  # the attacker's own address: its limits are not the bots'
http_port, stun_port = int(sys.argv[1]), int(sys.argv[2])
node_lo, node_hi = map(int, sys.argv[3].split("-"))
bot_lo, bot_hi = map(int, sys.argv[4].split("-"))
room, ws_per_ip = sys.argv[5], int(sys.argv[6])
rnd = random.Random(15)
seen = {}


def note(k, v):
    seen[k] = v


# ---- UDP ------------------------------------------------------------------------

def udp_ports_in(lo, hi):
    """Bound UDP ports in [lo, hi] on 127.0.0.1 (from /proc/net/udp)."""
    ports = set()
    for line in open("/proc/net/udp").readlines()[1:]:
        local = line.split()[1]
        ip, port = local.split(":")
        port = int(port, 16)
        if ip == "0100007F" and lo <= port <= hi:
            ports.add(port)
    return sorted(ports)


def stun_request(valid=True):
    tid = os.urandom(12)
    if not valid:
        return bytes([0, 1]) + os.urandom(rnd.randint(0, 60))
    attrs = b""
    if rnd.random() < 0.5:  # USERNAME that matches nobody
        u = b"abcd:efgh"
        attrs = struct.pack("!HH", 0x0006, len(u)) + u + b"\0" * ((4 - len(u) % 4) % 4)
    return struct.pack("!HHI", 0x0001, len(attrs), 0x2112A442) + tid + attrs


def stun_flood(seconds=4.0, limit=40000):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((SRC, 0))
    s.setblocking(False)
    targets = [stun_port] + udp_ports_in(node_lo, node_hi)
    sent = got = sent_bytes = got_bytes = 0
    end = time.time() + seconds
    while time.time() < end and sent < limit:
        pkt = stun_request(rnd.random() < 0.8)
        try:
            s.sendto(pkt, (HOST, rnd.choice(targets)))
            sent += 1
            sent_bytes += len(pkt)
        except BlockingIOError:
            pass
        try:
            while True:
                d = s.recv(2048)
                got += 1
                got_bytes += len(d)
        except (BlockingIOError, OSError):
            pass
    s.close()
    note("stun_flood", {"sent": sent, "answers": got,
                        "amplification_bytes": round(got_bytes / max(sent_bytes, 1), 3)})


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def spoofed(raw, src_port, dst_port, payload):
    """One UDP datagram from 127.0.0.1:src_port (a bot's 5-tuple)."""
    udp_len = 8 + len(payload)
    pseudo = socket.inet_aton(HOST) + socket.inet_aton(HOST) + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", src_port, dst_port, udp_len, 0)
    csum = checksum(pseudo + udp + payload) or 0xFFFF
    udp = struct.pack("!HHHH", src_port, dst_port, udp_len, csum)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, rnd.randint(0, 65535), 0, 64, 17, 0,
                     socket.inet_aton(HOST), socket.inet_aton(HOST))
    raw.sendto(ip + udp + payload, (HOST, 0))


def forged_payloads():
    seq = os.urandom(6)
    yield bytes([0x17, 0xFE, 0xFD, 0x00, 0x01]) + seq + b"\x00\x08" + os.urandom(8)  # issue 15.1
    for ct in (20, 21, 22, 23):
        yield bytes([ct, 0xFE, 0xFD, 0x00, 0x01]) + os.urandom(6) + b"\x00\x10" + os.urandom(16)
    yield bytes([0x80, 96]) + os.urandom(10) + os.urandom(200)          # RTP, bad SRTP tag
    yield bytes([0x81, 200, 0, 6]) + os.urandom(24)                     # RTCP SR
    yield bytes([0x81, 203, 0, 1]) + os.urandom(4) + os.urandom(14)     # RTCP BYE
    yield bytes([0x80, 96, 0, 0])                                       # truncated RTP
    yield stun_request(True)
    yield os.urandom(rnd.randint(1, 1400))


def forge_media(rounds=30):
    node_ports = udp_ports_in(node_lo, node_hi)
    bot_ports = udp_ports_in(bot_lo, bot_hi)
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    plain = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    plain.bind((SRC, 0))
    n = 0
    for _ in range(rounds):
        for np_ in node_ports:
            for pl in forged_payloads():
                plain.sendto(pl, (HOST, np_))
                n += 1
                for bp in bot_ports:
                    spoofed(raw, bp, np_, pl)
                    n += 1
        time.sleep(0.05)
    raw.close()
    plain.close()
    note("forged_media", {"datagrams": n, "node_ports": len(node_ports), "bot_ports": len(bot_ports)})


# ---- WebSocket --------------------------------------------------------------------

class WS:
    def __init__(self, origin=None, timeout=5.0):
        self.s = socket.create_connection((HOST, http_port), timeout=timeout,
                                          source_address=(SRC, 0))
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET /ws HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n" % (HOST, http_port, key))
        if origin:
            req += "Origin: %s\r\n" % origin
        self.s.sendall((req + "\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            d = self.s.recv(4096)
            if not d:
                break
            head += d
        self.status = head.split(b" ", 2)[1].decode() if head.count(b" ") >= 2 else "closed"
        self.buf = head.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in head else b""

    def frame(self, payload, opcode=1, fin=True, mask=True):
        b0 = (0x80 if fin else 0) | opcode
        n = len(payload)
        hdr = bytes([b0])
        m = 0x80 if mask else 0
        if n < 126:
            hdr += bytes([m | n])
        elif n < 65536:
            hdr += bytes([m | 126]) + struct.pack("!H", n)
        else:
            hdr += bytes([m | 127]) + struct.pack("!Q", n)
        if mask:
            k = os.urandom(4)
            payload = bytes(c ^ k[i % 4] for i, c in enumerate(payload)) if n < 300000 else \
                payload  # big payloads: masking key of zeros below
            if n >= 300000:
                k = b"\0\0\0\0"
            hdr += k
        return hdr + payload

    def send(self, payload, **kw):
        try:
            self.s.sendall(self.frame(payload, **kw))
            return True
        except OSError:
            return False

    def send_json(self, obj):
        return self.send(json.dumps(obj).encode())

    def recv_all(self, seconds):
        """Text messages received within `seconds` (and whether it closed)."""
        out, closed = [], False
        end = time.time() + seconds
        while time.time() < end:
            while len(self.buf) >= 2:
                n = self.buf[1] & 0x7F
                off = 2
                if n == 126:
                    if len(self.buf) < 4:
                        break
                    n = struct.unpack("!H", self.buf[2:4])[0]
                    off = 4
                elif n == 127:
                    if len(self.buf) < 10:
                        break
                    n = struct.unpack("!Q", self.buf[2:10])[0]
                    off = 10
                if len(self.buf) < off + n:
                    break
                op, body = self.buf[0] & 0x0F, self.buf[off:off + n]
                self.buf = self.buf[off + n:]
                if op == 1:
                    try:
                        out.append(json.loads(body))
                    except ValueError:
                        pass
                elif op == 8:
                    closed = True
            if closed:
                break
            r, _, _ = select.select([self.s], [], [], max(0.0, min(0.1, end - time.time())))
            if r:
                try:
                    d = self.s.recv(65536)
                except OSError:
                    d = b""
                if not d:
                    closed = True
                    break
                self.buf += d
        return out, closed

    def close(self):
        self.s.close()


def codes(msgs):
    return [m.get("code") for m in msgs if m.get("type") == "error"]


def alive(ws):
    ws.send_json({"type": "ping", "id": "alive"})
    msgs, _ = ws.recv_all(2.0)
    return any(m.get("type") == "pong" for m in msgs)


def ws_abuse():
    r = {}
    # Issue 15.2: empty text frames in the three shapes the attack run found.
    w = WS()
    w.send(b"")                                    # empty, FIN, first frame
    w.send(b"", fin=False)                         # empty first fragment ...
    w.send(b'{"type":"ping"}', opcode=0)           # ... continued
    w.send(b"x" * 70000)                           # a message over 64 KiB ...
    w.send(b"")                                    # ... then an empty one
    msgs, closed = w.recv_all(2.0)
    r["empty_frames"] = {"codes": codes(msgs), "pongs": sum(m.get("type") == "pong" for m in msgs),
                         "alive": not closed and alive(w)}
    # Binary and unmasked frames.
    w.send(b"\x00\x01", opcode=2)
    w.send(b'{"type":"ping","id":"unmasked"}', mask=False)
    msgs, closed = w.recv_all(1.5)
    r["binary_unmasked"] = {"codes": codes(msgs), "closed": closed,
                            "unmasked_answered": any(m.get("id") == "unmasked" for m in msgs)}
    w.close()
    # 1 MB frame: too-large and closed.
    w = WS()
    w.send(b"{" + b" " * (1 << 20) + b"}")
    msgs, closed = w.recv_all(3.0)
    r["huge_frame"] = {"codes": codes(msgs), "closed": closed}
    w.close()
    # 10,000-deep JSON.
    w = WS()
    w.send(b"[" * 10000 + b"]" * 10000)
    msgs, closed = w.recv_all(1.5)
    r["deep_json"] = {"codes": codes(msgs), "alive": not closed and alive(w)}
    w.close()
    # Issue 15.3: 1000 mute toggles in a burst from a joined participant;
    # an observer in the same room counts participant-updated.
    obs = WS()
    obs.send_json({"type": "join", "room": room, "name": "observer"})
    obs.recv_all(1.0)
    fl = WS()
    fl.send_json({"type": "join", "room": room, "name": "flooder"})
    fl.recv_all(1.0)
    obs.recv_all(0.5)
    t0 = time.time()
    for i in range(1000):
        fl.send_json({"type": "mute", "source": "microphone", "muted": i % 2 == 0})
    fmsgs, fclosed = fl.recv_all(2.0)
    omsgs, _ = obs.recv_all(0.5)
    r["mute_flood"] = {
        "seconds": round(time.time() - t0, 2),
        "rate_limited_answers": codes(fmsgs).count("rate-limited"),
        "updates_to_observer": sum(m.get("type") == "participant-updated" for m in omsgs),
        "flooder_alive": not fclosed and alive(fl),
    }
    # Issue 15.4: offers that can never work, garbage SDP, and a VP9-only
    # publisher (the load-test bots must reject it, not fail: 15.6).
    fp = ":".join("%02X" % b for b in os.urandom(32))

    def offer(codec="VP8", setup="actpass", pwd="abcdefghijklmnopqrstuvwx"):
        return ("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
                "m=video 9 UDP/TLS/RTP/SAVPF 98\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\n"
                "a=ice-pwd:%s\r\na=fingerprint:sha-256 %s\r\na=setup:%s\r\na=mid:0\r\n"
                "a=sendonly\r\na=rtcp-mux\r\na=rtpmap:98 %s/90000\r\na=ssrc:4242 cname:x\r\n"
                % (pwd, fp, setup, codec))
    sdp_codes = {}
    for name, sdp in (("setup-passive", offer(setup="passive")),
                      ("setup-holdconn", offer(setup="holdconn")),
                      ("ice-pwd-1", offer(pwd="x")),
                      ("garbage", "v=0\r\n" + "a=" * 5000),
                      ("vp9-only", offer(codec="VP9"))):
        fl.send_json({"type": "publish", "sdp": sdp, "tracks": [{"mid": "0", "source": "camera"}]})
        msgs, _ = fl.recv_all(1.5)
        got = [m.get("code") if m.get("type") == "error" else m.get("type") for m in msgs
               if m.get("type") in ("error", "publish-answer")]
        sdp_codes[name] = got
    r["sdp"] = sdp_codes
    time.sleep(3.0)  # the bots get and answer the VP9 subscribe-offer
    fl.close()
    obs.close()
    # Connections per address: ws_per_ip + 5 at once.
    conns, refused = [], 0
    for _ in range(ws_per_ip + 5):
        c = WS()
        conns.append(c)
    for c in conns:
        msgs, closed = c.recv_all(0.2)
        refused += "too-many-connections" in codes(msgs)
    for c in conns:
        c.close()
    r["ws_per_ip"] = {"opened": ws_per_ip + 5, "refused": refused}
    # Cross-site: a foreign Origin gets no WebSocket; the node's own does.
    r["origin"] = {"foreign": WS(origin="https://evil.example").status,
                   "own": WS(origin="http://%s:%d" % (HOST, http_port)).status}
    note("ws", r)


# ---- HTTP ---------------------------------------------------------------------------

def http_get(path, extra=""):
    try:
        s = socket.create_connection((HOST, http_port), timeout=3, source_address=(SRC, 0))
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n%s\r\n" % (path, extra)).encode("latin-1"))
        d = s.recv(4096)
        s.close()
        return d.split(b" ", 2)[1].decode() if d.count(b" ") >= 2 else "closed"
    except OSError:
        return "closed"


def http_abuse():
    paths = ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/.git/config", "/web-client/../main.c",
             "/admin/rooms", "/admin/drain", "/" + "a" * 5000]
    statuses = {p[:40]: http_get(p) for p in paths}
    statuses["huge-header"] = http_get("/health", "X-Big: " + "b" * 20000 + "\r\n")
    # Slowloris: 100 connections that never finish their request (closed below).
    slow = []
    for _ in range(100):
        try:
            s = socket.create_connection((HOST, http_port), timeout=2, source_address=(SRC, 0))
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
            slow.append(s)
        except OSError:
            break
    statuses["health-during-slowloris"] = http_get("/health")
    for s in slow:
        s.close()
    note("http", {"statuses": statuses, "slowloris": len(slow)})


if __name__ == "__main__":
    t0 = time.time()
    stun_flood()
    forge_media()
    ws_abuse()
    http_abuse()
    note("seconds", round(time.time() - t0, 1))
    print(json.dumps(seen))
