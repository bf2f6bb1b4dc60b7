import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MSG } from '../core/protocol';
import { defaultChart } from '../core/ledger/default-charts';
import { openTestDb, testBackends, type TestDb } from './testing/test-db';
import { checkInvariants, enrollRegister, seedStore, startTestHub } from './testing/hub-fixture';
import { coreProcessor } from './core-processor';
import type { EventProcessor } from './processor';
import type { Db } from './db/db';
import type { Loose } from './testing/loose';
import { salePayload } from './testing/register-sim';
import { EXAMPLE_SALE_COMPLETED, EXAMPLE_SALE_REFUNDED } from '../core/events';

const OPENING = { S: { A: 100, 'MILK-1L': 10, 'TSHIRT-M': 10 } };

/** Core's processor, except that a sale by cashier "unbalanced" posts an entry 1 cent short on the credit side. */
function unbalancingProcessor(): EventProcessor {
  const core = coreProcessor(defaultChart('us'));
  return {
    ...core,
    post(e, original) {
      const entries = core.post(e, original);
      if ((e.payload as { cashier_id?: string }).cashier_id !== 'unbalanced') return entries;
      return entries.map((en) => {
        const i = en.lines.findIndex((l) => l.credit > 1);
        return { ...en, lines: en.lines.map((l, j) => (j === i ? { ...l, credit: l.credit - 1 } : l)) };
      });
    },
  };
}

