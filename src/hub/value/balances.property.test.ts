import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultChart } from '../../core/ledger/default-charts';
import type { JournalEvent } from '../../core/protocol';
import { coreProcessor } from '../core-processor';
import { ingestBatch } from '../ingest';
import { openTestDb, testBackends, type TestDb } from '../testing/test-db';
import { enrollRegister, seedStore } from '../testing/hub-fixture';
import { salePayload, type RegisterSim } from '../testing/register-sim';
import { reconcileValue } from './reconcile';
import { reserve } from './reservations';
import { giftCardSale, goodsSale, newId } from './testing';
import { adjustValue, ValueAdjustmentError } from './adjust';
import { trialBalance } from '../ledger-queries';

// Property: for any interleaving of loads, earns, redemptions (reserved online, or offline),
// refunds onto a card, HQ's manual adjustments (each sent twice under its key) and retries of
// batches from two registers, every card's balance is the
// sum of what was journalled, equals the sum of its movements, does not change when any
// batch is sent again, no reservation stays held, and the ledger's gift card and points
// liabilities equal the sums of the balances, and the trial balance is zero.

const chart = defaultChart('us');
const processor = coreProcessor(chart);
const RUNS = Number(process.env.VALUE_PROPERTY_RUNS ?? 4);

type Op =
  | { t: 0 | 1; kind: 'load'; card: number; amount: number }
  | { t: 0 | 1; kind: 'redeem'; card: number; amount: number; offline: boolean }
  | { t: 0 | 1; kind: 'refund'; card: number; amount: number }
  | { t: 0 | 1; kind: 'earn'; customer: number; points: number }
  | { t: 0 | 1; kind: 'spend'; customer: number; points: number; offline: boolean }
  | { t: 0 | 1; kind: 'adjust'; target: number; amount: number }
  | { t: 0 | 1; kind: 'push'; n: number }
  | { t: 0 | 1; kind: 'resend' };

const term = fc.constantFrom<0 | 1>(0, 1);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: term, kind: fc.constant('load' as const), card: fc.nat(2), amount: fc.integer({ min: 1, max: 5000 }) }),
  fc.record({ t: term, kind: fc.constant('redeem' as const), card: fc.nat(2), amount: fc.integer({ min: 1, max: 4000 }), offline: fc.boolean() }),
  fc.record({ t: term, kind: fc.constant('refund' as const), card: fc.nat(2), amount: fc.integer({ min: 1, max: 2000 }) }),
  fc.record({ t: term, kind: fc.constant('earn' as const), customer: fc.nat(1), points: fc.integer({ min: 1, max: 500 }) }),
  fc.record({ t: term, kind: fc.constant('spend' as const), customer: fc.nat(1), points: fc.integer({ min: 1, max: 400 }), offline: fc.boolean() }),
  // target 0-2: a card, 3-4: a customer's points; negative ones may be refused (not below zero).
  fc.record({ t: term, kind: fc.constant('adjust' as const), target: fc.nat(4), amount: fc.integer({ min: -3000, max: 3000 }).filter((n) => n !== 0) }),
  fc.record({ t: term, kind: fc.constant('push' as const), n: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ t: term, kind: fc.constant('resend' as const) }),
);

function refundOnto(store: string, terminal: string, card: string, amount: number): Record<string, unknown> {
  const sale = salePayload(store, terminal, [{ sku: 'X', units: 1, unit_price: amount }]);
  const line = { ...sale.lines[0]!, original_line_id: 'L1' };
  return {
    refund_id: newId(), original_sale_id: newId(), store_id: store, terminal_id: terminal, shift_id: sale.shift_id, cashier_id: 'emp-1',
    reason: 'returned', currency: 'USD', lines: [line], totals: sale.totals, tax_breakdown: [],
    tenders: [{ tender_id: 'R1', kind: 'gift_card', gift_card_id: card, amount }], restock: false, refunded_at: new Date().toISOString(),
  };
}

