// Screen sharing between two Chromium participants. Headless Chromium fakes
// getDisplayMedia with --use-fake-device-for-media-stream and
// --use-fake-ui-for-media-stream (an 800x600 generated "screen");
// --auto-select-desktop-capture-source picks the source without a picker.

import { describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { TestEnv, joinRoom, waitTile, tileOf, expectVideoFlowing } from './harness.mjs';

const ROOM = 'screen-e2e';
const SCREEN_ARGS = ['--auto-select-desktop-capture-source=Entire screen'];

describe('screen share', () => {
  const env = new TestEnv('screenshare');
  let a;
  let b;
  after(() => env.cleanup());

  env.step('start the node, two Chromium participants join', async () => {
    const node = await env.startNode();
    const ba = await env.chromium('sharer', { args: SCREEN_ARGS });
    const pa = await env.page(ba, node.pageUrl(ROOM));
    a = { name: 'Ada', page: pa, id: await joinRoom(pa, { room: ROOM, name: 'Ada' }) };
    const bb = await env.chromium('viewer');
    const pb = await env.page(bb, node.pageUrl(ROOM));
    b = { name: 'Bob', page: pb, id: await joinRoom(pb, { room: ROOM, name: 'Bob' }) };
    await expectVideoFlowing(b.page, a.id, 'camera');
  });

  env.step('A shares the screen: B gets a screen tile for A with frames decoding', async () => {
    await a.page.click('#screen'); // a real click: getDisplayMedia needs user activation
    await waitTile(a.page, a.id, 'screen', (t) => t && t.self === 'true', 'A to show its own screen tile', 10000);
    const tile = await waitTile(b.page, a.id, 'screen', (t) => t !== null, 'B to show A\'s screen tile');
    assert.equal(tile.self, 'false');
    assert.match(tile.name, /^Ada \(screen\)$/);
    await expectVideoFlowing(b.page, a.id, 'screen');
    await expectVideoFlowing(b.page, a.id, 'camera'); // the camera keeps going too
  });

  env.step('A stops sharing with the button: the tile goes away', async () => {
    await a.page.click('#screen');
    await waitTile(b.page, a.id, 'screen', (t) => t === null, 'B to remove A\'s screen tile', 10000);
    assert.equal(await tileOf(a.page, a.id, 'screen'), null);
    await expectVideoFlowing(b.page, a.id, 'camera');
  });

  env.step('A shares again and stops through the track ending (browser stop button)', async () => {
    await a.page.click('#screen');
    await waitTile(b.page, a.id, 'screen', (t) => t !== null, 'B to show A\'s screen tile again');
    await expectVideoFlowing(b.page, a.id, 'screen');
    // Headless Chromium has no "Stop sharing" bar to click. The browser ends
    // the capture track then; track.stop() does not fire "ended" by itself,
    // so this does what the browser does: stop the track and fire "ended".
    await a.page.evaluate(() => {
      const video = [...document.querySelectorAll('.tile[data-self="true"][data-source="screen"] video')][0];
      const track = video.srcObject.getVideoTracks()[0];
      track.stop();
      track.dispatchEvent(new Event('ended'));
    });
    await waitTile(b.page, a.id, 'screen', (t) => t === null, 'B to remove A\'s screen tile after the track ended', 10000);
    const label = await a.page.evaluate(() => document.getElementById('screen').textContent);
    assert.equal(label, 'Share screen');
  });

  env.step('no page errors', async () => {
    const errors = env.consoles.flatMap((c) => c.lines.filter((l) => l.startsWith('pageerror')));
    assert.deepEqual(errors, []);
  });

  env.step('the node exits cleanly on SIGTERM', () => env.finish());
});
