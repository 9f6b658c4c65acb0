// The pre-join page: language, the network check against an unreachable
// server, and joining without camera and microphone.

import { describe, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  TestEnv, joinRoom, waitUntil, waitTile, statusOf, freeTcpPort, expectVideoFlowing, expectAudioFlowing,
} from './harness.mjs';
import { errorText } from '../../web-client/i18n.js';

const ROOM = 'prejoin-e2e';

function texts(page) {
  return page.evaluate(() => ({
    lang: document.documentElement.lang,
    heading: document.getElementById('prejoin-heading').textContent,
    join: document.getElementById('join').textContent,
    room: document.querySelector('label[for="room"]').textContent,
    name: document.querySelector('label[for="name"]').textContent,
    language: document.getElementById('language').value,
  }));
}

function checks(page) {
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-check]')]
    .map((e) => [e.dataset.check, e.querySelector('dd').dataset.state])));
}

// Waits until no pre-join check is pending any more.
function checksDone(page) {
  return waitUntil(async () => {
    const c = await checks(page);
    return Object.values(c).includes('pending') ? null : c;
  }, { timeout: 15000, what: 'the pre-join checks to finish' });
}

describe('pre-join page', () => {
  const env = new TestEnv('prejoin');
  let node;
  let host; // a normal participant already in ROOM
  after(() => env.cleanup());

  env.step('start the node and a participant in the room', async () => {
    node = await env.startNode();
    const browser = await env.chromium('host');
    const page = await env.page(browser, node.pageUrl(ROOM));
    host = { name: 'Gastgeber', page, id: await joinRoom(page, { room: ROOM, name: 'Gastgeber' }) };
  });

  env.step('German browser: German texts, switch to English, choice kept', async () => {
    // --lang sets Chromium's UI locale; headless Chromium takes
    // navigator.languages from --accept-lang.
    const browser = await env.chromium('german', { args: ['--lang=de-DE', '--accept-lang=de-DE'] });
    const page = await env.page(browser, node.pageUrl(ROOM));
    assert.deepEqual(await page.evaluate(() => navigator.languages), ['de-DE']);
    await waitUntil(() => page.evaluate(() => !!window.relais), { timeout: 10000, what: 'the app' });
    const de = await texts(page);
    assert.deepEqual(de, {
      lang: 'de', heading: 'An einem Treffen teilnehmen', join: 'Beitreten', room: 'Raum', name: 'Ihr Name', language: 'de',
    });
    const c = await checksDone(page);
    assert.deepEqual(c, { rtc: 'ok', gum: 'ok', ws: 'ok', camera: 'ok', microphone: 'ok', network: 'ok' });
    assert.equal(await page.$eval('[data-check="network"] dd', (e) => e.textContent), 'erreichbar');
    assert.equal(await page.$eval('#room', (e) => e.value), ROOM, 'room prefilled from ?room=');

    await page.select('#language', 'en');
    const en = await texts(page);
    assert.deepEqual(en, {
      lang: 'en', heading: 'Join a meeting', join: 'Join', room: 'Room', name: 'Your name', language: 'en',
    });
    assert.equal(await page.$eval('[data-check="network"] dd', (e) => e.textContent), 'reachable');

    await page.reload({ waitUntil: 'load' });
    await waitUntil(() => page.evaluate(() => !!window.relais), { timeout: 10000, what: 'the app after reload' });
    assert.equal((await texts(page)).lang, 'en', 'the language choice is kept');
    await page.select('#language', 'de');
    assert.equal((await texts(page)).lang, 'de');
  });

  env.step('room prefilled from the location hash', async () => {
    const browser = await env.chromium('hash');
    const page = await env.page(browser, `${node.httpUrl}/#Raum%20Nord`);
    await waitUntil(() => page.evaluate(() => !!window.relais), { timeout: 10000, what: 'the app' });
    assert.equal(await page.$eval('#room', (e) => e.value), 'Raum Nord');
  });

  env.step('signaling server unreachable: the page says so in plain words', async () => {
    const closed = await freeTcpPort(); // nothing listens there
    const browser = await env.chromium('unreachable');
    const page = await env.page(browser, node.pageUrl(ROOM, { ws: `ws://127.0.0.1:${closed}/ws` }));
    const c = await checksDone(page);
    assert.equal(c.network, 'fail');
    let st = await statusOf(page);
    assert.equal(st.code, 'server-unreachable');
    assert.equal(st.text, errorText('server-unreachable'));
    await page.$eval('#name', (el) => { el.value = 'Niemand'; });
    await page.click('#join');
    st = await waitUntil(async () => {
      const s = await statusOf(page);
      return s.state === 'error' ? s : null;
    }, { timeout: 15000, what: 'the join to fail' });
    assert.equal(st.code, 'server-unreachable');
    assert.equal(st.text, errorText('server-unreachable'));
    assert.equal(await page.$eval('#join', (b) => b.disabled), false, 'join can be tried again');
  });

  env.step('camera and microphone denied: the page says so, joining still works', async () => {
    // No fake-UI flag: the permission prompt is denied.
    const browser = await env.chromium('denied', { fakeUi: false, args: ['--deny-permission-prompts'] });
    const page = await env.page(browser, node.pageUrl(ROOM));
    const c = await checksDone(page);
    assert.equal(c.camera, 'fail');
    assert.equal(c.microphone, 'fail');
    let st = await statusOf(page);
    assert.equal(st.code, 'media-unavailable');
    assert.equal(st.text, errorText('media-unavailable'));

    const id = await joinRoom(page, { room: ROOM, name: 'Ohne Kamera' });
    await waitTile(page, host.id, 'camera', (t) => t && t.name === host.name, 'the host\'s tile');
    const self = await waitTile(page, id, 'camera', (t) => t !== null, 'the self tile');
    assert.equal(self.micMuted, 'true');
    assert.equal(self.camMuted, 'true');
    const buttons = await page.evaluate(() => ['mic', 'cam'].map((b) => {
      const el = document.getElementById(b);
      return [el.disabled, el.textContent];
    }));
    assert.deepEqual(buttons, [[true, 'No microphone'], [true, 'No camera']]);
    st = await statusOf(page);
    assert.equal(st.code, 'media-unavailable', 'the page still says why it only receives');
    const seen = await waitTile(host.page, id, 'camera', (t) => t && t.name === 'Ohne Kamera', 'the host to see the receive-only participant');
    assert.equal(seen.micMuted, 'true');
    assert.equal(seen.camMuted, 'true');
    // Media for this page cannot be checked here: without any media
    // permission Chromium gathers only its default-route address, and a
    // loopback-only namespace has none, so this page gets no ICE candidates.
    // The next step checks receive-only media.
    await page.click('#leave');
  });

  env.step('no camera or microphone at all: receive-only joining decodes the others', async () => {
    // Fake UI (permission granted) but no fake devices: getUserMedia finds
    // no device, yet ICE may use 127.0.0.1.
    const browser = await env.chromium('no-devices', { fakeDevices: false });
    const page = await env.page(browser, node.pageUrl(ROOM));
    const c = await checksDone(page);
    assert.equal(c.camera, 'fail', 'this machine seems to have a real camera');
    assert.equal(c.microphone, 'fail', 'this machine seems to have a real microphone');
    assert.equal((await statusOf(page)).code, 'media-unavailable');
    const id = await joinRoom(page, { room: ROOM, name: 'Zuschauer' });
    await expectVideoFlowing(page, host.id, 'camera');
    await expectAudioFlowing(page, host.id);
    const out = (await page.evaluate(() => window.relais.stats())).filter((s) => s.direction === 'outbound');
    assert.deepEqual(out, [], 'a receive-only participant publishes nothing');
    await waitTile(host.page, id, 'camera', (t) => t && t.name === 'Zuschauer', 'the host to see the viewer');
  });

  env.step('no page errors', async () => {
    const errors = env.consoles.flatMap((c) => c.lines.filter((l) => l.startsWith('pageerror')));
    assert.deepEqual(errors, []);
  });

  env.step('the node exits cleanly on SIGTERM', () => env.finish());
});
