// Firefox ESR and Chromium in one room: each decodes the other's video and
// receives the other's audio (the node maps payload types and header
// extensions per subscriber).

import { describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { TestEnv, joinRoom, waitTile, expectVideoFlowing, expectAudioFlowing } from './harness.mjs';

const ROOM = 'interop-e2e';

describe('interop: Firefox ESR and Chromium', () => {
  const env = new TestEnv('interop');
  let fox;
  let chrome;
  after(() => env.cleanup());

  env.step('start the node, Firefox and Chromium join one room', async () => {
    const node = await env.startNode();
    const ff = await env.firefox('firefox');
    const foxPage = await env.page(ff, node.pageUrl(ROOM));
    fox = { name: 'Fuchs', page: foxPage, id: await joinRoom(foxPage, { room: ROOM, name: 'Fuchs' }) };
    const cr = await env.chromium('chromium');
    const chromePage = await env.page(cr, node.pageUrl(ROOM));
    chrome = { name: 'Chrom', page: chromePage, id: await joinRoom(chromePage, { room: ROOM, name: 'Chrom' }) };
  });

  env.step('each shows the other\'s camera tile', async () => {
    await waitTile(fox.page, chrome.id, 'camera', (t) => t && t.name === chrome.name, 'Firefox to show Chromium\'s tile');
    await waitTile(chrome.page, fox.id, 'camera', (t) => t && t.name === fox.name, 'Chromium to show Firefox\'s tile');
  });

  env.step('Firefox decodes Chromium\'s video and receives its audio', async () => {
    await expectVideoFlowing(fox.page, chrome.id, 'camera');
    await expectAudioFlowing(fox.page, chrome.id);
  });

  env.step('Chromium decodes Firefox\'s video and receives its audio', async () => {
    await expectVideoFlowing(chrome.page, fox.id, 'camera');
    await expectAudioFlowing(chrome.page, fox.id);
  });

  env.step('no page errors', async () => {
    const errors = env.consoles.flatMap((c) => c.lines.filter((l) => l.startsWith('pageerror')));
    assert.deepEqual(errors, []);
  });

  env.step('the node exits cleanly on SIGTERM', () => env.finish());
});