describe.each(testBackends())('ingest robustness on $name', (backend) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedStore(t.db, 'S', OPENING.S);
  });
  afterAll(async () => t?.dispose());

  it('the database refuses an unbalanced entry; the batch falls back to per-event and only that event is rejected', async () => {
    const hub = await startTestHub(t.db, { processor: unbalancingProcessor() });
    const r = await enrollRegister(t.db, 'S', 'S-1');
    try {
      await r.connect(hub.url);
      const e1 = r.sell([{ sku: 'A', units: 1, unit_price: 300 }]);
      const broken = r.append('sale.completed', { ...salePayload('S', 'S-1', [{ sku: 'A', units: 1, unit_price: 300 }]), cashier_id: 'unbalanced' });
      const e3 = r.sell([{ sku: 'A', units: 2, unit_price: 300 }]);
      const events = [e1, broken, e3];
      const ack = await r.push(events);
      expect(ack.ok).toBe(true);
      expect(ack.applied_through).toBe(3);
      expect(ack.rejected).toHaveLength(1);
      expect(ack.rejected[0]).toMatchObject({ seq: 2, code: 'POSTING_FAILED' });
      expect(ack.rejected[0].reason).toMatch(/does not balance/);
      const stored = await t.db.query<{ seq: number }>(`SELECT seq::int AS seq FROM journal_events ORDER BY seq`);
      expect(stored.rows.map((x) => x.seq)).toEqual([1, 3]);
      const inv = await checkInvariants(t.db, OPENING);
      expect(inv.balanced).toBe(true);
      expect(inv.stock.S!.A).toBe(100 - 1 - 2);
      expect(inv.mismatches).toEqual([]);
    } finally {
      r.close();
      await hub.close();
    }
  });

  it('close() lets an in-flight batch finish and ack; new requests meanwhile get UNAVAILABLE', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    let gated = false;
    // The hub's db, with the next ingest transaction held at the door until the test lets it in.
    const db: Db = {
      ...t.db,
      kind: t.db.kind,
      query: (s, p) => t.db.query(s, p),
      exec: (s) => t.db.exec(s),
      close: async () => undefined,
      transaction: async (fn) => {
        if (gated) {
          gated = false;
          entered();
          await gate;
        }
        return t.db.transaction(fn);
      },
    };
    const hub = await startTestHub(db, { schedulerIntervalMs: 3_600_000 }); // no scheduler transactions to trip the gate
    const r = await enrollRegister(t.db, 'S', 'S-2');
    await r.connect(hub.url);
    const events = Array.from({ length: 5 }, () => r.sell([{ sku: 'A', units: 1, unit_price: 100 }]));
    gated = true;
    const pending = r.push(events);
    await inside;
    const closing = hub.close();
    const refused: Loose = await r.request(MSG.pullChanges, { after_cursor: 0, limit: 10 });
    expect(refused).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    release();
    expect(await pending).toEqual({ ok: true, applied_through: 5, rejected: [] });
    await closing;
    r.close();
    const n = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM journal_events WHERE terminal_id = 'S-2'`);
    expect(n.rows[0]!.n).toBe(5);
  });

  it('a refund adjusts and a post-void reverses the stored sale entry; stock comes back', async () => {
    const hub = await startTestHub(t.db);
    const r = await enrollRegister(t.db, 'S', 'S-3');
    try {
      await r.connect(hub.url);
      const own = { store_id: 'S', terminal_id: 'S-3' };
      const sale = r.append('sale.completed', { ...EXAMPLE_SALE_COMPLETED, ...own });
      const refund = r.append('sale.refunded', { ...EXAMPLE_SALE_REFUNDED, ...own });
      const sale2Payload = salePayload('S', 'S-3', [{ sku: 'A', units: 3, unit_price: 250 }]);
      const sale2 = r.append('sale.completed', sale2Payload as unknown as Record<string, unknown>);
      const voided = r.append('sale.post_voided', {
        post_void_id: crypto.randomUUID(),
        sale_id: sale2Payload.sale_id,
        ...own,
        shift_id: sale2Payload.shift_id,
        cashier_id: 'emp-1',
        approved_by: 'mgr-1',
        reason: 'Rang up twice',
        original: sale2Payload,
        voided_at: '2026-11-23T03:10:00.000Z',
      });
      // Sale and refund in one batch, sale and post-void in the next: originals come from the batch or the database.
      expect(await r.push([sale, refund, sale2])).toMatchObject({ ok: true, applied_through: 3, rejected: [] });
      expect(await r.push([voided])).toMatchObject({ ok: true, applied_through: 4, rejected: [] });
      const links = await t.db.query<{ entry_id: string; adjusts: string | null; reverses: string | null }>(
        `SELECT entry_id, adjusts, reverses FROM ledger_entries WHERE terminal_id = 'S-3' ORDER BY seq`,
      );
      expect(links.rows).toEqual([
        { entry_id: `sale-${EXAMPLE_SALE_COMPLETED.sale_id}`, adjusts: null, reverses: null },
        { entry_id: `refund-${EXAMPLE_SALE_REFUNDED.refund_id}`, adjusts: `sale-${EXAMPLE_SALE_COMPLETED.sale_id}`, reverses: null },
        { entry_id: `sale-${sale2Payload.sale_id}`, adjusts: null, reverses: null },
        { entry_id: expect.stringMatching(/^postvoid-/), adjusts: null, reverses: `sale-${sale2Payload.sale_id}` },
      ]);
      // The post-void nets every account of the voided sale to zero.
      const net = await t.db.query<{ account: string; net: string }>(
        `SELECT l.account, sum(l.debit - l.credit)::text AS net FROM ledger_lines l JOIN ledger_entries e USING (entry_id)
          WHERE e.entry_id = $1 OR e.reverses = $1 GROUP BY l.account`,
        [`sale-${sale2Payload.sale_id}`],
      );
      for (const row of net.rows) expect(row.net).toBe('0');
      const inv = await checkInvariants(t.db, OPENING);
      expect(inv.balanced).toBe(true);
      expect(inv.mismatches).toEqual([]);
      expect(inv.stock.S!['TSHIRT-M']).toBe(10); // sold 1, refunded with restock
      expect(inv.stock.S!['MILK-1L']).toBe(8);
    } finally {
      r.close();
      await hub.close();
    }
  });

  it('a review hold that fails the posting check rejects its event (POSTING_FAILED), not the batch', async () => {
    await seedStore(t.db, 'R', { A: 100 });
    await t.db.query(`UPDATE stores SET review_rules = $1 WHERE store_id = 'R'`, [JSON.stringify({ duplicate_sale: { window_seconds: 300 } })]);
    const core = coreProcessor(defaultChart('us'));
    const badHold: EventProcessor = {
      ...core,
      holdForReview(entry, why) {
        const hold = core.holdForReview!(entry, why);
        return hold && { ...hold, lines: hold.lines.slice(0, 1) }; // fails the posting check (one line)
      },
    };
    const hub = await startTestHub(t.db, { processor: badHold });
    const r = await enrollRegister(t.db, 'R', 'R-1');
    try {
      await r.connect(hub.url);
      const first = r.sell([{ sku: 'A', units: 1, unit_price: 300 }]);
      const twice = r.sell([{ sku: 'A', units: 1, unit_price: 300 }]); // the same basket: flagged duplicate_sale
      const ack = await r.push([first, twice]);
      expect(ack).toMatchObject({ ok: true, applied_through: 2 });
      expect(ack.rejected).toEqual([expect.objectContaining({ seq: 2, code: 'POSTING_FAILED' })]);
      // Refused by the posting check in the batch itself, not by the per-event retry's "database refused" fallback.
      expect(ack.rejected[0].reason).toMatch(/:hold has fewer than two lines/);
      expect(ack.rejected[0].reason).not.toMatch(/^database refused/);
      const stored = await t.db.query<{ seq: number }>(`SELECT seq::int AS seq FROM journal_events WHERE terminal_id = 'R-1' ORDER BY seq`);
      expect(stored.rows.map((x) => x.seq)).toEqual([1]);
    } finally {
      r.close();
      await hub.close();
    }
  });
});
