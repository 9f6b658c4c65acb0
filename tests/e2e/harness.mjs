// Shared harness for the browser end-to-end tests: starts the real relais node,
// real headless Chromium / Firefox ESR, and a few WebSocket clients; every wait
// is bounded and everything is closed in `after` even when a test fails.
//
// The tests must run in a private network namespace that has only `lo`
// (tests/e2e/run.sh); browsers are refused otherwise, so no test traffic can
// leave the machine.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, rm, readFile, open } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import dgram from 'node:dgram';
import { test } from 'node:test';
import puppeteer from 'puppeteer-core';
import WebSocket from 'ws';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const WEB_ROOT = join(REPO_ROOT, 'web-client');
export const RELAIS_BIN = process.env.RELAIS_BIN ? resolve(process.env.RELAIS_BIN) : join(REPO_ROOT, 'build/relais');
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const FIREFOX = process.env.FIREFOX_BIN || '/usr/bin/firefox-esr';

// shared/TESTBED.md, exactly; plus autoplay for the remote <video> elements.
export const CHROMIUM_FLAGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--autoplay-policy=no-user-gesture-required',
];

export const FIREFOX_PREFS = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'permissions.default.camera': 1,
  'permissions.default.microphone': 1,
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.peerconnection.ice.no_host': false,
  'media.peerconnection.ice.default_address_only': false,
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
};

export const MEDIA_TIMEOUT_MS = 20000;
const NODE_READY_MS = 10000;
const NODE_STOP_MS = 5000;
const BROWSER_CLOSE_MS = 10000;
const SANITIZER_MARKERS = ['ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:'];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- bounded waiting ----------------------------------------------------------

// Polls fn until it returns a truthy value; throws after `timeout` ms with
// `what` and the last value or error in the message.
export async function waitUntil(fn, { timeout = MEDIA_TIMEOUT_MS, interval = 250, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  let lastErr;
  for (;;) {
    try {
      last = await fn();
      lastErr = undefined;
      if (last) return last;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() >= deadline) break;
    await sleep(interval);
  }
  const detail = lastErr ? `last error: ${lastErr.message}` : `last value: ${JSON.stringify(last)}`;
  throw new Error(`timed out after ${timeout} ms waiting for ${what} (${detail})`);
}

// Rejects if `promise` does not settle within `ms`.
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// ---- network guard and ports -------------------------------------------------------

// Network interfaces visible to this process (netlink: the current namespace).
export function interfaces() {
  try {
    const out = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean).map((l) => l.split(':')[1].trim().split('@')[0]);
  } catch {
    // no iproute2: /proc/self/net/dev is per network namespace as well
    return readFileSync('/proc/self/net/dev', 'utf8').split('\n').slice(2)
      .filter((l) => l.includes(':')).map((l) => l.split(':')[0].trim());
  }
}

// Throws unless the only interface is `lo` (run the tests with run.sh).
export function assertLoopbackOnly() {
  const names = interfaces();
  if (names.length !== 1 || names[0] !== 'lo') {
    throw new Error(`refusing to start browsers: this network namespace has interfaces ${names.join(', ')}; `
      + 'run the tests through tests/e2e/run.sh (unshare --net, only lo)');
  }
}

export function freeTcpPort() {
  return new Promise((resolvePort, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

export function freeUdpPort() {
  return new Promise((resolvePort, reject) => {
    const s = dgram.createSocket('udp4');
    s.on('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolvePort(port));
    });
  });
}

function udpPortFree(port) {
  return new Promise((resolveFree) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolveFree(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolveFree(true)));
  });
}

// A private range of `count` free UDP ports for one node's media ("A-B").
// Ranges are taken from a per-process offset so that the nodes of one test
// file never overlap.
let rangeCounter = 0;
export async function rtpPortRange(count = 100) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const slot = (process.pid * 7 + rangeCounter++ * 13 + attempt) % 300;
    const base = 20000 + slot * 128;
    const checks = await Promise.all(Array.from({ length: count }, (_, i) => udpPortFree(base + i)));
    if (checks.every(Boolean)) return { min: base, max: base + count - 1, arg: `${base}-${base + count - 1}` };
  }
  throw new Error('no free UDP port range for the node');
}

