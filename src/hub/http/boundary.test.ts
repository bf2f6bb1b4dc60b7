import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { openTestDb, testBackends, type TestDb } from '../testing/test-db';
import { ADMIN_TOKEN, api, seedStore, startTestHub } from '../testing/hub-fixture';
import type { HubHandle } from '../server';

// The HTTP boundary: whatever a client sends is answered with a 4xx naming the problem and
// changes nothing; nothing kills the process (issue 9, items 1 and 16).

/** Sends raw bytes over TCP and returns what the server answered before closing (bounded). */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    s.setEncoding('latin1');
    s.on('data', (d) => (out += d));
    s.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve(out) : reject(err)));
    s.on('close', () => resolve(out));
    s.on('connect', () => s.write(bytes, 'latin1'));
    setTimeout(() => s.destroy(), 3000).unref();
  });
}

describe.each(testBackends())('HTTP boundary on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedStore(t.db, 'S', { A: 5 });
    hub = await startTestHub(t.db);
  });
  afterAll(async () => {
    await hub?.close();
    await t?.dispose();
  });

  it('an unparseable request target does not kill the hub (raw request lines from issue 9 item 1)', async () => {
    for (const line of ['GET //a:xx HTTP/1.1', 'GET http://[ HTTP/1.1', 'GET /api/stock?store_id=%ZZ HTTP/1.1', 'GET /%E0%A4%A HTTP/1.1', 'GET * HTTP/1.1']) {
      const answer = await raw(hub.port, `${line}\r\nHost: x\r\nConnection: close\r\n\r\n`);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
      expect(status, `${line} → ${answer.slice(0, 80)}`).toBeLessThan(500);
      if (!line.startsWith('GET * ')) expect(status, line).toBeGreaterThanOrEqual(400);
    }
    // The same through the upgrade path socket.io listens on.
    await raw(hub.port, 'GET //a:xx HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    await raw(hub.port, 'GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    const health = await fetch(`${hub.url}/health`);
    expect(health.status).toBe(200);
  });

  it('a path Fastify cannot decode is refused in our error format (found by the HTTP fuzz)', async () => {
    for (const p of ['/api/%ED%A0%80', '/api/stores/%E0%A4%A']) {
      const r = await fetch(`${hub.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` }, body: '{}' });
      expect(r.status, p).toBe(400);
      expect(((await r.json()) as { error: { code: string } }).error.code, p).toBe('BAD_REQUEST');
    }
  });

  it('refuses NUL, lone surrogates and control characters anywhere in a body, naming the field', async () => {
    const before = await t.db.query(`SELECT count(*)::int AS n FROM stores`);
    for (const name of ['a\u0000b', 'x\ud800', '\udc00', 'bell\u0007']) {
      const r = await api(hub, 'POST', '/api/stores', { store_id: 'N1', name, currency: 'USD' });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('BAD_REQUEST');
      expect(r.body.error.field).toBe('name');
    }
    // In free-form JSON (store config) and in keys too.
    const deep = await api(hub, 'POST', '/api/stores', { store_id: 'N1', name: 'n', currency: 'USD', config: { notes: ['ok', { k: 'v\u0000' }] } });
    expect(deep.body.error).toMatchObject({ code: 'BAD_REQUEST', field: 'config.notes.1.k' });
    const key = await api(hub, 'POST', '/api/stores', { store_id: 'N1', name: 'n', currency: 'USD', config: { 'k\u0000': 1 } });
    expect(key.status).toBe(400);
    const after = await t.db.query(`SELECT count(*)::int AS n FROM stores`);
    expect(after.rows).toEqual(before.rows);
  });

  it('refuses a 10,000-deep tax table and a malformed body with 400, not 500', async () => {
    let nested = '{}';
    for (let i = 0; i < 10_000; i++) nested = `{"a":${nested}}`;
    const r = await api(hub, 'POST', '/api/stores', `{"store_id":"N2","name":"n","currency":"USD","tax":${nested}}`);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/nested deeper than/);
    const bad = await api(hub, 'POST', '/api/stores', '{"store_id":');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('BAD_REQUEST');
  });

  it('stock adjustments: unknown or malformed store_id and a level past 2^53 are 4xx and change nothing', async () => {
    const level = async () => (await t.db.query<{ on_hand: string }>(`SELECT on_hand::text AS on_hand FROM stock_levels WHERE store_id = 'S' AND sku = 'A'`)).rows;
    const before = await level();
    const item = (units: number) => ({ store_id: 'S', reason: 'delivery', items: [{ sku: 'A', quantity: { units, scale: 0 } }] });
    const unknown = await api(hub, 'POST', '/api/stock/adjustments', { ...item(1), store_id: 'NOPE' });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND', field: 'store_id' } } });
    for (const store_id of ['', 'a b', 'x'.repeat(65), 'S\u0000', 7]) {
      const bad = await api(hub, 'POST', '/api/stock/adjustments', { ...item(1), store_id });
      expect(bad.status, JSON.stringify(store_id)).toBe(400);
      expect(bad.body.error.field).toBe('store_id');
    }
    const big = await api(hub, 'POST', '/api/stock/adjustments', item(Number.MAX_SAFE_INTEGER));
    expect(big.status).toBe(400);
    expect(big.body.error.field).toBe('items');
    const unsafe = await api(hub, 'POST', '/api/stock/adjustments', `{"store_id":"S","reason":"delivery","items":[{"sku":"A","quantity":{"units":1e300,"scale":0}}]}`);
    expect(unsafe.status).toBe(400);
    expect(await level()).toEqual(before);
  });

  it('checks query strings with the same rule and the route schema', async () => {
    for (const q of ['store_id=S%00', 'store_id=%ED%A0%80', 'store_id=', 'store_id=S&store_id=T', 'store_id=S&limit=0', 'store_id=S&bogus=1']) {
      const r = await api(hub, 'GET', `/api/stock?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code, q).toBe('BAD_REQUEST');
    }
    const lim = await api(hub, 'GET', '/api/alerts?limit=100000');
    expect(lim.body.error).toMatchObject({ code: 'BAD_REQUEST', field: 'limit' });
    const ok = await api(hub, 'GET', '/api/stock?store_id=S');
    expect(ok.status).toBe(200);
  });

  it('answers unknown routes, wrong media types and missing tokens with JSON errors', async () => {
    const nf = await api(hub, 'GET', '/api/nope');
    expect(nf).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    const unauth = await api(hub, 'GET', '/api/stores', undefined, '');
    expect(unauth).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
    const media = await fetch(`${hub.url}/api/stores`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/plain' }, body: 'x' });
    expect(media.status).toBe(415);
    expect(((await media.json()) as { error: { code: string } }).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('sends security headers from @fastify/helmet, and a CSP for the console that runs only the hub\'s own files', async () => {
    const r = await fetch(`${hub.url}/health`);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    const page = await fetch(`${hub.url}/hq/`);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    // The page itself has no inline script or style for a CSP to allow.
    const html = await page.text();
    expect(html).toContain('<script src="/hq/app.js"></script>');
    expect(html).not.toMatch(/<script>|<style>/);
    const js = await fetch(`${hub.url}/hq/app.js`);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await js.text()).length).toBeGreaterThan(1000);
  });
});