describe.each(testBackends())('gift card and points balances under any interleaving on $name', (backend) => {
  let t: TestDb;
  const regs: RegisterSim[] = [];
  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedStore(t.db, 'P', {});
    regs.push(await enrollRegister(t.db, 'P', 'P-1'), await enrollRegister(t.db, 'P', 'P-2'));
  });
  afterAll(async () => t?.dispose());

  const balances = async (ids: string[]) => {
    const { rows } = await t.db.query<{ account_id: string; balance: string; held: string; moved: string }>(
      `SELECT a.account_id, a.balance::text AS balance, a.held::text AS held,
              (SELECT coalesce(sum(m.amount), 0) FROM value_movements m WHERE m.account_id = a.account_id)::text AS moved
         FROM value_accounts a WHERE a.account_id = ANY($1::text[])`,
      [ids],
    );
    return Object.fromEntries(rows.map((r) => [r.account_id, { balance: Number(r.balance), held: Number(r.held), moved: Number(r.moved) }]));
  };

  it('balance = Σ applied movements, unchanged by duplicates; liability = Σ balances', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 16 }), async (ops) => {
        run += 1;
        const cards = [0, 1, 2].map((i) => `R${run}X${Date.now() % 100000}-${i}`);
        const customers = [newId(), newId()];
        for (const c of customers) await t.db.query(`INSERT INTO customers (customer_id, name, origin_store_id, created_by) VALUES ($1, 'Prop', 'P', 'test')`, [c]);
        const expected = new Map<string, number>();
        const add = (acct: string, v: number) => expected.set(acct, (expected.get(acct) ?? 0) + v);
        const pending: JournalEvent[][] = [[], []];
        const pushed: JournalEvent[][][] = [[], []];
        const push = async (i: 0 | 1, events: JournalEvent[], resend = false) => {
          if (events.length === 0) return;
          const r = await ingestBatch(t.db, { terminal_id: regs[i]!.terminalId, store_id: 'P', processor }, events);
          expect(r.rejected).toEqual([]);
          if (!resend) pushed[i]!.push(events);
        };
        const t0 = Date.now();
        if (process.env.VALUE_PROPERTY_DEBUG) console.log(`run ${run}: ${ops.length} ops`);
        for (const op of ops) {
          if (process.env.VALUE_PROPERTY_DEBUG) console.log(`  ${Date.now() - t0}ms ${op.kind} t${op.t}`);
          const reg = regs[op.t]!;
          const who = { store_id: 'P', terminal_id: reg.terminalId, currency: 'USD' };
          const journal = (type: string, payload: object) => pending[op.t]!.push(reg.append(type, payload as Record<string, unknown>));
          switch (op.kind) {
            case 'load':
              journal('sale.completed', giftCardSale('P', reg.terminalId, cards[op.card]!, op.amount));
              add(`gift:${cards[op.card]}`, op.amount);
              break;
            case 'refund':
              journal('sale.refunded', refundOnto('P', reg.terminalId, cards[op.card]!, op.amount));
              add(`gift:${cards[op.card]}`, op.amount);
              break;
            case 'earn':
              journal('sale.completed', goodsSale('P', reg.terminalId, 1000, { loyalty: { customer_id: customers[op.customer]!, points_earned: op.points } }));
              add(`points:${customers[op.customer]}`, op.points);
              break;
            case 'redeem': {
              const sale_id = newId();
              const card = cards[op.card]!;
              // Online, the register spends the card only when the hub reserved it; offline it spends it anyway.
              const ok = op.offline || (await reserve(t.db, who, { sale_id, tender_id: 'G1', account: { kind: 'gift_card', gift_card_id: card }, amount: op.amount })).status === 'held';
              journal('sale.completed', goodsSale('P', reg.terminalId, 5000, ok ? { sale_id, gift: [{ id: card, amount: op.amount, offline: op.offline }] } : { sale_id }));
              if (ok) add(`gift:${card}`, -op.amount);
              break;
            }
            case 'spend': {
              const sale_id = newId();
              const c = customers[op.customer]!;
              const ok = op.offline || (await reserve(t.db, who, { sale_id, tender_id: 'P1', account: { kind: 'points', customer_id: c }, amount: op.points })).status === 'held';
              journal('sale.completed', goodsSale('P', reg.terminalId, 5000, ok ? { sale_id, points: { customer_id: c, points: op.points, offline: op.offline } } : { sale_id }));
              if (ok) add(`points:${c}`, -op.points);
              break;
            }
            case 'adjust': {
              const target = op.target < 3 ? ({ kind: 'gift_card', gift_card_id: cards[op.target]! } as const) : ({ kind: 'points', customer_id: customers[op.target - 3]! } as const);
              const req = { key: `prop-${newId()}`, amount: op.amount, reason: 'property', currency: 'USD' };
              try {
                const first = await adjustValue(t.db, chart, target, req, { user_id: 'hq-prop' });
                expect(first.applied).toBe(true);
                const again = await adjustValue(t.db, chart, target, req, { user_id: 'hq-prop' });
                expect({ ...again, applied: true }).toEqual(first);
                add(first.account_id, op.amount);
              } catch (e) {
                if (!(e instanceof ValueAdjustmentError) || !['INSUFFICIENT_BALANCE', 'NOT_FOUND'].includes(e.code) || op.amount > 0) throw e;
              }
              break;
            }
            case 'push':
              await push(op.t, pending[op.t]!.splice(0, op.n));
              break;
            case 'resend': {
              const earlier = pushed[op.t]!;
              if (earlier.length) await push(op.t, earlier[earlier.length - 1]!, true);
              break;
            }
          }
        }
        for (const i of [0, 1] as const) await push(i, pending[i]!.splice(0));
        const ids = [...expected.keys()];
        const before = await balances(ids);
        for (const id of ids) {
          expect(before[id], id).toEqual({ balance: expected.get(id), held: 0, moved: expected.get(id) });
        }
        // Every batch again, in any order: nothing changes.
        for (const i of [1, 0] as const) for (const batch of pushed[i]!) await push(i, batch, true);
        expect(await balances(ids)).toEqual(before);
        const r = await reconcileValue(t.db, { gift_card: '2100', points: '2110' });
        expect(r.drift).toEqual([]);
        expect(r.gift_cards.every((g) => g.difference === 0)).toBe(true);
        expect(r.points?.difference).toBe(0);
        expect((await trialBalance(t.db)).balanced).toBe(true);
        const held = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM value_reservations WHERE status = 'held'`);
        expect(held.rows[0]!.n).toBe(0);
      }),
      { numRuns: RUNS, endOnFailure: !process.env.VALUE_PROPERTY_SHRINK },
    );
  }, 600_000);
});
