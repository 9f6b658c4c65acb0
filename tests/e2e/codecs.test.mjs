// Video codecs beyond VP8: a Chromium publisher that prefers VP9 is forwarded
// as VP9 to a Chromium and a Firefox subscriber (both decode VP9), while a
// VP8 publisher in the same room stays VP8. The node takes each publisher's
// first supported codec and offers subscribers exactly that codec. Then an
// H.264 publisher joins: Chromium decodes it; Debian's Firefox ESR has no
// H.264 decoder, so it rejects that one m-section and keeps the rest.

import { describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { TestEnv, joinRoom, stats, waitTile, waitUntil, expectVideoFlowing } from './harness.mjs';

const ROOM = 'codecs-e2e';

async function codecOf(page, participant) {
  let codec = null;
  await waitUntil(async () => {
    const s = (await stats(page)).find(
      (x) => x.direction === 'inbound' && x.participant === participant && x.source === 'camera');
    codec = s && s.codec;
    return Boolean(codec);
  }, { what: `the codec of ${participant}'s camera` });
  return codec.toLowerCase();
}

describe('codecs: VP9 publisher, VP8 publisher, Chromium and Firefox subscribers', () => {
  const env = new TestEnv('codecs');
  let vp9;
  let vp8;
  let fox;
  after(() => env.cleanup());

  env.step('start the node; a VP9 Chromium, a VP8 Chromium and Firefox join', async () => {
    const node = await env.startNode();
    const a = await env.chromium('vp9');
    const aPage = await env.page(a, node.pageUrl(ROOM, { codec: 'VP9' }));
    vp9 = { page: aPage, id: await joinRoom(aPage, { room: ROOM, name: 'Neun' }) };
    const b = await env.chromium('vp8');
    const bPage = await env.page(b, node.pageUrl(ROOM));
    vp8 = { page: bPage, id: await joinRoom(bPage, { room: ROOM, name: 'Acht' }) };
    const f = await env.firefox('firefox');
    const fPage = await env.page(f, node.pageUrl(ROOM));
    fox = { page: fPage, id: await joinRoom(fPage, { room: ROOM, name: 'Fuchs' }) };
  });

  env.step('the VP9 publisher reaches both subscribers as VP9, decoding', async () => {
    await waitTile(vp8.page, vp9.id, 'camera', (t) => Boolean(t), 'the VP9 tile in Chromium');
    await waitTile(fox.page, vp9.id, 'camera', (t) => Boolean(t), 'the VP9 tile in Firefox');
    await expectVideoFlowing(vp8.page, vp9.id, 'camera');
    await expectVideoFlowing(fox.page, vp9.id, 'camera');
    assert.equal(await codecOf(vp8.page, vp9.id), 'video/vp9');
    assert.equal(await codecOf(fox.page, vp9.id), 'video/vp9');
  });

  env.step('the VP8 publisher stays VP8, decoding', async () => {
    await expectVideoFlowing(vp9.page, vp8.id, 'camera');
    await expectVideoFlowing(fox.page, vp8.id, 'camera');
    assert.equal(await codecOf(vp9.page, vp8.id), 'video/vp8');
    assert.equal(await codecOf(fox.page, vp8.id), 'video/vp8');
  });

  env.step('an H.264 publisher: Chromium decodes it, Firefox rejects only that stream', async () => {
    const node = env.nodes[0];
    const c = await env.chromium('h264');
    const cPage = await env.page(c, node.pageUrl(ROOM, { codec: 'H264' }));
    const h264 = { page: cPage, id: await joinRoom(cPage, { room: ROOM, name: 'Zwei-Sechs-Vier' }) };
    await expectVideoFlowing(vp8.page, h264.id, 'camera');
    assert.equal(await codecOf(vp8.page, h264.id), 'video/h264');
    await expectVideoFlowing(h264.page, vp9.id, 'camera');
    // Firefox keeps decoding the others after answering the new offer.
    await waitTile(fox.page, h264.id, 'camera', (t) => Boolean(t), 'the H.264 participant in Firefox');
    await expectVideoFlowing(fox.page, vp9.id, 'camera');
    await expectVideoFlowing(fox.page, vp8.id, 'camera');
    const foxStats = await stats(fox.page);
    assert.ok(!foxStats.some((x) => x.participant === h264.id && x.kind === 'video' && x.framesDecoded > 0),
      'Firefox cannot decode H.264 and must not claim to');
  });

  env.step('no page errors', async () => {
    const errors = env.consoles.flatMap((c) => c.lines.filter((l) => l.startsWith('pageerror')));
    assert.deepEqual(errors, []);
  });

  env.step('the node exits cleanly on SIGTERM', () => env.finish());
});
