// Relais signaling over one WebSocket (docs/protocol.md). No DOM code here:
// this module runs in any environment that has WebSocket and EventTarget.
//
// A Connection emits one event per node message, named after its `type`
// ("joined", "participant-joined", "subscribe-offer", "error", ...), with the
// parsed message in `event.detail`. It also emits "open" and "close" (detail
// {code, reason, wasClean}). Requests that have a reply (`join`, `publish`,
// `ping`) can be awaited with request(); their errors reject the promise
// with a ProtocolError and are not emitted as "error" events.
//
// In a cluster, `join` may be answered by `redirect` instead of `joined`:
// join() then resolves with the redirect message and the caller opens a new
// Connection to its url (see redirectTarget). A `redirect` that arrives
// later (reason `moving`) is emitted as a "redirect" event; the node closes
// the WebSocket right after it.

export const PROTOCOL_VERSION = 1;
export const PING_INTERVAL_MS = 20000;
const REQUEST_TIMEOUT_MS = 15000;
const CONNECT_TIMEOUT_MS = 10000;

// Reply types for each request type that has one; the first is the normal
// one. A `join` is answered with `redirect` when the room lives elsewhere.
const REPLIES = { join: ['joined', 'redirect'], publish: ['publish-answer'], ping: ['pong'] };

// An `error` from the node, or a local failure with a code of our own
// (`timeout`, `connection-lost`, `server-unreachable`, `bad-redirect`,
// `too-many-redirects`).
export class ProtocolError extends Error {
  constructor(code, message, request = null, fatal = false) {
    super(message || code);
    this.name = 'ProtocolError';
    this.code = code;
    this.request = request;
    this.fatal = fatal;
  }
}

// The default signaling URL: `/ws` on the host that served the page, unless
// the page was opened with `?ws=ws://host:port/ws` (tests and operations).
export function defaultUrl(location) {
  const override = new URLSearchParams(location.search).get('ws');
  if (override && /^wss?:\/\//i.test(override)) return override;
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws`;
}

// The url of a `redirect` message if it is a ws:// or wss:// URL, else null
// (anything else would make the page open a connection it does not expect).
export function redirectTarget(msg) {
  const url = msg && typeof msg.url === 'string' ? msg.url : '';
  if (!/^wss?:\/\//i.test(url)) return null;
  try {
    return new URL(url).href;
  } catch {
    return null;
  }
}

export class Connection extends EventTarget {
  constructor(url) {
    super();
    this.url = url;
    this.ws = null;
    this.nextId = 1;
    this.pending = new Map(); // id -> {type, reply, resolve, reject, timer}
    this.pingTimer = null;
    this.closed = false;
  }

  // Opens the WebSocket. Resolves when it is open; rejects with a
  // ProtocolError `server-unreachable` if it cannot be opened in time.
  connect() {
    return new Promise((resolve, reject) => {
      let opened = false;
      let ws;
      try {
        ws = new WebSocket(this.url);
      } catch (e) {
        reject(new ProtocolError('server-unreachable', String(e)));
        return;
      }
      this.ws = ws;
      const timer = setTimeout(() => {
        if (opened) return;
        ws.close();
        reject(new ProtocolError('server-unreachable', 'connect timeout'));
      }, CONNECT_TIMEOUT_MS);
      ws.onopen = () => {
        opened = true;
        clearTimeout(timer);
        this.pingTimer = setInterval(() => this.send({ type: 'ping' }), PING_INTERVAL_MS);
        this.emit('open', {});
        resolve();
      };
      ws.onmessage = (ev) => this.onMessage(ev.data);
      ws.onerror = () => {}; // always followed by close
      ws.onclose = (ev) => {
        clearTimeout(timer);
        if (!opened) {
          this.closed = true;
          reject(new ProtocolError('server-unreachable', `WebSocket closed (${ev.code})`));
          return;
        }
        this.onClose(ev);
      };
    });
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  // Sends one message. Returns false if the socket is not open.
  send(msg) {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  // Sends a request with a fresh `id` and resolves with its reply message;
  // rejects with a ProtocolError on an `error` for it, a timeout or a close.
  request(msg) {
    const replies = REPLIES[msg.type];
    if (!replies) return Promise.reject(new Error(`${msg.type} has no reply`));
    const id = `r${this.nextId++}`;
    return new Promise((resolve, reject) => {
      if (!this.send({ ...msg, id })) {
        reject(new ProtocolError('connection-lost', 'not connected', msg.type));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ProtocolError('timeout', `no ${replies[0]} within ${REQUEST_TIMEOUT_MS} ms`, msg.type));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { type: msg.type, replies, resolve, reject, timer });
    });
  }

  // Resolves with `joined` or `redirect` (check `type`).
  join(room, name) {
    return this.request({ type: 'join', room, name, protocol: PROTOCOL_VERSION });
  }

  publish(sdp, tracks) {
    return this.request({ type: 'publish', sdp, tracks });
  }

  subscribeAnswer(sdp) {
    return this.send({ type: 'subscribe-answer', sdp });
  }

  // candidate: the `candidate:…` string, or '' for end of candidates.
  candidate(pc, candidate, sdpMid) {
    const msg = { type: 'candidate', pc, candidate };
    if (sdpMid !== undefined && sdpMid !== null) msg.sdpMid = sdpMid;
    return this.send(msg);
  }

  mute(source, muted) {
    return this.send({ type: 'mute', source, muted });
  }

  // Sends `leave` and closes; no "close" event follows.
  leave() {
    this.send({ type: 'leave' });
    this.close();
  }

  // Closes without emitting "close".
  close() {
    this.closed = true;
    this.stopTimers();
    this.failPending(new ProtocolError('connection-lost', 'closed by client'));
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.onmessage = null;
      this.ws.close(1000);
    }
  }

  // internals

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  stopTimers() {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  failPending(err) {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(err);
      this.pending.delete(id);
    }
  }

  onClose(ev) {
    this.stopTimers();
    this.failPending(new ProtocolError('connection-lost', `WebSocket closed (${ev.code})`));
    if (this.closed) return;
    this.closed = true;
    this.emit('close', { code: ev.code, reason: ev.reason, wasClean: ev.wasClean });
  }

  onMessage(data) {
    if (typeof data !== 'string') return; // the node sends text frames only
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return;
    const p = this.findPending(msg);
    if (p) {
      this.pending.delete(p.id);
      clearTimeout(p.timer);
      if (msg.type === 'error') {
        p.reject(new ProtocolError(msg.code, msg.message, msg.request ?? p.type, msg.fatal === true));
      } else {
        p.resolve(msg);
      }
      return;
    }
    this.emit(msg.type, msg);
  }

  // The pending request a message answers: by echoed `id`, else (a node that
  // does not echo) the oldest request whose reply type or request type fits.
  findPending(msg) {
    if (msg.id !== undefined && msg.id !== null) {
      const p = this.pending.get(String(msg.id));
      // A message of another type that happens to carry the id (a `redirect`
      // while a `publish` is pending) is an event, not this reply.
      if (!p || (msg.type !== 'error' && !p.replies.includes(msg.type))) return null;
      return { ...p, id: String(msg.id) };
    }
    for (const [id, p] of this.pending) {
      if (p.replies.includes(msg.type) || (msg.type === 'error' && msg.request === p.type)) return { ...p, id };
    }
    return null;
  }
}
