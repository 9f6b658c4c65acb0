// Cluster: rooms are sharded over nodes through Redis (docs/cluster.md);
// the web client follows `redirect`s and reconnects through its entry URL
// (docs/protocol.md, "redirect" and "Reconnecting").
//
// Part 1 drives the client's side alone: standalone nodes behind a scripted
// signaling front in this process, which answers `join` with redirects or
// `cluster-unavailable`, forwards to a node, drops connections and sends
// `moving`, exactly as a cluster node would. Part 2 runs two real nodes in
// cluster mode on one Redis: placement redirect, SIGKILL of the node holding
// the room (the browser entering at the other node rejoins there; the one
// entering at the dead node can only come back when that node runs again at
// its address), and a drain by SIGTERM (`moving`).

import { describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket, { WebSocketServer } from 'ws';
import {
  TestEnv, joinRoom, waitUntil, waitTile, tileOf, statusOf, expectVideoFlowing, expectAudioFlowing,
} from './harness.mjs';
import { errorText, t } from '../../web-client/i18n.js';

const SCREEN_ARGS = ['--auto-select-desktop-capture-source=Entire screen'];
const REJOIN_MS = 20000;

function relaisOf(page) {
  return page.evaluate(() => ({
    state: window.relais.state,
    you: window.relais.you,
    redirects: window.relais.redirects,
    reconnects: window.relais.reconnects,
    nodeUrl: window.relais.nodeUrl,
    entryUrl: window.relais.entryUrl,
    wsUrl: window.relais.wsUrl,
    others: [...window.relais.participants.keys()],
  }));
}

function waitState(page, state, what, timeout = REJOIN_MS) {
  return waitUntil(async () => {
    const r = await relaisOf(page);
    return r.state === state ? r : null;
  }, { timeout, what });
}

// Waits until `page` is joined again after a lost session (reconnects rose
// above `before`).
function waitRejoined(page, before, what, timeout = REJOIN_MS) {
  return waitUntil(async () => {
    const r = await relaisOf(page);
    return r.state === 'joined' && r.reconnects > before ? r : null;
  }, { timeout, what });
}

// Records every text the #status region shows from now on (other messages,
// such as "X joined.", replace the reconnect messages quickly).
function recordStatus(page) {
  return page.evaluate(() => {
    const el = document.getElementById('status');
    window.statusLog = [];
    new MutationObserver(() => window.statusLog.push(el.textContent))
      .observe(el, { childList: true, characterData: true, subtree: true });
  });
}

// The #status live region as assistive technology gets it.
function statusRegion(page) {
  return page.evaluate(() => {
    const el = document.getElementById('status');
    return { role: el.getAttribute('role'), live: el.getAttribute('aria-live'), text: el.textContent };
  });
}

// Tiles of other participants on `page`.
function othersTiles(page) {
  return page.evaluate(() => document.querySelectorAll('.tile[data-self="false"]').length);
}

function outbound(page, source) {
  return page.evaluate((s) => window.relais.stats().then((list) => list.find(
    (x) => x.direction === 'outbound' && x.source === s) || null), source);
}

// Both see each other's camera tile with the right name, decode video and
// receive audio.
async function expectCall(x, y) {
  await waitTile(x.page, y.id, 'camera', (tile) => tile && tile.name === y.name, `${x.name} to show ${y.name}'s tile`);
  await waitTile(y.page, x.id, 'camera', (tile) => tile && tile.name === x.name, `${y.name} to show ${x.name}'s tile`);
  await expectVideoFlowing(x.page, y.id, 'camera');
  await expectVideoFlowing(y.page, x.id, 'camera');
  await expectAudioFlowing(x.page, y.id);
  await expectAudioFlowing(y.page, x.id);
}

// ---- the scripted signaling front -------------------------------------------------

// A WebSocket server that stands in for the cluster's entry and nodes.
// `ws://…/ws?to=NAME` is "node NAME's public URL": always forwarded to the
// real node registered under NAME. `ws://…/ws` is the entry: each `join` on
// it is answered by `onJoin(msg, n)` (n counts the entry's joins from 1),
// which returns {forward: NAME}, {redirect: url, reason} or {error: code}.
// With `down` set, every connection is dropped right after the handshake.
class Front {
  constructor() {
    this.nodes = new Map(); // NAME -> ws URL of a real node
    this.onJoin = () => ({ error: 'internal' });
    this.joins = 0;
    this.connections = 0; // WebSocket handshakes, also the refused ones
    this.down = false;
    this.pairs = new Set(); // {client, upstream}
  }

  async start() {
    this.wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(this.wss, 'listening');
    this.url = `ws://127.0.0.1:${this.wss.address().port}/ws`;
    this.wss.on('connection', (client, req) => this.accept(client, req));
    return this;
  }

  nodeUrl(name) {
    return `${this.url}?to=${name}`;
  }

  accept(client, req) {
    this.connections++;
    client.on('error', () => {});
    if (this.down) {
      client.terminate();
      return;
    }
    const to = new URL(req.url, 'http://x').searchParams.get('to');
    if (to) {
      this.forward(client, this.nodes.get(to), []);
      return;
    }
    client.once('message', (data, isBinary) => {
      let msg = null;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        // not for us to judge: the node answers it
      }
      if (!msg || msg.type !== 'join') {
        client.close(1008);
        return;
      }
      this.joins++;
      const action = this.onJoin(msg, this.joins);
      if (action.forward) {
        this.forward(client, this.nodes.get(action.forward), [[data, isBinary]]);
      } else if (action.redirect) {
        client.send(JSON.stringify({
          type: 'redirect', id: msg.id, url: action.redirect, room: msg.room, reason: action.reason || 'placement',
        }));
        client.close(1000);
      } else {
        client.send(JSON.stringify({
          type: 'error', id: msg.id, code: action.error, message: `front: ${action.error}`, request: 'join', fatal: false,
        }));
      }
    });
  }

  // Pipes client <-> node; `queued` holds client frames already read.
  forward(client, target, queued) {
    if (!target) {
      client.close(1011);
      return;
    }
    const upstream = new WebSocket(target);
    const pair = { client, upstream };
    this.pairs.add(pair);
    upstream.on('error', () => {});
    const early = [...queued];
    client.on('message', (data, isBinary) => {
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
      else early.push([data, isBinary]);
    });
    upstream.on('open', () => {
      for (const [data, isBinary] of early) upstream.send(data, { binary: isBinary });
    });
    upstream.on('message', (data, isBinary) => {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    });
    const closeBoth = () => {
      this.pairs.delete(pair);
      if (client.readyState === WebSocket.OPEN) client.close(1000);
      if (upstream.readyState === WebSocket.OPEN || upstream.readyState === WebSocket.CONNECTING) upstream.terminate();
    };
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
  }

  // Every forwarded connection breaks as if the network failed (no close
  // frame to the browser; the node sees its connection go).
  dropAll() {
    for (const { client, upstream } of this.pairs) {
      client.terminate();
      upstream.terminate();
    }
    this.pairs.clear();
  }

  // What a draining node does: `redirect` (reason moving) to every joined
  // client, then close.
  moveAll(url, room) {
    for (const { client, upstream } of this.pairs) {
      client.send(JSON.stringify({ type: 'redirect', url, room, reason: 'moving' }));
      client.close(1000);
      upstream.terminate();
    }
    this.pairs.clear();
  }

  close() {
    this.dropAll();
    for (const c of this.wss ? this.wss.clients : []) c.terminate();
    if (this.wss) this.wss.close();
  }
}

