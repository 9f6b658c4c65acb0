// Bad input on /ws (docs/protocol.md): every case gets its exact `error` code
// and `request`, and the connection stays usable unless the error is fatal.
// A two-browser call runs in the same node meanwhile and must keep decoding.
// Then a node with --room-size 2 turns the third participant away.

import { describe, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { TestEnv, joinRoom, expectVideoFlowing, statusOf, waitUntil } from './harness.mjs';
import { errorText } from '../../web-client/i18n.js';

const CALL_ROOM = 'badinput-call';

// Parses and has ICE credentials, BUNDLE and rtcp-mux, but plain RTP/AVP and
// no fingerprint: the proto is checked first, so `unsupported-media`.
const SDP_AVP_NO_FINGERPRINT = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'm=audio 9 RTP/AVP 111',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=ice-ufrag:e2eT',
  'a=ice-pwd:e2eTestPasswordOf24Chars',
  'a=mid:0',
  'a=sendonly',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=ssrc:11111111 cname:e2e',
  '',
].join('\r\n');

// The same, well-formed for WebRTC except for the missing fingerprint.
const SDP_NO_FINGERPRINT = SDP_AVP_NO_FINGERPRINT
  .replace('m=audio 9 RTP/AVP 111', 'm=audio 9 UDP/TLS/RTP/SAVPF 111')
  .replace('a=mid:0', 'a=mid:0\r\na=setup:actpass');

const SOLO_ROOM = 'badinput-solo';

