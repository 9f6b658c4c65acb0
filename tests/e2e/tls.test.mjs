// TLS: with --tls-cert/--tls-key the node serves the page over HTTPS and the
// protocol over WSS (what browsers need to allow camera and microphone on
// another machine). Certificate: self-signed, made here with openssl.

import { describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { TestEnv, httpGet, joinRoom, expectVideoFlowing, expectAudioFlowing } from './harness.mjs';

const ROOM = 'tls-e2e';

describe('TLS: HTTPS page and WSS signaling', () => {
  const env = new TestEnv('tls');
  let node;
  after(() => env.cleanup());

  env.step('start a node with a self-signed certificate', async () => {
    await env.init();
    const cert = join(env.dir, 'cert.pem');
    const key = join(env.dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
      '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    node = await env.startNode(['--tls-cert', cert, '--tls-key', key]);
    assert.ok(node.httpUrl.startsWith('https://'));
  });

  env.step('the page, /health and /metrics are served over HTTPS', async () => {
    const page = await httpGet(`${node.httpUrl}/`);
    assert.equal(page.status, 200);
    assert.match(page.body, /<html/i);
    const health = await httpGet(`${node.httpUrl}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { status: 'ok', rooms: 0, sessions: 0 });
    const metrics = await httpGet(`${node.httpUrl}/metrics`);
    assert.match(metrics.body, /^relais_build_info\{version="[^"]+"\} 1$/m);
  });

  env.step('plain HTTP on the TLS port is not served', async () => {
    const plain = await httpGet(`http://127.0.0.1:${node.port}/health`).catch((e) => ({ error: e }));
    assert.ok(plain.error || plain.status !== 200, 'a TLS-only port must not answer plain HTTP with 200');
  });

  env.step('the protocol works over WSS', async () => {
    const c = await env.wsClient(node.wsUrl);
    const joined = await c.join(ROOM + '-ws', 'Sicher');
    assert.equal(joined.type, 'joined');
    assert.match(joined.you, /^p\d+$/);
    await c.ping();
    c.close();
  });

  env.step('two Chromium pages meet over HTTPS/WSS', async () => {
    const args = ['--ignore-certificate-errors'];
    const a = await env.chromium('a', { args });
    const b = await env.chromium('b', { args });
    const pa = await env.page(a, node.pageUrl(ROOM));
    const pb = await env.page(b, node.pageUrl(ROOM));
    assert.equal(await pa.evaluate(() => window.isSecureContext), true);
    const ida = await joinRoom(pa, { room: ROOM, name: 'Anna' });
    const idb = await joinRoom(pb, { room: ROOM, name: 'Bert' });
    await expectVideoFlowing(pa, idb, 'camera');
    await expectVideoFlowing(pb, ida, 'camera');
    await expectAudioFlowing(pa, idb);
  });

  env.step('the node exits cleanly on SIGTERM', () => env.finish());
});