// ---- part 1: the client against a scripted front ----------------------------------

describe('cluster, client side: redirects and reconnecting (scripted front, standalone nodes)', () => {
  const env = new TestEnv('cluster-client');
  const ROOM = 'front-e2e';
  let n1;
  let n2;
  let front;
  let ada; // {name, page, id}, Chromium
  let bob; // Firefox
  after(() => env.cleanup());

  const pageUrl = () => n1.pageUrl(ROOM, { ws: front.url });

  env.step('start two standalone nodes and the front', async () => {
    // Every browser connects from 127.0.0.1: no per-IP join limit here.
    n1 = await env.startNode(['--join-rate', '0'], 'n1');
    n2 = await env.startNode(['--join-rate', '0'], 'n2');
    front = await new Front().start();
    env.servers.push(front); // closed in cleanup()
    front.nodes.set('n1', n1.wsUrl);
    front.nodes.set('n2', n2.wsUrl);
  });

  env.step('a redirect on join is followed: the page joins where it was sent', async () => {
    front.onJoin = () => ({ redirect: front.nodeUrl('n1'), reason: 'placement' });
    const browser = await env.chromium('Ada', { args: SCREEN_ARGS });
    const page = await env.page(browser, pageUrl());
    ada = { name: 'Ada', page, id: await joinRoom(page, { room: ROOM, name: 'Ada' }) };
    const r = await relaisOf(page);
    assert.equal(r.redirects, 1);
    assert.equal(r.nodeUrl, front.nodeUrl('n1'));
    assert.equal(r.entryUrl, front.url);
    assert.equal(r.wsUrl, front.url, 'wsUrl stays the entry URL');
  });

  env.step('a second participant is forwarded without a redirect; both see and hear each other', async () => {
    front.onJoin = () => ({ forward: 'n1' });
    // Firefox: the reconnect and move paths rebuild PeerConnections, which
    // browsers handle differently enough to check both.
    const browser = await env.firefox('Bob');
    const page = await env.page(browser, pageUrl());
    bob = { name: 'Bob', page, id: await joinRoom(page, { room: ROOM, name: 'Bob' }) };
    const r = await relaisOf(page);
    assert.equal(r.redirects, 0);
    assert.equal(r.nodeUrl, front.url);
    await expectCall(ada, bob);
  });

  env.step('cluster-unavailable on join: the page retries with backoff and joins', async () => {
    const first = front.joins;
    front.onJoin = (msg, n) => (n - first <= 2 ? { error: 'cluster-unavailable' } : { forward: 'n1' });
    const browser = await env.chromium('Cleo');
    const page = await env.page(browser, pageUrl());
    const started = Date.now();
    const id = await joinRoom(page, { room: ROOM, name: 'Cleo' });
    const took = Date.now() - started;
    assert.ok(id);
    assert.equal(front.joins - first, 3, 'two refused joins, then the one that worked');
    // waits 0.5 s and 1 s, each -20 % at least
    assert.ok(took >= 1200, `joined after ${took} ms: the retries did not wait`);
    assert.equal((await statusOf(page)).state, 'joined');
    await page.click('#leave');
    for (const p of [ada, bob]) {
      await waitTile(p.page, id, 'camera', (tile) => tile === null, `${p.name} to drop Cleo's tile`, 10000);
    }
  });

  env.step('a redirect loop: the page gives up after 3 redirects and says so', async () => {
    const first = front.joins;
    front.onJoin = () => ({ redirect: front.url, reason: 'placement' }); // back to the entry, forever
    const browser = await env.chromium('Dora');
    const page = await env.page(browser, pageUrl());
    await waitUntil(() => page.evaluate(() => !!window.relais), { timeout: 10000, what: 'the app' });
    await page.$eval('#name', (el) => { el.value = 'Dora'; });
    await page.click('#join');
    const st = await waitUntil(async () => {
      const s = await statusOf(page);
      return s.state === 'error' ? s : null;
    }, { timeout: 15000, what: 'the page to stop following redirects' });
    assert.equal(st.code, 'too-many-redirects');
    assert.equal(st.text, errorText('too-many-redirects'));
    assert.equal((await relaisOf(page)).redirects, 3);
    assert.equal(front.joins - first, 4, 'the first join and three redirected ones');
    assert.equal(await page.$eval('#join', (b) => b.disabled), false, 'join can be tried again');
    await browser.close();
  });

  env.step('the connection drops: both reconnect through the entry URL; mute state and media are kept', async () => {
    await bob.page.click('#mic'); // Bob mutes before the drop
    await waitTile(ada.page, bob.id, 'camera', (tile) => tile && tile.micMuted === 'true', 'Ada to see Bob muted', 10000);
    const before = { ada: await relaisOf(ada.page), bob: await relaisOf(bob.page) };
    await recordStatus(bob.page);
    front.down = true; // the entry refuses everything for now
    front.dropAll();
    for (const p of [ada, bob]) {
      await waitState(p.page, 'reconnecting', `${p.name} to start reconnecting`, 10000);
    }
    // Accessible status, local preview kept, the others' tiles gone.
    const region = await statusRegion(bob.page);
    assert.deepEqual(region, { role: 'status', live: 'polite', text: t('status.reconnecting') });
    assert.equal(region.text, 'Reconnecting…');
    const self = await tileOf(bob.page, bob.id, 'camera');
    assert.ok(self && self.self === 'true', 'Bob keeps his self view');
    assert.equal(self.micMuted, 'true');
    assert.equal(await bob.page.$eval(`.tile[data-self="true"]`, (el) => el.dataset.hasVideo), 'true');
    assert.equal(await tileOf(bob.page, ada.id, 'camera'), null, 'Ada\'s old tile is gone');
    await new Promise((r) => { setTimeout(r, 2000); }); // a few refused attempts
    assert.equal((await relaisOf(bob.page)).state, 'reconnecting');

    front.down = false;
    front.onJoin = () => ({ forward: 'n1' });
    const aAfter = await waitRejoined(ada.page, before.ada.reconnects, 'Ada to rejoin');
    const bAfter = await waitRejoined(bob.page, before.bob.reconnects, 'Bob to rejoin');
    assert.equal(aAfter.nodeUrl, front.url, 'Ada reconnected through the entry URL, not her redirect URL');
    assert.equal(bAfter.nodeUrl, front.url);
    assert.notEqual(aAfter.you, before.ada.you, 'a new session has a new id');
    assert.notEqual(bAfter.you, before.bob.you);
    ada.id = aAfter.you;
    bob.id = bAfter.you;
    for (const [p, old] of [[ada, before.bob.you], [bob, before.ada.you]]) {
      const ids = (await relaisOf(p.page)).others;
      assert.ok(!ids.includes(old), `${p.name} no longer lists the old session`);
    }
    await expectCall(ada, bob);
    const seen = await waitTile(ada.page, bob.id, 'camera', (tile) => tile && tile.micMuted === 'true',
      'Ada to see Bob still muted after his rejoin', 10000);
    assert.equal(seen.camMuted, 'false');
    assert.equal(await bob.page.$eval('#mic', (b) => b.textContent), 'Unmute microphone');
    assert.equal(await bob.page.$eval('.tile[data-self="true"][data-source="camera"]', (el) => el.dataset.micMuted), 'true');
    const log = await bob.page.evaluate(() => window.statusLog);
    assert.ok(log.includes(t('status.reconnected', { room: ROOM })), `status texts: ${JSON.stringify(log)}`);
  });

  env.step('moving: both are sent to the second node and keep camera, mute state and screen share', async () => {
    await ada.page.click('#screen');
    await waitTile(bob.page, ada.id, 'screen', (tile) => tile !== null, 'Bob to see Ada\'s screen');
    await expectVideoFlowing(bob.page, ada.id, 'screen');
    const before = { ada: await relaisOf(ada.page), bob: await relaisOf(bob.page) };
    front.onJoin = () => ({ forward: 'n2' }); // later reconnects go where the room went
    front.moveAll(front.nodeUrl('n2'), ROOM);
    // (ids are per node: the new one may equal the old, so count redirects)
    const moved = (p, b) => waitUntil(async () => {
      const r = await relaisOf(p.page);
      return r.state === 'joined' && r.redirects > b.redirects ? r : null;
    }, { timeout: REJOIN_MS, what: `${p.name} to join on n2` });
    const aAfter = await moved(ada, before.ada);
    const bAfter = await moved(bob, before.bob);
    for (const [r, b] of [[aAfter, before.ada], [bAfter, before.bob]]) {
      assert.equal(r.nodeUrl, front.nodeUrl('n2'));
      assert.equal(r.redirects, b.redirects + 1);
      assert.equal(r.reconnects, b.reconnects, 'a move is not counted as a reconnect');
    }
    ada.id = aAfter.you;
    bob.id = bAfter.you;
    await expectCall(ada, bob);
    await waitTile(ada.page, bob.id, 'camera', (tile) => tile && tile.micMuted === 'true', 'Ada to see Bob muted on n2', 10000);
    const screen = await waitTile(bob.page, ada.id, 'screen', (tile) => tile !== null, 'Bob to see Ada\'s screen on n2');
    assert.equal(screen.name, 'Ada (screen)');
    await expectVideoFlowing(bob.page, ada.id, 'screen');
    await ada.page.click('#screen');
    await waitTile(bob.page, ada.id, 'screen', (tile) => tile === null, 'Bob to drop Ada\'s screen', 10000);
  });

  env.step('reconnecting gives up with a clear message and "Try again", which works', async () => {
    await bob.page.evaluate(() => { window.relais.reconnectGiveUpMs = 4000; });
    const before = await relaisOf(bob.page);
    const adaBefore = await relaisOf(ada.page);
    front.down = true;
    front.dropAll(); // Ada too: she keeps trying (2 min) and comes back on her own
    const st = await waitUntil(async () => {
      const s = await statusOf(bob.page);
      return s.state === 'error' ? s : null;
    }, { timeout: 15000, what: 'Bob to give up' });
    assert.equal(st.code, 'reconnect-failed');
    assert.equal(st.text, errorText('reconnect-failed'));
    const retry = await bob.page.$eval('#retry', (b) => ({
      hidden: b.hidden, text: b.textContent, focused: document.activeElement === b,
    }));
    assert.deepEqual(retry, { hidden: false, text: 'Try again', focused: true });
    assert.ok(await tileOf(bob.page, before.you, 'camera'), 'the self view stays');
    assert.equal(await bob.page.$eval('#call', (el) => el.hidden), false, 'the call screen stays');

    front.down = false;
    await bob.page.click('#retry');
    const bAfter = await waitRejoined(bob.page, before.reconnects, 'Bob to rejoin after "Try again"');
    assert.equal(await bob.page.$eval('#retry', (b) => b.hidden), true);
    const aAfter = await waitRejoined(ada.page, adaBefore.reconnects, 'Ada to rejoin on her own');
    assert.equal(aAfter.reconnects, adaBefore.reconnects + 1);
    assert.equal(bAfter.reconnects, before.reconnects + 1);
    ada.id = aAfter.you;
    bob.id = bAfter.you;
    await expectCall(ada, bob);
  });

  env.step('leaving while reconnecting stops the attempts', async () => {
    await ada.page.browser().close(); // only Bob's attempts are counted below
    front.down = true;
    front.dropAll();
    await waitState(bob.page, 'reconnecting', 'Bob to start reconnecting', 10000);
    await bob.page.click('#leave');
    const st = await statusOf(bob.page);
    assert.equal(st.state, 'left');
    assert.equal(st.text, t('status.left'));
    const seen = front.connections;
    await new Promise((r) => { setTimeout(r, 3000); });
    assert.equal(front.connections, seen, 'no further connection attempts after leaving');
    assert.equal(await bob.page.$$eval('.tile', (els) => els.length), 0);
    assert.equal(await bob.page.$eval('#prejoin', (el) => el.hidden), false);
    front.down = false;
  });

  env.step('no page errors', async () => {
    const errors = env.consoles.flatMap((c) => c.lines.filter((l) => l.startsWith('pageerror')));
    assert.deepEqual(errors, []);
  });

  env.step('the nodes exit cleanly on SIGTERM', () => env.finish());
});