// ---- the relais node --------------------------------------------------------------

// https URLs are the tests' own nodes with a self-signed certificate.
function httpGet(url, timeout = 1000) {
  return new Promise((resolveGet, reject) => {
    const tls = url.startsWith('https:');
    const get = tls ? https.get : http.get;
    const req = get(url, { timeout, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolveGet({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export { httpGet };

export class RelaisNode {
  constructor(env, name, extraArgs) {
    this.env = env;
    this.name = name;
    this.extraArgs = extraArgs;
    this.proc = null;
    this.exit = null; // {code, signal} once exited
    this.exited = null; // promise
    this.stopped = false;
    this.checked = false;
  }

  async start() {
    if (!existsSync(RELAIS_BIN)) throw new Error(`relais binary not found at ${RELAIS_BIN} (set RELAIS_BIN)`);
    this.port = await freeTcpPort();
    this.stunPort = await freeUdpPort();
    this.rtp = await rtpPortRange();
    this.args = [
      '--listen', `127.0.0.1:${this.port}`,
      '--stun-listen', `127.0.0.1:${this.stunPort}`,
      '--media-address', '127.0.0.1',
      '--rtp-ports', this.rtp.arg,
      '--web-root', WEB_ROOT,
      '--log-level', 'info',
      // SIGTERM drains; a test's stop() wants the old immediate stop unless
      // it passes its own --drain-deadline (the last one wins).
      '--drain-deadline', '0',
      ...this.extraArgs,
    ];
    this.logFile = join(this.env.dir, `${this.name}.log`);
    const log = await open(this.logFile, 'w');
    this.proc = spawn(RELAIS_BIN, this.args, { stdio: ['ignore', log.fd, log.fd] });
    await log.close(); // the child keeps its own copy of the descriptor
    this.exited = new Promise((resolveExit) => {
      this.proc.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolveExit(this.exit);
      });
      this.proc.once('error', (err) => {
        this.exit = { code: null, signal: null, error: err.message };
        resolveExit(this.exit);
      });
    });
    await waitUntil(async () => {
      if (this.exit) throw new Error(`node exited during start-up: ${JSON.stringify(this.exit)}`);
      const res = await httpGet(`${this.httpUrl}/`);
      return res.status === 200;
    }, { timeout: NODE_READY_MS, interval: 100, what: `${this.name} to answer GET /` }).catch((e) => {
      if (this.exit && !e.message.includes('exited')) e.message += `; node exited ${JSON.stringify(this.exit)}`;
      throw e;
    });
    return this;
  }

  get tls() {
    return this.extraArgs.includes('--tls-cert');
  }

  get httpUrl() {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  get wsUrl() {
    return `${this.tls ? 'wss' : 'ws'}://127.0.0.1:${this.port}/ws`;
  }

  // The page URL for a room (extra query parameters optional).
  pageUrl(room, query = {}) {
    const u = new URL(`${this.httpUrl}/`);
    if (room) u.searchParams.set('room', room);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    return u.href;
  }

  async log() {
    try {
      return await readFile(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  // SIGTERM, then SIGKILL after 5 s. Resolves with {code, signal}.
  async stop() {
    if (!this.proc) return null;
    if (!this.exit && !this.stopped) {
      this.stopped = true;
      this.proc.kill('SIGTERM');
      const done = await Promise.race([this.exited, sleep(NODE_STOP_MS).then(() => null)]);
      if (!done) {
        this.proc.kill('SIGKILL');
        await this.exited;
        this.exit.killed = true;
      }
    }
    return this.exited;
  }

  // Stops the node and throws if it did not exit with code 0 after SIGTERM
  // or if its log holds a sanitizer report.
  async stopAndCheck() {
    this.checked = true;
    const exit = await this.stop();
    const log = await this.log();
    const problems = [];
    if (!exit || exit.code !== 0) problems.push(`exit ${JSON.stringify(exit)}`);
    if (!this.stopped) problems.push('exited before it was stopped');
    const marker = SANITIZER_MARKERS.find((m) => log.includes(m));
    if (marker) problems.push(`sanitizer report ("${marker}")`);
    if (problems.length) {
      printLog(`${this.name} (${RELAIS_BIN} ${this.args.join(' ')})`, log);
      throw new Error(`${this.name}: ${problems.join(', ')}; log: ${this.logFile}`);
    }
  }
}

function printLog(title, text, maxLines = 300) {
  const lines = text.split('\n');
  const shown = lines.length > maxLines ? lines.slice(-maxLines) : lines;
  process.stderr.write(`\n----- ${title}${lines.length > maxLines ? ` (last ${maxLines} lines)` : ''} -----\n`);
  process.stderr.write(`${shown.join('\n')}\n----- end -----\n`);
}

// ---- browsers -------------------------------------------------------------------

const browserLabel = new WeakMap();

// ---- the per-file test environment ---------------------------------------------------

// Owns the nodes, browsers, profiles and temp files of one test file.
// Use env.step() instead of test() for steps that build on each other: after
// the first failing step, the node logs and browser consoles are printed and
// later steps are skipped.
export class TestEnv {
  constructor(name) {
    this.name = name;
    this.dir = null;
    this.nodes = [];
    this.browsers = [];
    this.clients = [];
    this.servers = [];
    this.profiles = [];
    this.consoles = []; // {label, lines}
    this.failed = false;
    this.redisServers = [];
  }

  async init() {
    if (!this.dir) this.dir = await mkdtemp(join(tmpdir(), `relais-e2e-${this.name}-`));
    return this;
  }

  async startNode(extraArgs = [], name = `node${this.nodes.length + 1}`) {
    await this.init();
    const node = new RelaisNode(this, name, extraArgs);
    this.nodes.push(node);
    await node.start();
    return node;
  }

  // A Redis for cluster tests (Debian's /usr/bin/redis-server), stopped in
  // cleanup() after the nodes, which still talk to it while they exit.
  async startRedis(name = `redis${this.redisServers.length + 1}`) {
    await this.init();
    const redis = new RedisServer(this, name);
    this.redisServers.push(redis);
    await redis.start();
    return redis;
  }

  // A node in cluster mode (ClusterNode below): opts {redis (URL), id,
  // port (default: a free one; pass the old port to restart a node),
  // extraArgs}.
  async startClusterNode(opts, name = opts.id) {
    await this.init();
    const node = new ClusterNode(this, name, opts);
    this.nodes.push(node);
    await node.start();
    return node;
  }

  async stopRedis() {
    const errors = [];
    for (const r of this.redisServers) {
      try {
        await r.stop();
      } catch (e) {
        errors.push(e.message);
      }
    }
    if (errors.length) throw new Error(errors.join('\n'));
  }

  // Headless Chromium with the TESTBED flags. opts.args are added; with
  // opts.fakeUi false the fake-UI flag is left out; with opts.fakeDevices
  // false the fake camera/microphone flag is left out.
  async chromium(label, { args = [], fakeUi = true, fakeDevices = true } = {}) {
    assertLoopbackOnly();
    await this.init();
    const userDataDir = await mkdtemp(join(tmpdir(), 'relais-chromium-'));
    this.profiles.push(userDataDir);
    const flags = CHROMIUM_FLAGS.filter((f) => (fakeUi || f !== '--use-fake-ui-for-media-stream')
      && (fakeDevices || f !== '--use-fake-device-for-media-stream'));
    const browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir,
      args: [...flags, ...args],
      protocolTimeout: 60000,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    browserLabel.set(browser, label);
    this.browsers.push(browser);
    return browser;
  }

  // Headless Firefox ESR over WebDriver BiDi with the TESTBED prefs.
  async firefox(label, { prefs = {} } = {}) {
    assertLoopbackOnly();
    await this.init();
    const userDataDir = await mkdtemp(join(tmpdir(), 'relais-firefox-'));
    this.profiles.push(userDataDir);
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      userDataDir,
      extraPrefsFirefox: { ...FIREFOX_PREFS, ...prefs },
      protocolTimeout: 60000,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    browserLabel.set(browser, label);
    this.browsers.push(browser);
    return browser;
  }

  // A new page whose console messages and page errors are kept for the
  // failure report.
  async page(browser, url) {
    const label = browserLabel.get(browser) || 'browser';
    const entry = { label, lines: [] };
    this.consoles.push(entry);
    const page = await browser.newPage();
    page.on('console', (m) => entry.lines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => entry.lines.push(`pageerror: ${e.message}`));
    if (url) await page.goto(url, { waitUntil: 'load', timeout: 20000 });
    return page;
  }

  // A protocol client over `ws` (no browser).
  async wsClient(url) {
    const c = new WsClient(url);
    this.clients.push(c);
    await c.opened;
    return c;
  }

  // A static file server for web-client/ (tests that need no node).
  async staticServer(root = WEB_ROOT) {
    const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' };
    const srv = http.createServer(async (req, res) => {
      const path = new URL(req.url, 'http://x').pathname;
      const file = path === '/' ? '/index.html' : path;
      if (file.includes('..')) {
        res.statusCode = 400;
        res.end();
        return;
      }
      try {
        const body = await readFile(join(root, file));
        res.setHeader('content-type', types[extname(file)] || 'application/octet-stream');
        res.end(body);
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise((r) => srv.listen(0, '127.0.0.1', r));
    this.servers.push(srv);
    return `http://127.0.0.1:${srv.address().port}`;
  }

  // A test step: skipped after an earlier failure; dumps the logs on failure.
  step(name, fn, options = {}) {
    test(name, options, async (t) => {
      if (this.failed) {
        t.skip('an earlier step failed');
        return;
      }
      try {
        await fn(t);
      } catch (e) {
        this.failed = true;
        await this.dumpLogs();
        throw e;
      }
    });
  }

  async dumpLogs() {
    for (const node of this.nodes) printLog(`${node.name} log ${node.logFile}`, await node.log());
    for (const r of this.redisServers) printLog(`${r.name} log ${r.logFile}`, await r.log(), 50);
    for (const c of this.consoles) {
      if (c.lines.length) printLog(`${c.label} console`, c.lines.join('\n'), 100);
    }
  }

  // Stops every node and checks its exit (the last step of every file).
  async stopNodes() {
    const errors = [];
    for (const node of this.nodes) {
      if (node.checked) continue;
      try {
        await node.stopAndCheck();
      } catch (e) {
        errors.push(e.message);
      }
    }
    if (errors.length) throw new Error(errors.join('\n'));
  }

  // Closes the browsers and WebSocket clients (before checking the nodes).
  async closeBrowsers() {
    for (const c of this.clients) c.close();
    await Promise.all(this.browsers.map((b) => closeBrowser(b)));
    this.browsers = [];
  }

  // The last test of every file: close the browsers, then stop every node and
  // check that it exited with 0 and without a sanitizer report.
  async finish() {
    await this.closeBrowsers();
    await this.stopNodes();
  }

  // Closes everything; for `after`. Never throws for browsers; throws if a
  // node was not checked yet and exits badly.
  async cleanup() {
    await this.closeBrowsers();
    for (const s of this.servers) s.close();
    let nodeError = null;
    try {
      await this.stopNodes();
    } catch (e) {
      nodeError = e;
    }
    await this.stopRedis().catch((e) => { nodeError = nodeError || e; });
    await Promise.all(this.profiles.map((d) => rm(d, { recursive: true, force: true }).catch(() => {})));
    if (this.dir && !this.failed && !nodeError) await rm(this.dir, { recursive: true, force: true }).catch(() => {});
    if (nodeError) throw nodeError;
  }
}

async function closeBrowser(browser) {
  const proc = browser.process();
  try {
    await withTimeout(browser.close(), BROWSER_CLOSE_MS, 'browser.close()');
  } catch {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
  }
}

// ---- the page (web client test hooks, web-client/README.md) --------------------------

// Fills room and name and clicks join; waits until joined (or throws with the
// page's status text).
export async function joinRoom(page, { room, name, timeout = 15000 }) {
  await waitUntil(() => page.evaluate(() => !!window.relais), { timeout: 10000, what: 'window.relais' });
  await page.$eval('#room', (el, v) => { el.value = v; }, room);
  await page.$eval('#name', (el, v) => { el.value = v; }, name);
  await page.click('#join');
  await waitUntil(async () => {
    const s = await page.evaluate(() => ({
      state: window.relais.state,
      code: document.getElementById('status').dataset.code,
      text: document.getElementById('status').textContent,
    }));
    if (s.state === 'error') throw new Error(`join failed: ${s.code}: ${s.text}`);
    return s.state === 'joined';
  }, { timeout, what: `${name} to join ${room}` });
  return page.evaluate(() => window.relais.you);
}

export function statusOf(page) {
  return page.evaluate(() => {
    const el = document.getElementById('status');
    return { code: el.dataset.code, kind: el.dataset.kind, text: el.textContent, state: window.relais.state };
  });
}

export function stats(page) {
  return page.evaluate(() => window.relais.stats());
}

function pick(list, participant, source, kind) {
  return list.find((s) => s.direction === 'inbound' && s.participant === participant
    && s.source === source && s.kind === kind);
}

// Waits until `page` receives (participant, source, kind) at all; returns
// that stats entry.
export async function waitInbound(page, participant, source, kind, { timeout = MEDIA_TIMEOUT_MS } = {}) {
  return waitUntil(async () => {
    const s = pick(await stats(page), participant, source, kind);
    if (!s) return null;
    if (kind === 'video' ? s.framesDecoded > 0 : s.packetsReceived > 0) return s;
    return null;
  }, { timeout, what: `${kind} ${source} of ${participant} to arrive` });
}

// Asserts that video frames of (participant, source) keep being decoded:
// framesDecoded rises by at least `minFrames` within `windowMs`.
export async function expectVideoFlowing(page, participant, source = 'camera', { windowMs = 5000, minFrames = 10 } = {}) {
  const first = await waitInbound(page, participant, source, 'video');
  await sleep(windowMs);
  const second = pick(await stats(page), participant, source, 'video');
  if (!second) throw new Error(`${source} video of ${participant} disappeared from the stats`);
  const delta = second.framesDecoded - first.framesDecoded;
  if (delta < minFrames) {
    throw new Error(`${source} video of ${participant}: framesDecoded rose by ${delta} in ${windowMs} ms (want >= ${minFrames})`);
  }
  return { first, second, delta };
}

// Asserts that audio of participant keeps arriving with little loss:
// packetsReceived and bytesReceived rise within `windowMs`, packetsLost < 5 %.
export async function expectAudioFlowing(page, participant, { windowMs = 5000, maxLossRatio = 0.05 } = {}) {
  const first = await waitInbound(page, participant, 'microphone', 'audio');
  await sleep(windowMs);
  const second = pick(await stats(page), participant, 'microphone', 'audio');
  if (!second) throw new Error(`audio of ${participant} disappeared from the stats`);
  if (!(second.packetsReceived > first.packetsReceived) || !(second.bytesReceived > first.bytesReceived)) {
    throw new Error(`audio of ${participant} is not flowing: ${JSON.stringify({ first, second })}`);
  }
  const lost = Math.max(0, second.packetsLost);
  if (lost >= maxLossRatio * second.packetsReceived) {
    throw new Error(`audio of ${participant}: ${lost} packets lost of ${second.packetsReceived} received`);
  }
  return { first, second };
}

// The tile for (participant, source) as seen by page, or null.
export function tileOf(page, participant, source = 'camera') {
  return page.evaluate((p, s) => {
    const el = [...document.querySelectorAll('.tile')]
      .find((t) => t.dataset.participant === p && t.dataset.source === s);
    if (!el) return null;
    const name = el.querySelector('.tile-name');
    return {
      name: name ? name.textContent : null,
      self: el.dataset.self,
      micMuted: el.dataset.micMuted,
      camMuted: el.dataset.camMuted,
    };
  }, participant, source);
}

export async function waitTile(page, participant, source, predicate, what, timeout = MEDIA_TIMEOUT_MS) {
  return waitUntil(async () => {
    const tile = await tileOf(page, participant, source);
    return predicate(tile) ? tile || true : null;
  }, { timeout, what });
}

// ---- WebSocket protocol client (no browser) -----------------------------------------------

export class WsClient {
  constructor(url) {
    this.url = url;
    this.messages = []; // unread node messages
    this.waiters = [];
    this.closeInfo = null;
    this.ws = new WebSocket(url, { rejectUnauthorized: false }); // test nodes' self-signed certs
    this.opened = new Promise((resolveOpen, reject) => {
      this.ws.once('open', resolveOpen);
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolveClose) => {
      this.ws.once('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolveClose(this.closeInfo);
        this.wake();
      });
    });
    this.ws.on('error', () => {});
    this.ws.on('message', (data, isBinary) => {
      let msg;
      try {
        msg = JSON.parse(isBinary ? Buffer.from(data).toString('utf8') : data.toString());
      } catch {
        msg = { type: '<unparseable>', raw: data.toString() };
      }
      this.messages.push(msg);
      this.wake();
    });
  }

  wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  send(msg) {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  sendRaw(data, options) {
    this.ws.send(data, options);
  }

  // The next message of one of `types` (others are skipped and kept in
  // `skipped`); throws on timeout or close.
  async next(types, timeout = 5000) {
    const want = Array.isArray(types) ? types : [types];
    const deadline = Date.now() + timeout;
    for (;;) {
      const i = this.messages.findIndex((m) => want.includes(m.type));
      if (i >= 0) return this.messages.splice(i, 1)[0];
      if (this.closeInfo) throw new Error(`connection closed (${this.closeInfo.code}) while waiting for ${want.join('|')}`);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`no ${want.join('|')} within ${timeout} ms; unread: ${JSON.stringify(this.messages.map((m) => m.type))}`);
      }
      await new Promise((r) => {
        const timer = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          r();
        });
      });
    }
  }

  async waitClosed(timeout = 5000) {
    return withTimeout(this.closed, timeout, 'the node to close the WebSocket');
  }

  async ping(timeout = 5000) {
    this.send({ type: 'ping' });
    return this.next('pong', timeout);
  }

  async join(room, name) {
    this.send({ type: 'join', room, name });
    const m = await this.next(['joined', 'error']);
    return m;
  }

  close() {
    try {
      this.ws.terminate();
    } catch {
      // already gone
    }
  }
}

// ---- cluster: Redis and cluster-mode nodes ----------------------------------------------

export const REDIS_SERVER = process.env.REDIS_SERVER_BIN || '/usr/bin/redis-server';
const REDIS_READY_MS = 10000;
const REDIS_STOP_MS = 5000;

// Resolves true if a Redis at 127.0.0.1:port answers PING with +PONG within
// `timeout` ms (a raw RESP inline command: no client library needed).
export function redisPing(port, timeout = 1000) {
  return new Promise((resolvePing) => {
    let settled = false;
    let buf = '';
    const sock = net.connect({ host: '127.0.0.1', port });
    const done = (ok) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolvePing(ok);
    };
    const timer = setTimeout(() => done(false), timeout);
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
    sock.on('error', () => done(false));
    sock.on('close', () => done(false));
  });
}

// A throwaway redis-server on a free port of 127.0.0.1, no persistence, its
// working directory in the env's temp dir. Fails (does not skip) when the
// binary is missing: scripts/install-deps.sh test installs it.
export class RedisServer {
  constructor(env, name) {
    this.env = env;
    this.name = name;
    this.proc = null;
    this.exit = null;
    this.exited = null;
  }

  async start() {
    if (!existsSync(REDIS_SERVER)) {
      throw new Error(`${REDIS_SERVER} not found: install redis-server (scripts/install-deps.sh test)`);
    }
    this.port = await freeTcpPort();
    this.dir = await mkdtemp(join(this.env.dir, `${this.name}-`));
    this.args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--daemonize', 'no', '--dir', this.dir];
    this.logFile = join(this.env.dir, `${this.name}.log`);
    const log = await open(this.logFile, 'w');
    this.proc = spawn(REDIS_SERVER, this.args, { stdio: ['ignore', log.fd, log.fd] });
    await log.close();
    this.exited = new Promise((resolveExit) => {
      this.proc.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolveExit(this.exit);
      });
      this.proc.once('error', (err) => {
        this.exit = { code: null, signal: null, error: err.message };
        resolveExit(this.exit);
      });
    });
    try {
      await waitUntil(async () => {
        if (this.exit) throw new Error(`redis-server exited during start-up: ${JSON.stringify(this.exit)}`);
        return redisPing(this.port);
      }, { timeout: REDIS_READY_MS, interval: 100, what: `${this.name} to answer PING` });
    } catch (e) {
      printLog(`${this.name} (${REDIS_SERVER} ${this.args.join(' ')})`, await this.log());
      throw e;
    }
    return this;
  }

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  async log() {
    try {
      return await readFile(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  // SIGTERM, SIGKILL after 5 s; throws if it is still there after that.
  async stop() {
    if (!this.proc || this.exit) return this.exit;
    this.proc.kill('SIGTERM');
    let done = await Promise.race([this.exited, sleep(REDIS_STOP_MS).then(() => null)]);
    if (!done) {
      this.proc.kill('SIGKILL');
      done = await Promise.race([this.exited, sleep(REDIS_STOP_MS).then(() => null)]);
      if (!done) throw new Error(`${this.name} (pid ${this.proc.pid}) did not exit on SIGKILL`);
    }
    return done;
  }
}

// A relais node in cluster mode: --redis, --node-id and --public-url
// ws://127.0.0.1:PORT/ws (so the port is chosen before the node starts), no
// STUN server (the browsers reach the node on 127.0.0.1 without one), and
// the other options of RelaisNode. `port` restarts a node where it was, so
// that pages whose entry URL it is can come back.
export class ClusterNode extends RelaisNode {
  constructor(env, name, { redis, id, port = null, extraArgs = [] }) {
    super(env, name, extraArgs);
    this.redisUrl = redis;
    this.nodeId = id;
    this.fixedPort = port;
    this.killed = false;
  }

  async start() {
    if (!existsSync(RELAIS_BIN)) throw new Error(`relais binary not found at ${RELAIS_BIN} (set RELAIS_BIN)`);
    this.port = this.fixedPort || await freeTcpPort();
    this.rtp = await rtpPortRange();
    this.args = [
      '--listen', `127.0.0.1:${this.port}`,
      '--redis', this.redisUrl,
      '--node-id', this.nodeId,
      '--public-url', this.wsUrl,
      '--stun-listen', 'off',
      '--media-address', '127.0.0.1',
      '--rtp-ports', this.rtp.arg,
      '--web-root', WEB_ROOT,
      '--log-level', 'info',
      '--drain-deadline', '0',
      ...this.extraArgs,
    ];
    this.logFile = join(this.env.dir, `${this.name}.log`);
    const log = await open(this.logFile, 'w');
    this.proc = spawn(RELAIS_BIN, this.args, { stdio: ['ignore', log.fd, log.fd] });
    await log.close();
    this.exited = new Promise((resolveExit) => {
      this.proc.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolveExit(this.exit);
      });
      this.proc.once('error', (err) => {
        this.exit = { code: null, signal: null, error: err.message };
        resolveExit(this.exit);
      });
    });
    await waitUntil(async () => {
      if (this.exit) throw new Error(`node exited during start-up: ${JSON.stringify(this.exit)}`);
      const res = await httpGet(`${this.httpUrl}/`);
      return res.status === 200;
    }, { timeout: NODE_READY_MS, interval: 100, what: `${this.name} to answer GET /` }).catch(async (e) => {
      if (this.exit && !e.message.includes('exited')) e.message += `; node exited ${JSON.stringify(this.exit)}`;
      printLog(`${this.name} (${RELAIS_BIN} ${this.args.join(' ')})`, await this.log());
      throw e;
    });
    return this;
  }

  // SIGKILL: the node dies without telling anyone (no drain, no Redis
  // clean-up). It is not checked for a clean exit later, but its log must
  // hold no sanitizer report.
  async kill() {
    if (!this.proc || this.exit) return this.exit;
    this.killed = true;
    this.stopped = true;
    this.checked = true;
    this.proc.kill('SIGKILL');
    const exit = await withTimeout(this.exited, NODE_STOP_MS, `${this.name} to die on SIGKILL`);
    const log = await this.log();
    const marker = SANITIZER_MARKERS.find((m) => log.includes(m));
    if (marker) {
      printLog(`${this.name} (${RELAIS_BIN} ${this.args.join(' ')})`, log);
      throw new Error(`${this.name}: sanitizer report ("${marker}") before it was killed; log: ${this.logFile}`);
    }
    return exit;
  }
}
