import type { Chart } from '../../../core/ledger/chart';
import { saleArbitraries } from '../../../core/ledger/testing/arbitraries';
import { envelope } from '../../../core/ledger/testing/envelope';
import type { SaleCompletedPayload, SaleRefundedPayload } from '../../../core/events/sale';
import type { JournalEvent } from '../../../core/protocol';
import { sha256Hex } from '../../../core/protocol/sha256';
import { coreProcessor } from '../../core-processor';
import type { Db } from '../../db/db';
import { ingestBatch } from '../../ingest';
import { createStore } from '../../stores';
import { importSettlement } from '../reconcile/store';

// Test helper: a generated month of a small chain's business, as registers would send it.
// Two stores with one register each; every day a shift opens, sales (cash, card with three
// processors, gift cards, US taxes and discounts from core's sale generator), partial
// refunds, post-voids, a cash drop to the bank and the shift close with a small over/short;
// every week each processor's generic settlement file with fees, refunds and one payout.
// Deterministic for a seed. fast-check is handed in, as core's generators want.

type FC = typeof import('fast-check').default;

export interface MonthOptions {
  seed: number;
  /** First day (YYYY-MM-DD, a UTC date) and how many days. */
  start?: string;
  days?: number;
  salesPerDay?: number;
  stores?: readonly string[];
}

export interface GeneratedMonth {
  stores: string[];
  terminals: Array<{ terminal_id: string; store_id: string }>;
  events: Map<string, JournalEvent[]>;
  settlements: Array<{ processor: string; csv: string; name: string }>;
  counts: Record<string, number>;
}