// ---- part 2: two cluster nodes on one Redis ---------------------------------------------

describe('cluster: two nodes on one Redis', () => {
  const env = new TestEnv('cluster');
  const ROOM = 'cluster-e2e';
  // The node's claims and heartbeat expire after this many seconds: short,
  // so that a killed node's room is free again well within REJOIN_MS.
  const TTL = ['--cluster-ttl', '3'];
  let redis;
  const nodes = {}; // nA, nB
  const people = []; // {name, page, id, entry}
  after(() => env.cleanup());

  env.step('start Redis and two nodes in cluster mode', async () => {
    redis = await env.startRedis();
    for (const id of ['nA', 'nB']) {
      nodes[id] = await env.startClusterNode({ redis: redis.url, id, extraArgs: ['--join-rate', '0', ...TTL] });
    }
  });

  env.step('A enters at node A, B at node B: exactly one is redirected, both see and hear each other', async () => {
    for (const [name, entry] of [['Anna', 'nA'], ['Bert', 'nB']]) {
      const node = nodes[entry];
      const browser = await env.chromium(name);
      const page = await env.page(browser, node.pageUrl(ROOM, { ws: node.wsUrl }));
      const id = await joinRoom(page, { room: ROOM, name });
      people.push({ name, page, id, entry });
    }
    const rs = await Promise.all(people.map((p) => relaisOf(p.page)));
    assert.deepEqual(rs.map((r) => r.redirects).sort(), [0, 1], `redirects: ${JSON.stringify(rs)}`);
    assert.equal(rs[0].nodeUrl, rs[1].nodeUrl, 'both are on the node that holds the room');
    for (const [i, p] of people.entries()) {
      assert.equal(rs[i].entryUrl, nodes[p.entry].wsUrl);
      // the one not redirected is at its entry node
      if (rs[i].redirects === 0) assert.equal(rs[i].nodeUrl, nodes[p.entry].wsUrl);
    }
    await expectCall(people[0], people[1]);
  });

  env.step('the node holding the room is killed: the browser entering at the other node rejoins there', async () => {
    const holderUrl = (await relaisOf(people[0].page)).nodeUrl;
    const holder = Object.values(nodes).find((n) => n.wsUrl === holderUrl);
    const other = Object.values(nodes).find((n) => n !== holder);
    assert.ok(holder && other);
    // The one redirected to the holder has the other node as entry: it can
    // come back. The one whose entry is the holder cannot (its entry URL is
    // dead) until the holder runs again (next step).
    const survivor = people.find((p) => nodes[p.entry] === other);
    const stranded = people.find((p) => p !== survivor);
    const before = await relaisOf(survivor.page);
    await holder.kill();
    const r = await waitRejoined(survivor.page, before.reconnects, `${survivor.name} to rejoin through ${other.name}`);
    assert.equal(r.nodeUrl, other.wsUrl);
    assert.deepEqual(r.others, [], 'the room starts afresh on the surviving node');
    survivor.id = r.you;
    // Participant ids are per node (the new one may even equal the stranded
    // one's old id), so count tiles instead of looking one up.
    assert.equal(await othersTiles(survivor.page), 0, 'the stranded participant\'s old tile is gone');
    await waitUntil(async () => {
      const s = await outbound(survivor.page, 'camera');
      return s && s.packetsSent > 0;
    }, { timeout: 10000, what: `${survivor.name} to publish again` });
    const s = await relaisOf(stranded.page);
    assert.equal(s.state, 'reconnecting', `${stranded.name} keeps trying its entry URL`);
    assert.equal((await statusRegion(stranded.page)).text, t('status.reconnecting'));
    assert.ok(await tileOf(stranded.page, stranded.id, 'camera'), `${stranded.name} keeps the self view`);
  });

  env.step('the killed node restarts at its address: the stranded browser is back, redirected to the room', async () => {
    const survivor = people.find((p) => (nodes[p.entry].killed === false));
    const stranded = people.find((p) => p !== survivor);
    const dead = nodes[stranded.entry];
    const before = await relaisOf(stranded.page);
    nodes[stranded.entry] = await env.startClusterNode(
      { redis: redis.url, id: dead.nodeId, port: dead.port, extraArgs: ['--join-rate', '0', ...TTL] }, `${dead.nodeId}-restarted`);
    const r = await waitRejoined(stranded.page, before.reconnects, `${stranded.name} to rejoin through its restarted entry`);
    assert.equal(r.nodeUrl, (await relaisOf(survivor.page)).nodeUrl, 'both are in the same room again');
    assert.equal(r.redirects, before.redirects + 1, 'the restarted entry redirected it to the room\'s node');
    stranded.id = r.you;
    await expectCall(survivor, stranded);
  });

  env.step('SIGTERM drains the node holding the room: both are moved (`moving`) to the other node', async () => {
    // drain-deadline is 0 (ClusterNode): the room is handed over at once.
    const holderUrl = (await relaisOf(people[0].page)).nodeUrl;
    const holder = Object.values(nodes).find((n) => n.wsUrl === holderUrl);
    const target = Object.values(nodes).find((n) => n !== holder);
    assert.ok(holder && target);
    const before = await Promise.all(people.map((p) => relaisOf(p.page)));
    const stopping = holder.stopAndCheck(); // exit 0 once its participants are gone
    const after = await Promise.all(people.map((p, i) => waitUntil(async () => {
      const r = await relaisOf(p.page);
      return r.state === 'joined' && r.redirects > before[i].redirects ? r : null;
    }, { timeout: REJOIN_MS, what: `${p.name} to be moved to ${target.name}` })));
    await stopping;
    for (const [i, r] of after.entries()) {
      assert.equal(r.nodeUrl, target.wsUrl);
      assert.equal(r.redirects, before[i].redirects + 1);
      assert.equal(r.reconnects, before[i].reconnects, 'moved, not reconnected');
      people[i].id = r.you;
    }
    await expectCall(people[0], people[1]);
  });

  env.step('no page errors', async () => {
    const errors = env.consoles.flatMap((c) => c.lines.filter((l) => l.startsWith('pageerror')));
    assert.deepEqual(errors, []);
  });

  env.step('the nodes exit cleanly on SIGTERM', () => env.finish());
});