describe('bad input on /ws', () => {
  const env = new TestEnv('badinput');
  let node;
  let call; // {a, b}
  let maxBytes;
  let solo; // a joined ws client alone in its room
  after(() => env.cleanup());

  // Sends `payload`, expects the error, then (non-fatal) a pong for a ping.
  async function expectError(client, payload, { code, request, fatal = false, id }) {
    let what;
    if (typeof payload === 'function') {
      what = 'a binary frame';
      payload();
    } else {
      what = (typeof payload === 'string' ? payload : JSON.stringify(payload)).slice(0, 80);
      client.send(payload);
    }
    const m = await client.next('error');
    assert.equal(m.code, code, `error code for ${what}: ${JSON.stringify(m)}`);
    assert.equal(m.request, request, `request of ${code}: ${JSON.stringify(m)}`);
    assert.equal(typeof m.message, 'string');
    if (id !== undefined) assert.equal(m.id, id, `id echoed in ${JSON.stringify(m)}`);
    if (fatal) {
      assert.equal(m.fatal, true, `${code} is fatal`);
      return m;
    }
    assert.notEqual(m.fatal, true, `${code} is not fatal`);
    await client.ping();
    return m;
  }

  env.step('start the node and a two-browser call', async () => {
    node = await env.startNode();
    const pages = [];
    for (const name of ['Ida', 'Jan']) {
      const browser = await env.chromium(name);
      const page = await env.page(browser, node.pageUrl(CALL_ROOM));
      pages.push({ name, page, id: await joinRoom(page, { room: CALL_ROOM, name }) });
    }
    call = { a: pages[0], b: pages[1] };
    await expectVideoFlowing(call.a.page, call.b.id);
    await expectVideoFlowing(call.b.page, call.a.id);
  });

  env.step('ping gets pong and echoes the id', async () => {
    const c = await env.wsClient(node.wsUrl);
    c.send({ type: 'ping', id: 'p-1' });
    const pong = await c.next('pong');
    assert.equal(pong.id, 'p-1');
    c.send({ type: 'ping', id: 42 });
    assert.equal((await c.next('pong')).id, 42);
  });

  env.step('malformed frames before join', async () => {
    const c = await env.wsClient(node.wsUrl);
    await expectError(c, 'this is not json', { code: 'bad-json', request: null });
    await expectError(c, '[1,2,3]', { code: 'bad-json', request: null });
    await expectError(c, { room: 'x', name: 'y' }, { code: 'bad-message', request: null });
    await expectError(c, { type: 'dance', id: 'u-1' }, { code: 'unknown-type', request: 'dance', id: 'u-1' });
    await expectError(c, { type: 'publish', sdp: 'v=0\r\n', tracks: [] }, { code: 'not-joined', request: 'publish' });
    await expectError(c, { type: 'join', name: 'Nora' }, { code: 'bad-message', request: 'join' });
    await expectError(c, { type: 'join', room: 'a\u0007b', name: 'Nora' }, { code: 'bad-room', request: 'join' });
    await expectError(c, () => c.sendRaw(Buffer.from('{"type":"ping"}'), { binary: true }),
      { code: 'bad-json', request: null });
  });

  env.step('protocol 2 is fatal', async () => {
    const c = await env.wsClient(node.wsUrl);
    await expectError(c, { type: 'join', room: 'r', name: 'Nora', protocol: 2 },
      { code: 'protocol-version', request: 'join', fatal: true });
    await c.waitClosed();
  });

  env.step('join works and gives the limits', async () => {
    solo = await env.wsClient(node.wsUrl);
    solo.send({ type: 'join', room: SOLO_ROOM, name: 'Solo', id: 'j-1' });
    const joined = await solo.next(['joined', 'error']);
    assert.equal(joined.type, 'joined', JSON.stringify(joined));
    assert.equal(joined.id, 'j-1');
    assert.equal(joined.protocol, 1);
    assert.equal(typeof joined.you, 'string');
    assert.deepEqual(joined.participants, []);
    assert.ok(Array.isArray(joined.iceServers));
    maxBytes = joined.limits && joined.limits.maxMessageBytes;
    assert.equal(maxBytes, 262144, 'default max-message-bytes');
  });

  env.step('bad SDPs, answer without offer, second join (joined connection)', async () => {
    const tracks = [{ mid: '0', source: 'microphone' }];
    await expectError(solo, { type: 'publish', sdp: 'garbage, not an SDP', tracks }, { code: 'bad-sdp', request: 'publish' });
    await expectError(solo, { type: 'publish', sdp: SDP_AVP_NO_FINGERPRINT, tracks },
      { code: 'unsupported-media', request: 'publish' });
    await expectError(solo, { type: 'publish', sdp: SDP_NO_FINGERPRINT, tracks }, { code: 'no-fingerprint', request: 'publish' });
    await expectError(solo, { type: 'subscribe-answer', sdp: SDP_NO_FINGERPRINT },
      { code: 'no-offer-pending', request: 'subscribe-answer' });
    await expectError(solo, { type: 'join', room: SOLO_ROOM, name: 'Solo' }, { code: 'already-joined', request: 'join' });
  });

  env.step('a frame of max-message-bytes + 1 gets too-large and close 1009', async () => {
    const c = await env.wsClient(node.wsUrl);
    const head = '{"type":"ping","pad":"';
    const tail = '"}';
    const frame = head + 'x'.repeat(maxBytes + 1 - head.length - tail.length) + tail;
    assert.equal(Buffer.byteLength(frame), maxBytes + 1);
    await expectError(c, frame, { code: 'too-large', request: null, fatal: true });
    const closed = await c.waitClosed();
    assert.equal(closed.code, 1009);
    // one byte less is fine
    const ok = await env.wsClient(node.wsUrl);
    ok.send(head + 'x'.repeat(maxBytes - head.length - tail.length) + tail);
    await ok.next('pong');
  });

  env.step('the concurrent call still decodes frames', async () => {
    await expectVideoFlowing(call.a.page, call.b.id);
    await expectVideoFlowing(call.b.page, call.a.id);
    await solo.ping();
  });

  env.step('room-size 2: the third join gets room-full, also in the page', async () => {
    const small = await env.startNode(['--room-size', '2'], 'node-room-size-2');
    const room = 'small-room';
    for (const name of ['One', 'Two']) {
      const c = await env.wsClient(small.wsUrl);
      const m = await c.join(room, name);
      assert.equal(m.type, 'joined', JSON.stringify(m));
    }
    const third = await env.wsClient(small.wsUrl);
    await expectError(third, { type: 'join', room, name: 'Three' }, { code: 'room-full', request: 'join' });
    // another room on the same node is fine
    const other = await third.join('another-room', 'Three');
    assert.equal(other.type, 'joined', JSON.stringify(other));

    const browser = await env.chromium('room-full');
    const page = await env.page(browser, small.pageUrl(room));
    await page.$eval('#name', (el) => { el.value = 'Four'; });
    await page.click('#join');
    const st = await waitUntil(async () => {
      const s = await statusOf(page);
      return s.state === 'error' ? s : null;
    }, { timeout: 10000, what: 'the page to report the full room' });
    assert.equal(st.code, 'room-full');
    assert.equal(st.text, errorText('room-full'));
  });

  env.step('HTTP: one keep-alive connection serves the right files, also after a 404', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const once = (path) => new Promise((resolveGet, reject) => {
      const req = http.get(`${node.httpUrl}${path}`, { agent, timeout: 5000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolveGet({ status: res.statusCode, type: res.headers['content-type'] || '', body, reused: req.reusedSocket }));
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${path}: timeout`)));
      req.on('error', (e) => {
        e.reused = req.reusedSocket;
        reject(e);
      });
    });
    // A server may close an idle keep-alive connection at any time; like a
    // browser, retry a GET once when a reused connection turns out closed.
    const get = (path) => once(path).catch((e) => {
      if (e.reused && e.code === 'ECONNRESET') return once(path);
      throw e;
    });
    const expected = [
      ['/', 200, /^text\/html/],
      ['/no-such-file.txt', 404, null],
      ['/style.css', 200, /^text\/css/],
      ['/app.js', 200, /javascript/],
      ['/../../etc/passwd', 404, null],
      ['/', 200, /^text\/html/],
    ];
    let reused = 0;
    try {
      for (const [path, status, type] of expected) {
        const r = await get(path);
        assert.equal(r.status, status, `GET ${path} (${r.reused ? 'reused' : 'new'} connection): ${r.type} ${r.body.slice(0, 60)}`);
        if (type) assert.match(r.type, type, `content-type of ${path}`);
        if (r.reused) reused++;
      }
    } finally {
      agent.destroy();
    }
    assert.ok(reused > 0, 'the node keeps HTTP connections alive');
  });

  env.step('the nodes exit cleanly on SIGTERM', () => env.finish());
});