function uuid(...parts: Array<string | number>): string {
  const h = sha256Hex(parts.join('|'));
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

const dec = (minor: number) => `${minor < 0 ? '-' : ''}${Math.floor(Math.abs(minor) / 100)}.${String(Math.abs(minor) % 100).padStart(2, '0')}`;

export function generateMonth(fc: FC, opts: MonthOptions): GeneratedMonth {
  const start = opts.start ?? '2026-11-01';
  const days = opts.days ?? 30;
  const perDay = opts.salesPerDay ?? 6;
  const stores = [...(opts.stores ?? ['store-001', 'store-002'])];
  const { saleCompletedArb, partialRefundArb } = saleArbitraries(fc);
  const terminals = stores.map((s) => ({ terminal_id: `${s}-t1`, store_id: s }));
  const events = new Map<string, JournalEvent[]>();
  const counts: Record<string, number> = {};
  // settlement rows per processor and ISO week
  const settle = new Map<string, Array<{ type: string; date: string; ref: string; gross: number; fee: number }>>();
  let seedN = opts.seed;

  for (const term of terminals) {
    const list: JournalEvent[] = [];
    let prev: string | undefined;
    const push = (type: string, payload: Record<string, unknown>, at: string) => {
      const ev = envelope(type, payload, { seq: list.length + 1, occurred_at: at, ...(prev ? { prev_hash: prev } : {}) });
      prev = ev.hash;
      list.push(ev);
      counts[type] = (counts[type] ?? 0) + 1;
    };
    for (let d = 0; d < days; d++) {
      const date = addDays(start, d);
      const at = (h: number, m = 0) => `${date}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00.000Z`;
      const shift_id = uuid('shift', term.terminal_id, date);
      const base = { store_id: term.store_id, terminal_id: term.terminal_id, shift_id };
      push('shift.opened', { shift_id, store_id: term.store_id, terminal_id: term.terminal_id, cashier_id: 'emp-1', currency: 'USD', opening_float: 10_000, opened_at: at(9) }, at(9));
      let cash = 10_000;
      let drawerIn = 0;
      const sales = fc.sample(saleCompletedArb({ currencies: ['USD'], style: 'us', maxLines: 3 }), { seed: seedN++, numRuns: perDay });
      sales.forEach((raw, i) => {
        const sale_id = uuid('sale', term.terminal_id, date, i);
        const sale: SaleCompletedPayload = {
          ...raw,
          ...base,
          sale_id,
          completed_at: at(10 + Math.floor(i / 2), (i % 2) * 30),
          tenders: raw.tenders.map((t) => (t.kind === 'card' ? { ...t, terminal_ref: `REF-${sale_id.slice(0, 8)}-${t.tender_id}` } : t)),
        };
        push('sale.completed', sale as unknown as Record<string, unknown>, sale.completed_at);
        const cashIn = sale.tenders.filter((t) => t.kind === 'cash').reduce((a, t) => a + t.amount, 0);
        const cards = sale.tenders.filter((t) => t.kind === 'card');
        if (i % 7 === 3) {
          // post-voided a few minutes later: nothing reaches the processor's settlement
          push('sale.post_voided', { post_void_id: uuid('void', sale_id), ...base, sale_id, cashier_id: 'emp-1', reason: 'rang up twice', original: sale, voided_at: at(10 + Math.floor(i / 2), (i % 2) * 30 + 5) }, at(10 + Math.floor(i / 2), (i % 2) * 30 + 5));
          return;
        }
        cash += cashIn;
        drawerIn += cashIn;
        for (const c of cards) {
          const proc = (c as { processor: string }).processor;
          const rows = settle.get(proc) ?? [];
          rows.push({ type: 'sale', date: addDays(date, 1), ref: (c as { terminal_ref: string }).terminal_ref, gross: c.amount, fee: Math.round(c.amount * 0.029) + 30 });
          settle.set(proc, rows);
        }
        if (i % 5 === 1) {
          const refund: SaleRefundedPayload = { ...fc.sample(partialRefundArb(sale), { seed: seedN++, numRuns: 1 })[0]!, refund_id: uuid('refund', sale_id), refunded_at: at(17) };
          refund.tenders = refund.tenders.map((t) => (t.kind === 'card' ? { ...t, terminal_ref: `REF-R-${sale_id.slice(0, 8)}` } : t));
          push('sale.refunded', refund as unknown as Record<string, unknown>, at(17, i));
          for (const t of refund.tenders) {
            if (t.kind === 'cash') cash -= t.amount;
            if (t.kind === 'card') {
              const proc = (t as { processor: string }).processor;
              const rows = settle.get(proc) ?? [];
              rows.push({ type: 'refund', date: addDays(date, 1), ref: (t as { terminal_ref: string }).terminal_ref, gross: -t.amount, fee: 0 });
              settle.set(proc, rows);
            }
          }
        }
      });
      const drop = Math.max(0, Math.min(drawerIn, cash - 10_000));
      if (drop > 0) {
        push('shift.cash_moved', { movement_id: uuid('drop', term.terminal_id, date), ...base, cashier_id: 'emp-1', currency: 'USD', kind: 'drop', amount: drop, reason: `Bag ${String(100_000 + d * 10 + terminals.indexOf(term)).padStart(6, '0')} to bank`, account_hint: 'bank', moved_at: at(18) }, at(18));
        cash -= drop;
      }
      const variance = ((d * 7 + terminals.indexOf(term)) % 11) - 5;
      const counted = Math.max(0, cash + variance);
      push(
        'shift.closed',
        {
          ...base, cashier_id: 'emp-1', currency: 'USD', opened_at: at(9), closed_at: at(19), opening_float: 10_000, expected_cash: cash, counted_cash: counted, variance: counted - cash,
          tenders: [], sales_count: sales.length, refunds_count: 0, post_voids_count: 0, voids_count: 0, no_sales_count: 0, drops_total: drop, paid_in_total: 0, paid_out_total: 0, unsynced_count: 0, oldest_unsynced_at: null,
        },
        at(19),
      );
    }
    events.set(term.terminal_id, list);
  }

  // Weekly generic settlement files per processor: lines, a monthly fee in the last one, one payout each.
  const settlements: GeneratedMonth['settlements'] = [];
  for (const [proc, rows] of [...settle.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (let w = 0; w * 7 < days + 1; w++) {
      const from = addDays(start, w * 7);
      const to = addDays(start, w * 7 + 6);
      const week = rows.filter((r) => r.date >= from && r.date <= to);
      if (week.length === 0) continue;
      const payoutId = `PO-${proc}-${from}`;
      const payoutDate = addDays(to, 2);
      const out = ['type,transaction_date,reference,merchant_reference,currency,gross,fee,net,payout_id,payout_date,description'];
      let net = 0;
      for (const r of week) {
        out.push(`${r.type},${r.date},${r.ref},,USD,${dec(r.gross)},${dec(r.fee)},${dec(r.gross - r.fee)},${payoutId},,`);
        net += r.gross - r.fee;
      }
      if ((w + 1) * 7 >= days) {
        out.push(`fee,${to},,,USD,,9.99,-9.99,${payoutId},,monthly fee`);
        net -= 999;
      }
      out.push(`payout,${payoutDate},,,USD,,,${dec(net)},${payoutId},${payoutDate},`);
      settlements.push({ processor: proc, csv: `${out.join('\n')}\n`, name: `${proc}-week-${w + 1}.csv` });
    }
  }
  return { stores, terminals, events, settlements, counts };
}

/** Creates the stores and registers, ingests every register's events and imports the settlements. */
export async function loadMonth(db: Db, chart: Chart, month: GeneratedMonth): Promise<void> {
  for (const s of month.stores) await createStore(db, { store_id: s, name: s, currency: 'USD' });
  for (const t of month.terminals) await db.query(`INSERT INTO terminals (terminal_id, store_id) VALUES ($1, $2)`, [t.terminal_id, t.store_id]);
  const processor = coreProcessor(chart);
  for (const t of month.terminals) {
    const list = month.events.get(t.terminal_id)!;
    for (let i = 0; i < list.length; i += 200) {
      const r = await ingestBatch(db, { terminal_id: t.terminal_id, store_id: t.store_id, processor }, list.slice(i, i + 200));
      if (r.rejected.length > 0) throw new Error(`generated events rejected: ${r.rejected.slice(0, 3).map((x) => `${x.seq} ${x.code} ${x.reason}`).join('; ')}`);
    }
  }
  for (const s of month.settlements) await importSettlement(db, chart, { bytes: Buffer.from(s.csv), format: 'generic', processor: s.processor, by: 'finance@hq', file_name: s.name });
}
