import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, testBackends, type TestDb } from '../../src/hub/testing/test-db';
import { checkInvariants, enrollRegister, seedStore, startTestHub } from '../../src/hub/testing/hub-fixture';
import type { RegisterSim } from '../../src/hub/testing/register-sim';
import type { HubHandle } from '../../src/hub/server';
import { ingestBatch } from '../../src/hub/ingest';
import { versionedProcessor } from '../../src/hub/core-processor';
import { PostingMaps } from '../../src/hub/books/posting-map';
import { defaultChart } from '../../src/core/ledger/default-charts';

// Ingest locks late (ingest.ts applyEvents): the registers of one store apply their batches
// side by side and meet only on the rows they share (sales figures, stock levels in SKU order,
// the store's change cursor), taken at the end of each batch. These tests push at once from
// several registers of one store selling the same SKUs, and from two "hubs" with the same
// batch, and check that nothing is lost or doubled and every level is exact.

const SKUS = ['A', 'B', 'C', 'D', 'E'];
const OPENING = { S: { A: 40, B: 40, C: 40, D: 40, E: 5 } };

describe.each(testBackends())('concurrent ingest of one store on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedStore(t.db, 'S', OPENING.S);
    hub = await startTestHub(t.db);
  });
  afterAll(async () => {
    await hub?.close();
    await t?.dispose();
  });

  it('three registers with overlapping SKUs pushing at once: every sale applied once, levels exact, stock changes in cursor order', async () => {
    const regs: RegisterSim[] = [];
    for (let i = 0; i < 3; i++) regs.push(await enrollRegister(t.db, 'S', `S-${i}`));
    for (const r of regs) await r.connect(hub.url);
    const sold: Record<string, number> = {};
    // Each register sells every SKU in its own order (the lock order must not depend on it); E runs out.
    for (const [i, r] of regs.entries()) {
      for (let n = 0; n < 60; n++) {
        const a = SKUS[(n + i) % SKUS.length]!;
        const b = SKUS[(n * 2 + i + 1) % SKUS.length]!;
        r.sell([{ sku: a, units: 1, unit_price: 100 }, { sku: b, units: 2, unit_price: 50 }]);
        sold[a] = (sold[a] ?? 0) + 1;
        sold[b] = (sold[b] ?? 0) + 2;
      }
    }
    await Promise.all(
      regs.map(async (r) => {
        for (let i = 0; i < r.journal.length; i += 7) {
          const ack = (await r.push(r.journal.slice(i, i + 7), 120_000)) as { ok: boolean; applied_through: number; rejected: unknown[] };
          expect(ack).toMatchObject({ ok: true, applied_through: Math.min(i + 7, r.journal.length), rejected: [] });
        }
      }),
    );
    for (const r of regs) r.close();

    const inv = await checkInvariants(t.db, OPENING);
    expect(inv.balanced).toBe(true);
    expect(inv.duplicates).toBe(0);
    expect(inv.mismatches).toEqual([]);
    for (const sku of SKUS) expect(inv.stock.S![sku]).toBe(OPENING.S[sku as keyof typeof OPENING.S] - sold[sku]!);
    const events = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM journal_events`);
    expect(events.rows[0]!.n).toBe(180);
    const entries = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_entries`);
    expect(entries.rows[0]!.n).toBe(180);
    const figures = await t.db.query<{ n: number }>(`SELECT sum(sales_count)::int AS n FROM sales_daily WHERE store_id = 'S'`);
    expect(figures.rows[0]!.n).toBe(180);

    // The change log: gap-free cursors, and the newest stock change naming a SKU carries its
    // final level (the store row is locked after the stock rows, so cursor order is commit order).
    const log = await t.db.query<{ cursor: number; kind: string; payload: { levels?: Array<{ sku: string; on_hand: { units: number; scale: number } }> } }>(
      `SELECT cursor, kind, payload FROM change_log WHERE store_id = 'S' ORDER BY cursor`,
    );
    log.rows.forEach((r, i) => expect(Number(r.cursor)).toBe(i + 1));
    const lastLevel = new Map<string, number>();
    for (const r of log.rows) if (r.kind === 'stock') for (const l of r.payload.levels ?? []) lastLevel.set(l.sku, l.on_hand.units / 10 ** l.on_hand.scale);
    for (const sku of SKUS) expect(lastLevel.get(sku)).toBe(inv.stock.S![sku]);
    expect(log.rows.some((r) => r.kind === 'oversell')).toBe(true);
  });

  it('the same batch given to two hubs at once is applied exactly once', async () => {
    const r = await enrollRegister(t.db, 'S', 'S-twice');
    for (let n = 0; n < 30; n++) r.sell([{ sku: SKUS[n % 4]!, units: 1, unit_price: 100 }]);
    const processor = versionedProcessor(new PostingMaps(defaultChart('us')));
    const ctx = { terminal_id: r.terminalId, store_id: 'S', processor };
    const before = await checkInvariants(t.db, OPENING);
    const [a, b] = await Promise.all([ingestBatch(t.db, ctx, r.journal), ingestBatch(t.db, ctx, [...r.journal])]);
    expect([a.applied_through, b.applied_through]).toEqual([30, 30]);
    expect(a.rejected).toEqual([]);
    expect(b.rejected).toEqual([]);
    expect(a.applied.length + b.applied.length).toBe(30);
    const after = await checkInvariants(t.db, OPENING);
    expect(after.balanced).toBe(true);
    expect(after.duplicates).toBe(0);
    expect(after.mismatches).toEqual([]);
    // 30 sales over A-D in turn: A and B 8 each, C and D 7 each.
    [8, 8, 7, 7].forEach((n, k) => expect(after.stock.S![SKUS[k]!]).toBe(before.stock.S![SKUS[k]!]! - n));
  });
});
