import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../src/hub/testing/test-db';
import { ADMIN_TOKEN, api, enrollRegister, seedStore, startTestHub } from '../../src/hub/testing/hub-fixture';
import type { HubHandle } from '../../src/hub/server';
import type { RegisterSim } from '../../src/hub/testing/register-sim';

// `tillstream prices import`, `stock transfer` and `terminals list` as a script runs them: a
// real child process talking to a running hub's HTTP API with a token.

const ROOT = path.resolve(__dirname, '../..');
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/tillstream.mjs', ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr });
    });
  });
}

describe('HQ commands against a running hub', { timeout: 240_000 }, () => {
  let t: TestDb;
  let hub: HubHandle;
  let reg: RegisterSim;
  const dir = mkdtempSync(path.join(tmpdir(), 'tillstream-hq-cli-'));
  beforeAll(async () => {
    t = await openTestDb({ name: 'pglite' });
    await seedStore(t.db, 'S1', { MILK: 10 });
    await seedStore(t.db, 'S2', {});
    hub = await startTestHub(t.db);
    const p = (sku: string, gtin: string) => ({ sku, gtins: [gtin], name: `Product ${sku}`, category: 'grocery', tax_category: 'general', unit: 'each', price: 100, currency: 'USD', active: true });
    expect((await api(hub, 'POST', '/api/catalog', { products: [p('MILK', '4006381333931'), p('BREAD', '4012345678901')] })).status).toBe(201);
    reg = await enrollRegister(t.db, 'S1', 'S1-T1');
    await reg.connect(hub.url);
    await reg.hello();
  }, 120_000);
  afterAll(async () => {
    reg?.close();
    await hub?.close();
    await t?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prices import: a preview, then --apply; bad rows listed and skipped', async () => {
    const csv = path.join(dir, 'prices.csv');
    writeFileSync(csv, 'sku,price\nMILK,1.29\nBREAD,-1\nGHOST,2.00\n');
    const env = { TILLSTREAM_TOKEN: ADMIN_TOKEN };
    const preview = await cli(['prices', 'import', csv, '--stores', 'S1', '--hub-url', hub.url], env);
    expect(preview.code, preview.err).toBe(0);
    expect(preview.out).toMatch(/Preview: 1 of 3 rows/);
    expect(preview.out).toMatch(/line 3 {2}BREAD {2}NEGATIVE_PRICE/);
    expect(preview.out).toMatch(/line 4 {2}GHOST {2}UNKNOWN_SKU/);
    expect((await t.db.query(`SELECT 1 FROM prices WHERE sku = 'MILK'`)).rows).toEqual([]);
    const applied = await cli(['prices', 'import', csv, '--stores', 'S1', '--apply', '--hub-url', hub.url, '--json'], env);
    expect(applied.code, applied.err).toBe(0);
    const body = JSON.parse(applied.out);
    expect(body.result.changes).toHaveLength(1);
    expect((await t.db.query<{ amount: string }>(`SELECT amount::text AS amount FROM prices WHERE store_id = 'S1' AND sku = 'MILK'`)).rows).toEqual([{ amount: '129' }]);
    const noToken = await cli(['prices', 'import', csv, '--stores', 'S1', '--hub-url', hub.url], { TILLSTREAM_TOKEN: '' });
    expect(noToken.code).not.toBe(0);
    expect(noToken.err).toMatch(/--token/);
    const badToken = await cli(['prices', 'import', csv, '--stores', 'S1', '--hub-url', hub.url, '--token', 'nope']);
    expect(badToken.code).not.toBe(0);
    expect(badToken.err).toMatch(/401 UNAUTHORIZED/);
  });

  it('stock transfer moves stock; too much is refused with the hub’s code', async () => {
    const env = { TILLSTREAM_TOKEN: ADMIN_TOKEN, TILLSTREAM_HUB_URL: hub.url };
    const ok = await cli(['stock', 'transfer', '--from', 'S1', '--to', 'S2', '--item', 'MILK=4', '--note', 'weekend'], env);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/Transfer \d+: 1 item\(s\) from S1 to S2/);
    const level = async (s: string) => Number((await api(hub, 'GET', `/api/stock?store_id=${s}`)).body.stock.find((x: { sku: string }) => x.sku === 'MILK').on_hand_decimal);
    expect([await level('S1'), await level('S2')]).toEqual([6, 4]);
    const tooMuch = await cli(['stock', 'transfer', '--from', 'S1', '--to', 'S2', '--item', 'MILK=7'], env);
    expect(tooMuch.code).not.toBe(0);
    expect(tooMuch.err).toMatch(/409 CONFLICT/);
    expect((await cli(['stock', 'transfer', '--from', 'S1', '--to', 'S2', '--item', 'MILK=-1'], env)).err).toMatch(/quantity/);
    expect([await level('S1'), await level('S2')]).toEqual([6, 4]);
  });

  it('stock transfer ship, list, receive (short), retry with the key, cancel', async () => {
    const env = { TILLSTREAM_TOKEN: ADMIN_TOKEN, TILLSTREAM_HUB_URL: hub.url };
    const level = async (s: string) => Number((await api(hub, 'GET', `/api/stock?store_id=${s}`)).body.stock.find((x: { sku: string }) => x.sku === 'MILK')?.on_hand_decimal ?? 0);
    const [a0, b0] = [await level('S1'), await level('S2')];
    const shipped = await cli(['stock', 'transfer', 'ship', '--from', 'S1', '--to', 'S2', '--item', 'MILK=3', '--note', 'van', '--key', 'cli-ship-0001'], env);
    expect(shipped.code, shipped.err).toBe(0);
    const id = Number(/^Transfer (\d+) {2}S1 -> S2 {2}in_transit/.exec(shipped.out)?.[1]);
    expect(id).toBeGreaterThan(0);
    expect(shipped.out).toMatch(/MILK {2}shipped 3\nkey cli-ship-0001/);
    expect([await level('S1'), await level('S2')]).toEqual([a0 - 3, b0]);
    const again = await cli(['stock', 'transfer', 'ship', '--from', 'S1', '--to', 'S2', '--item', 'MILK=3', '--key', 'cli-ship-0001'], env);
    expect(again.out).toMatch(/^Already done under this key/);
    expect(await level('S1')).toBe(a0 - 3);
    const open = await cli(['stock', 'transfer', 'list', '--store', 'S2', '--direction', 'in', '--state', 'open'], env);
    expect(open.code, open.err).toBe(0);
    expect(open.out).toMatch(new RegExp(`^Transfer ${id} {2}S1 -> S2 {2}in_transit[^\n]*"van"\n {2}MILK {2}shipped 3\n1 transfer\\(s\\)\n$`));
    const over = await cli(['stock', 'transfer', 'receive', String(id), '--item', 'MILK=4'], env);
    expect(over.err).toMatch(/400 OVER_RECEIVED/);
    const got = await cli(['stock', 'transfer', 'receive', String(id), '--item', 'MILK=2', '--note', 'one broken', '--json'], env);
    expect(got.code, got.err).toBe(0);
    expect(JSON.parse(got.out)).toMatchObject({ state: 'received_short', transfer: { lines: [{ sku: 'MILK', shipped: '3', received: '2', short: '1' }] } });
    expect([await level('S1'), await level('S2')]).toEqual([a0 - 3, b0 + 2]);
    expect((await cli(['stock', 'transfer', 'receive', String(id)], env)).err).toMatch(/409 ALREADY_RECEIVED/);
    const second = Number(/^Transfer (\d+)/.exec((await cli(['stock', 'transfer', 'ship', '--from', 'S1', '--to', 'S2', '--item', 'MILK=1'], env)).out)?.[1]);
    const cancelled = await cli(['stock', 'transfer', 'cancel', String(second), '--note', 'not needed'], env);
    expect(cancelled.code, cancelled.err).toBe(0);
    expect(cancelled.out).toMatch(new RegExp(`^Transfer ${second} {2}S1 -> S2 {2}cancelled`));
    expect(await level('S1')).toBe(a0 - 3);
    expect((await cli(['stock', 'transfer', 'cancel', 'x'], env)).err).toMatch(/transfer id/);
  });

  it('terminals list shows every register with its status', async () => {
    const r = await cli(['terminals', 'list', '--hub-url', hub.url, '--token', ADMIN_TOKEN]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^store\s+terminal\s+status/);
    expect(r.out).toMatch(/S1\s+S1-T1\s+online/);
    const j = JSON.parse((await cli(['terminals', 'list', '--store', 'S1', '--json', '--hub-url', hub.url, '--token', ADMIN_TOKEN])).out);
    expect(j.terminals).toEqual([expect.objectContaining({ terminal_id: 'S1-T1', online: true, app_version: 'test' })]);
  });
});
