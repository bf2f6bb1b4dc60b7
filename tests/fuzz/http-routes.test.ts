import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, testBackends, type TestDb } from '../../src/hub/testing/test-db';
import { ADMIN_TOKEN, enrollRegister, seedStore, startTestHub } from '../../src/hub/testing/hub-fixture';
import { createEnrollmentCode } from '../../src/hub/auth';
import type { HubHandle } from '../../src/hub/server';
import { deep, fingerprint, fuzzSettings, prng, type Rng } from './support';

// HTTP fuzz (issue 9): every route the hub registers (taken from the running hub, so a route
// added later is fuzzed too), with valid requests, mutated valid bodies, hostile bodies,
// queries, path values, content types and tokens. It ends with the hub alive, no 5xx, nothing
// written by a refused request (table fingerprints before/after), and every accepted stock
// adjustment applied exactly once.
//
// Seeded and replayable: FUZZ_SEED=<n> replays a run, FUZZ_CASES=<n> sets its length (small
// by default so `npm test` runs a slice; `npm run fuzz` runs many).

const { seed: SEED, cases: CASES } = fuzzSettings(60);

const HOSTILE_STRINGS = [
  '', '\u0000', 'a\u0000b', '\uD800', 'x\uDFFF', '\u0007bell', '\u009F', 'line\nbreak', '4111 1111 1111 1111', 'x'.repeat(70_000), '😀',
  '__proto__', 'constructor', "'; DROP TABLE stores; --", '-1', '1e400', '../../etc/passwd', '%00', 'S', 'NOPE',
];
const HOSTILE_NUMBERS = [0.5, -0.5, 2 ** 53, 2 ** 60, -(2 ** 60), 1e308, -1, 0, Number.MAX_SAFE_INTEGER, 1e-7];

/** Percent-encoding that also sends what encodeURIComponent refuses (a lone surrogate as raw UTF-8 bytes of its code unit). */
function enc(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80' + encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, ''));
  }
}

/** A hostile value as query text: String() throws for an object whose prototype a `__proto__` key set to null. */
function queryText(v: unknown): string {
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

function hostileValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 5 : 7)) {
    case 0: return rng.pick(HOSTILE_STRINGS);
    case 1: return rng.pick(HOSTILE_NUMBERS);
    case 2: return rng.pick([null, true, false]);
    case 3: return rng.pick([{}, [], '']);
    case 4: return deep(rng.pick([33, 100, 1000]));
    case 5: return Array.from({ length: rng.int(4) }, () => hostileValue(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(4); i > 0; i--) o[rng.pick(['a', 'store_id', 'k\u0000', '\uD800', 'target', '__proto__'])] = hostileValue(rng, depth + 1);
      return o;
    }
  }
}

