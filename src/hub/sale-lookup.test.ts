import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MSG } from '../core/protocol';
import type { SaleCompletedPayload } from '../core/events';
import { buildRefund } from '../core/sale';
import { openTestDb, testBackends, type TestDb } from './testing/test-db';
import { enrollRegister, seedStore, startTestHub } from './testing/hub-fixture';
import type { HubHandle } from './server';
import type { RegisterSim } from './testing/register-sim';

// 'sale.lookup': a register finds another register's sale of its store, with the returns
// already made against it anywhere in the store; never a sale of another store.
describe.each(testBackends())('sale.lookup on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  const regs: Record<string, RegisterSim> = {};
  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedStore(t.db, 'A', { X: 10 }, ['north']);
    await seedStore(t.db, 'B', { X: 10 }, ['north']);
    hub = await startTestHub(t.db);
    for (const [store, term] of [['A', 'A-1'], ['A', 'A-2'], ['B', 'B-1']] as const) {
      const r = await enrollRegister(t.db, store, term);
      await r.connect(hub.url);
      regs[term] = r;
    }
  });
  afterAll(async () => {
    for (const r of Object.values(regs)) r.close();
    await hub?.close();
    await t?.dispose();
  });

  it('answers the sale and the store-wide returns, only to registers of the same store', async () => {
    const a1 = regs['A-1']!;
    const a2 = regs['A-2']!;
    const sold = a1.sell([{ sku: 'X', units: 3, unit_price: 500 }]);
    expect(await a1.push([sold])).toMatchObject({ ok: true, applied_through: 1 });
    const sale = sold.payload as unknown as SaleCompletedPayload;

    const before = await a2.request(MSG.saleLookup, { receipt_no: 'A-1-000001' });
    expect(before).toMatchObject({ ok: true, found: true, receipt_no: 'A-1-000001', refunds: [], post_void: null });
    expect(before.sale.sale_id).toBe(sale.sale_id);

    const refund = buildRefund(sale, [], {
      refund_id: randomUUID(), store_id: 'A', terminal_id: 'A-2', shift_id: randomUUID(), cashier_id: 'c1', reason: 'changed mind',
      lines: [{ original_line_id: sale.lines[0]!.line_id, quantity: { units: 1, scale: 0 } }], refund_to: 'original',
    }, { actor: { cashier_id: 'c1', permissions: ['sale.refund'] }, now: new Date().toISOString() });
    if (!refund.ok) throw new Error(refund.error.message);
    expect(await a2.push([a2.append('sale.refunded', refund.payload as unknown as Record<string, unknown>)])).toMatchObject({ ok: true, applied_through: 1, rejected: [] });

    const after = await a1.request(MSG.saleLookup, { receipt_no: 'A-1-1' });
    expect(after.found).toBe(true);
    expect(after.refunds.map((r: { refund_id: string }) => r.refund_id)).toEqual([refund.payload.refund_id]);

    // Another store's register sees nothing, and an unknown receipt is not found.
    expect(await regs['B-1']!.request(MSG.saleLookup, { receipt_no: 'A-1-000001' })).toEqual({ ok: true, found: false });
    expect(await a2.request(MSG.saleLookup, { receipt_no: 'A-1-000099' })).toEqual({ ok: true, found: false });
    expect(await a2.request(MSG.saleLookup, { receipt_no: "A-1'; DROP TABLE x; --" })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await a2.request(MSG.saleLookup, { receipt_no: 'A-1-000001', extra: 1 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });
});
