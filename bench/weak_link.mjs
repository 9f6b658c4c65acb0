// The browser side of bench/weak_link.sh: joins ROOM on the node at URL
// with headless Chromium (Debian's), samples the web client's inbound
// stats every second for SECONDS, prints one JSON object.
//   node bench/weak_link.mjs URL ROOM SECONDS BOTS
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '../tests/e2e/package.json'));
const puppeteer = require('puppeteer-core');
const [url, room, secs, bots] = [process.argv[2], process.argv[3], Number(process.argv[4]), Number(process.argv[5])];
const dir = await mkdtemp(join(tmpdir(), 'weak-link-'));
const browser = await puppeteer.launch({
  executablePath: '/usr/bin/chromium', headless: true, userDataDir: dir,
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    '--autoplay-policy=no-user-gesture-required', `--unsafely-treat-insecure-origin-as-secure=${url}`],
});
try {
  const page = await browser.newPage();
  await page.goto(`${url}/?room=${encodeURIComponent(room)}`);
  await page.waitForFunction(() => !!window.relais, { timeout: 10000 });
  await page.$eval('#room', (el, v) => { el.value = v; }, room);
  await page.$eval('#name', (el) => { el.value = 'weak'; });
  await page.click('#join');
  await page.waitForFunction(() => window.relais.state === 'joined', { timeout: 20000 });
  // Let the subscriptions settle, then measure.
  await new Promise((r) => setTimeout(r, 5000));
  const sample = () => page.evaluate(() => window.relais.stats());
  let prev = await sample();
  let videoSeconds = 0, stalled = 0, frames = 0;
  const first = new Map(prev.filter((s) => s.direction === 'inbound').map((s) => [s.mid, s]));
  for (let i = 0; i < secs; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const cur = await sample();
    for (const s of cur) {
      if (s.direction !== 'inbound' || s.kind !== 'video') continue;
      const p = prev.find((x) => x.mid === s.mid);
      const df = s.framesDecoded - (p ? p.framesDecoded : 0);
      videoSeconds++;
      frames += df;
      if (df <= 0) stalled++;
    }
    prev = cur;
  }
  const loss = (kind) => {
    let recv = 0, lost = 0;
    for (const s of prev) {
      if (s.direction !== 'inbound' || s.kind !== kind) continue;
      const f = first.get(s.mid) || { packetsReceived: 0, packetsLost: 0 };
      recv += s.packetsReceived - f.packetsReceived;
      lost += Math.max(0, s.packetsLost - f.packetsLost);
    }
    return recv + lost ? (100 * lost) / (recv + lost) : 0;
  };
  const videos = prev.filter((s) => s.direction === 'inbound' && s.kind === 'video');
  console.log(JSON.stringify({
    seconds: secs,
    videos: bots,
    videos_decoding: videos.filter((s) => s.framesDecoded > 0).length,
    stalled_pct: videoSeconds ? (100 * stalled) / videoSeconds : 100,
    fps: videoSeconds ? frames / videoSeconds : 0,
    video_loss_pct: loss('video'),
    audio_loss_pct: loss('audio'),
  }));
} finally {
  await browser.close();
  await rm(dir, { recursive: true, force: true });
}
