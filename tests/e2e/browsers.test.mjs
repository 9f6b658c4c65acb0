// Self-test of the harness, without the node: both browsers start inside the
// loopback-only namespace with the TESTBED flags, load the web client from a
// static server without errors, and make WebRTC connections over 127.0.0.1
// (within one page, and Chromium <-> Firefox).

import { describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { TestEnv, assertLoopbackOnly, interfaces, waitUntil } from './harness.mjs';

// In-page helpers, installed with page.evaluate.
function installPeer() {
  window.peer = {
    pc: null,
    candidates: [],
    async create(send) {
      const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
      this.pc = pc;
      pc.onicecandidate = (e) => {
        if (e.candidate && e.candidate.candidate) this.candidates.push(e.candidate.toJSON());
      };
      if (send) {
        const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
        for (const t of media.getTracks()) pc.addTransceiver(t, { direction: 'sendonly', streams: [media] });
      }
    },
    async offer() {
      await this.pc.setLocalDescription();
      return this.pc.localDescription.sdp;
    },
    async answer(sdp) {
      await this.pc.setRemoteDescription({ type: 'offer', sdp });
      await this.pc.setLocalDescription();
      return this.pc.localDescription.sdp;
    },
    async accept(sdp) {
      await this.pc.setRemoteDescription({ type: 'answer', sdp });
    },
    takeCandidates() {
      const c = this.candidates;
      this.candidates = [];
      return c;
    },
    async addCandidates(list) {
      for (const c of list) await this.pc.addIceCandidate(c);
    },
    async inbound() {
      const out = {};
      (await this.pc.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp') out[s.kind] = { packets: s.packetsReceived, frames: s.framesDecoded };
      });
      return { state: this.pc.connectionState, ...out };
    },
  };
}

// Connects a sending page to a receiving page, relaying SDP and candidates
// through this process; resolves when video frames are decoded.
async function connect(sender, receiver) {
  await sender.evaluate(installPeer);
  await receiver.evaluate(installPeer);
  await sender.evaluate(() => window.peer.create(true));
  await receiver.evaluate(() => window.peer.create(false));
  const offer = await sender.evaluate(() => window.peer.offer());
  const answer = await receiver.evaluate((sdp) => window.peer.answer(sdp), offer);
  await sender.evaluate((sdp) => window.peer.accept(sdp), answer);
  return waitUntil(async () => {
    const a = await sender.evaluate(() => window.peer.takeCandidates());
    const b = await receiver.evaluate(() => window.peer.takeCandidates());
    await receiver.evaluate((l) => window.peer.addCandidates(l), a);
    await sender.evaluate((l) => window.peer.addCandidates(l), b);
    const s = await receiver.evaluate(() => window.peer.inbound());
    return s.state === 'connected' && s.video && s.video.frames > 10 && s.audio && s.audio.packets > 10 ? s : null;
  }, { timeout: 20000, interval: 200, what: 'the loopback connection to carry audio and video' });
}

async function loadClient(env, browser, url) {
  const page = await env.page(browser, `${url}/?room=selftest`);
  await waitUntil(() => page.evaluate(() => window.relais && window.relais.state), { timeout: 10000, what: 'window.relais' });
  const info = await page.evaluate(() => ({
    state: window.relais.state,
    room: document.getElementById('room').value,
    checks: Object.fromEntries([...document.querySelectorAll('[data-check]')]
      .map((e) => [e.dataset.check, e.querySelector('dd').dataset.state])),
  }));
  assert.equal(info.state, 'prejoin');
  assert.equal(info.room, 'selftest');
  assert.equal(info.checks.rtc, 'ok');
  assert.equal(info.checks.gum, 'ok');
  assert.equal(info.checks.ws, 'ok');
  await waitUntil(() => page.evaluate(() => document.querySelector('[data-check="camera"] dd').dataset.state === 'ok'),
    { timeout: 10000, what: 'the fake camera in the pre-join check' });
  return page;
}

describe('harness self-test (no node)', () => {
  const env = new TestEnv('browsers');
  let url;
  let chromePage;
  let firefoxPage;
  after(() => env.cleanup());

  env.step('runs in a network namespace with only lo', async () => {
    assert.deepEqual(interfaces(), ['lo']);
    assertLoopbackOnly();
    url = await env.staticServer();
  });

  env.step('Chromium loads the client and connects a loopback PeerConnection pair', async () => {
    const browser = await env.chromium('chromium');
    chromePage = await loadClient(env, browser, url);
    const peerPage = await env.page(browser, `${url}/?room=peer`);
    const s = await connect(chromePage, peerPage);
    assert.equal(s.state, 'connected');
  });

  env.step('Firefox ESR loads the client and connects a loopback PeerConnection pair', async () => {
    const browser = await env.firefox('firefox');
    firefoxPage = await loadClient(env, browser, url);
    const peerPage = await env.page(browser, `${url}/?room=peer`);
    const s = await connect(firefoxPage, peerPage);
    assert.equal(s.state, 'connected');
  });

  env.step('Chromium sends to Firefox and Firefox sends to Chromium', async () => {
    const chromeTwo = await env.page(env.browsers[0], url);
    const firefoxTwo = await env.page(env.browsers[1], url);
    await connect(chromeTwo, firefoxTwo);
    const chromeThree = await env.page(env.browsers[0], url);
    const firefoxThree = await env.page(env.browsers[1], url);
    await connect(firefoxThree, chromeThree);
  });

  env.step('no page errors', async () => {
    // There is no node here: Firefox reports the failed network check
    // (WebSocket to /ws) as a script error; that one is expected.
    const expected = /establish a connection to the server at ws:/;
    const errors = env.consoles.flatMap((c) => c.lines.filter((l) => l.startsWith('pageerror') && !expected.test(l)));
    assert.deepEqual(errors, []);
  });
});