function mutate(rng: Rng, v: unknown): unknown {
  if (v === null || typeof v !== 'object') return hostileValue(rng);
  const copy: Record<string, unknown> | unknown[] = Array.isArray(v) ? [...v] : { ...(v as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0 || rng.int(6) === 0) {
    (copy as Record<string, unknown>)[rng.pick(['extra', 'x\u0000', 'note'])] = hostileValue(rng);
    return copy;
  }
  const k = rng.pick(keys);
  const r = rng.int(4);
  if (r === 0) delete (copy as Record<string, unknown>)[k];
  else if (r === 1) (copy as Record<string, unknown>)[k] = hostileValue(rng);
  else (copy as Record<string, unknown>)[k] = mutate(rng, (copy as Record<string, unknown>)[k]);
  return copy;
}

const TABLES = ['stores', 'users', 'credentials', 'enrollment_codes', 'terminals', 'products', 'prices', 'promotions', 'stock_levels', 'stock_movements', 'change_log', 'scheduled_changes', 'journal_events', 'ledger_lines', 'alerts'];


const PRODUCT = { sku: 'FZ-P', gtins: ['4006381333931'], name: 'Fuzz thing', category: 'grocery', tax_category: 'food', unit: 'each', price: 150, currency: 'USD', active: true };

describe.each(testBackends())('HTTP fuzz on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  let registerToken: string;
  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedStore(t.db, 'S', { FZ: 0 });
    // Limits high enough that the fuzzer's own traffic is not what it measures.
    hub = await startTestHub(t.db, { httpRateLimit: { max: 10_000_000, windowMs: 60_000 }, throttle: { perSource: 1e9, perTarget: 1e9 }, schedulerIntervalMs: 3_600_000 });
    registerToken = (await enrollRegister(t.db, 'S', 'S-1')).token;
  });
  afterAll(async () => {
    await hub?.close();
    await t?.dispose();
  });

  it(`${CASES} seeded cases over every route: no 5xx, nothing written when refused, accepted writes applied once (FUZZ_SEED=${SEED})`, { timeout: 3_600_000 }, async () => {
    console.log(`HTTP fuzz on ${backend.name}: FUZZ_SEED=${SEED} FUZZ_CASES=${CASES}`);
    const started = Date.now();
    const rng = prng(SEED);
    const routes = hub.routes().filter((r) => r.method !== 'HEAD' && !r.url.startsWith('/api/docs/static'));
    expect(routes.length).toBeGreaterThan(15);
    let n = 0;
    const valid = (method: string, url: string): { path: string; body?: unknown } | null => {
      n += 1;
      if (method === 'GET') {
        const q = url.includes('terminals') || url.includes('stock') || url.includes('rejections') ? '?store_id=S' : '';
        return { path: url.replace(/:[A-Za-z_]+/g, 'S') + q };
      }
      switch (url) {
        case '/api/stores': return { path: url, body: { store_id: `FZS-${SEED}-${n}`, name: 'Fuzz store', currency: 'USD' } };
        case '/api/enrollment-codes': return { path: url, body: { store_id: 'S', terminal_id: `FZT-${n}` } };
        case '/api/users': return { path: url, body: { user_id: `fz-${SEED}-${n}`, name: 'Fuzz', role: 'hq' } };
        case '/api/credentials/revoke': return { path: url, body: { credential_id: 9_000_000 + n } };
        case '/api/prices': return { path: url, body: { target: { store_ids: ['S'] }, prices: [{ sku: 'FZ', amount: 1 + rng.int(1000) }] } };
        case '/api/promotions': return { path: url, body: { target: { store_ids: ['S'] }, promotions: [{ promotion_id: `P${n}`, active: false }] } };
        case '/api/catalog': return { path: url, body: { products: [PRODUCT] } };
        case '/api/stock/adjustments': return { path: url, body: { store_id: 'S', reason: 'delivery', items: [{ sku: 'FZ', quantity: { units: 1 + rng.int(5), scale: 0 } }] } };
        default: return { path: url.replace(/:[A-Za-z_]+/g, 'S'), body: {} };
      }
    };
    let expectedFz = 0;
    const outcomes = new Map<string, number>();
    for (let i = 0; i < CASES; i++) {
      const route = rng.pick(routes);
      let { path, body } = valid(route.method, route.url)!;
      if (route.url === '/api/enroll') body = { code: (await createEnrollmentCode(t.db, { store_id: 'S', terminal_id: `FZE-${i}` })).code };
      const mode = rng.int(10); // 0-2 valid, 3-5 mutated body, 6 hostile query, 7 hostile token, 8 hostile content type, 9 hostile path value
      let token: string | null = ADMIN_TOKEN;
      let contentType = 'application/json';
      let text = body === undefined ? undefined : JSON.stringify(body);
      if (mode >= 3 && mode <= 5) text = route.method === 'GET' ? undefined : JSON.stringify(rng.int(3) === 0 ? hostileValue(rng) : mutate(rng, body));
      if (mode === 6) path = `${path.split('?')[0]}?${rng.pick(['store_id', 'limit', 'x', '\u0000'])}=${enc(queryText(hostileValue(rng))).slice(0, 5000)}${rng.int(2) ? '&store_id=S&store_id=T' : ''}`;
      if (mode === 7) token = rng.pick([null, '', 'x', 'Bearer', registerToken, 'tsu_' + 'A'.repeat(300), 'tsu_forged_token_value_123456']);
      if (mode === 8) contentType = rng.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', '']);
      if (mode === 9) path = path.replace(/\/[^/?]*$/, `/${enc(String(rng.pick(HOSTILE_STRINGS))).slice(0, 300)}`);
      if (route.method === 'GET') text = mode >= 3 && mode <= 5 ? JSON.stringify(hostileValue(rng)) : undefined;
      const before = await fingerprint(t.db, TABLES);
      const headers: Record<string, string> = {};
      if (contentType) headers['content-type'] = contentType;
      if (token !== null) headers.authorization = token.startsWith('Bearer') || token === '' || token === 'x' ? token : `Bearer ${token}`;
      let status: number;
      try {
        const res = await fetch(`${hub.url}${path}`, { method: route.method, headers, body: route.method === 'GET' ? undefined : text });
        status = res.status;
        const answer = await res.text();
        if (status >= 400 && res.headers.get("content-type")?.includes("json")) expect(JSON.parse(answer).error?.code, `case ${i} ${route.method} ${path} ${status} ${answer.slice(0, 300)}`).toBeTruthy();
      } catch (err) {
        // fetch refused to send it (e.g. a body on GET); nothing reached the hub.
        if (err instanceof TypeError) continue;
        throw err;
      }
      const label = `${route.method} ${route.url} → ${status}`;
      outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
      expect(status, `case ${i} (mode ${mode}) ${route.method} ${path.slice(0, 120)} (FUZZ_SEED=${SEED})`).toBeLessThan(500);
      if (status >= 400) {
        expect(await fingerprint(t.db, TABLES), `case ${i}: a refused ${route.method} ${route.url} wrote nothing (FUZZ_SEED=${SEED})`).toEqual(before);
      } else if (route.url === '/api/stock/adjustments' && route.method === 'POST') {
        const b = JSON.parse(text!) as { items: Array<{ sku: string; quantity: { units: number; scale: number } }> };
        for (const it of b.items) if (it.sku === 'FZ') expectedFz += it.quantity.units / 10 ** it.quantity.scale;
      }
    }
    const seconds = Math.round((Date.now() - started) / 1000);
    console.log(`HTTP fuzz on ${backend.name}: ${CASES} cases in ${seconds} s (FUZZ_SEED=${SEED}); ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
    const health = await fetch(`${hub.url}/health`);
    expect(health.status).toBe(200);
    const { rows } = await t.db.query<{ on_hand: string; moved: string }>(
      `SELECT l.on_hand::text AS on_hand, (SELECT coalesce(sum(quantity), 0)::text FROM stock_movements WHERE store_id = 'S' AND sku = 'FZ') AS moved FROM stock_levels l WHERE store_id = 'S' AND sku = 'FZ'`,
    );
    expect(Number(rows[0]!.on_hand)).toBeCloseTo(expectedFz, 6);
    expect(Number(rows[0]!.moved)).toBeCloseTo(expectedFz, 6);
  });
});
