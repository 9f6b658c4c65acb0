// Three Chromium participants in one room: everyone sees and hears everyone,
// mute flags travel, and a leaving participant's tiles go away while the
// others' media keeps flowing.

import { describe, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  TestEnv, joinRoom, waitTile, tileOf, expectVideoFlowing, expectAudioFlowing, statusOf,
} from './harness.mjs';

const ROOM = 'meeting-e2e';
const NAMES = ['Anna', 'Bernd', 'Chloé'];

describe('meeting: three Chromium participants', () => {
  const env = new TestEnv('meeting');
  let node;
  const people = []; // {name, page, id}
  after(() => env.cleanup());

  const others = (p, list = people) => list.filter((q) => q !== p);

  env.step('start the node and three browsers, join one room', async () => {
    node = await env.startNode();
    for (const name of NAMES) {
      const browser = await env.chromium(name);
      const page = await env.page(browser, node.pageUrl(ROOM));
      const id = await joinRoom(page, { room: ROOM, name });
      assert.ok(id, `${name} got a participant id`);
      people.push({ name, page, id });
    }
    assert.equal(new Set(people.map((p) => p.id)).size, 3, 'participant ids are distinct');
  });

  env.step('everyone has a camera tile with the right name for everyone else', async () => {
    for (const p of people) {
      const self = await tileOf(p.page, p.id, 'camera');
      assert.ok(self, `${p.name} sees a self tile`);
      assert.equal(self.self, 'true');
      for (const q of others(p)) {
        const tile = await waitTile(p.page, q.id, 'camera', (t) => t && t.name === q.name,
          `${p.name} to show a camera tile named ${q.name}`);
        assert.equal(tile.self, 'false');
      }
      const count = await p.page.evaluate(() => document.querySelectorAll('.tile[data-source="camera"]').length);
      assert.equal(count, 3, `${p.name} shows exactly three camera tiles`);
    }
  });

  env.step('everyone decodes everyone else\'s video and receives their audio', async () => {
    for (const p of people) {
      for (const q of others(p)) {
        await expectVideoFlowing(p.page, q.id, 'camera');
        await expectAudioFlowing(p.page, q.id);
      }
    }
  });

  env.step('everyone sends microphone and camera', async () => {
    for (const p of people) {
      const out = (await p.page.evaluate(() => window.relais.stats())).filter((s) => s.direction === 'outbound');
      for (const source of ['microphone', 'camera']) {
        const s = out.find((x) => x.source === source);
        assert.ok(s && s.packetsSent > 0 && s.bytesSent > 0, `${p.name} sends ${source}: ${JSON.stringify(out)}`);
      }
    }
  });

  env.step('muting and unmuting the microphone shows on the others\' tiles', async () => {
    const [a] = people;
    await a.page.click('#mic');
    assert.equal((await tileOf(a.page, a.id, 'camera')).micMuted, 'true', 'own tile shows the muted microphone');
    for (const q of others(a)) {
      await waitTile(q.page, a.id, 'camera', (t) => t && t.micMuted === 'true',
        `${q.name} to show ${a.name}'s microphone muted`, 10000);
    }
    await a.page.click('#mic');
    for (const q of others(a)) {
      await waitTile(q.page, a.id, 'camera', (t) => t && t.micMuted === 'false',
        `${q.name} to show ${a.name}'s microphone unmuted`, 10000);
    }
  });

  env.step('turning the camera off shows on the others\' tiles', async () => {
    const b = people[1];
    await b.page.click('#cam');
    assert.equal((await tileOf(b.page, b.id, 'camera')).camMuted, 'true', 'own tile shows the camera off');
    for (const q of others(b)) {
      await waitTile(q.page, b.id, 'camera', (t) => t && t.camMuted === 'true',
        `${q.name} to show ${b.name}'s camera off`, 10000);
    }
    await b.page.click('#cam');
    for (const q of others(b)) {
      await waitTile(q.page, b.id, 'camera', (t) => t && t.camMuted === 'false',
        `${q.name} to show ${b.name}'s camera on again`, 10000);
    }
  });

  env.step('a participant leaves: their tiles go, the others keep decoding', async () => {
    const leaver = people[2];
    await leaver.page.click('#leave');
    const st = await statusOf(leaver.page);
    assert.equal(st.state, 'left');
    const stay = others(leaver);
    for (const p of stay) {
      await waitTile(p.page, leaver.id, 'camera', (t) => t === null,
        `${p.name} to remove ${leaver.name}'s tile`, 10000);
      assert.equal(await tileOf(p.page, leaver.id, 'screen'), null);
      assert.equal(await p.page.evaluate((id) => window.relais.participants.has(id), leaver.id), false);
    }
    for (const p of stay) {
      for (const q of others(p, stay)) await expectVideoFlowing(p.page, q.id, 'camera');
    }
  });

  env.step('no page errors', async () => {
    const errors = env.consoles.flatMap((c) => c.lines.filter((l) => l.startsWith('pageerror')));
    assert.deepEqual(errors, []);
  });

  env.step('the node exits cleanly on SIGTERM', () => env.finish());
});
