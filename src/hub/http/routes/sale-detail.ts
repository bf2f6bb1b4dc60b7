import { z } from 'zod';
import type { RouteModule } from '../app';
import { allowedStore, userOf } from '../auth';
import { errorBodySchema, HttpError } from '../errors';
import { jsonObject, toIso } from '../schemas';
import { EVENT_COLUMNS, eventRow, toEventRow } from './events';
import { entryIds } from '../../../core/ledger';
import { saleReceipt } from '../../sale-receipt';
import { saleAdjustments } from '../../books/corrections/sale-adjustments';

// The sales explorer's detail: one journal event down to its ledger entries, with its place
// in the terminal's hash chain, and what it is linked to (a sale's returns and post-void, a
// return's or post-void's original sale), and the receipt the register printed for it; and
// the corrections the books made to its entries since (books/corrections/sale-adjustments.ts).

const ledgerLine = z.object({ account: z.string(), currency: z.string(), debit: z.number(), credit: z.number(), dimensions: jsonObject });
const ledgerEntry = z.object({
  entry_id: z.string(),
  date: z.string(),
  memo: z.string(),
  reverses: z.string().nullable(),
  adjusts: z.string().nullable(),
  posted_at: z.string(),
  lines: z.array(ledgerLine),
});
const adjustmentChange = z.object({
  kind: z.enum(['tender', 'store', 'account', 'removed']),
  from: z.string().nullable().describe('tender kind, store id or account code before'),
  to: z.string().nullable().describe('tender kind, store id or account code after'),
  from_account: z.string().optional().describe('for a tender: the account of the tender before'),
  to_account: z.string().optional().describe('for a tender: the account of the tender after'),
  amount: z.number().describe('minor units moved'),
  currency: z.string(),
});
const adjustment = z.object({
  entry_id: z.string(),
  adjusts: z.string().describe('the ledger entry it corrects (one of `ledger`)'),
  date: z.string(),
  memo: z.string(),
  posted_at: z.string(),
  source: z
    .object({ import_id: z.number(), batch_id: z.number(), format: z.string(), file_name: z.string(), imported_by: z.string(), imported_at: z.string() })
    .nullable()
    .describe('the corrections import that posted it (docs/books.md)'),
  changes: z.array(adjustmentChange).describe('what it changed in operational terms: tender card → cash, store A → store B, account X → Y, removed'),
  lines: z.array(ledgerLine),
});
const detailReply = z.object({
  event: eventRow,
  payload: jsonObject.describe('the event payload as journalled (lines, taxes, tenders with masked card numbers)'),
  chain: z.object({ seq: z.number(), prev_hash: z.string(), hash: z.string(), terminal_applied_through: z.number() }),
  ledger: z.array(ledgerEntry),
  adjustments: z.array(adjustment).describe("corrections imported from the accounting tool that adjust this event's ledger entries, oldest first; the event and its entries stay as the register recorded them"),
  books: z
    .object({
      stores: z.array(z.object({ store_id: z.string(), amount: z.number(), currency: z.string() })),
      tenders: z.array(z.object({ tender: z.string(), amount: z.number(), currency: z.string() })),
    })
    .nullable()
    .describe('with adjustments: the stores and tenders the books hold for it after them (null without adjustments: as sold)'),
  original: eventRow.nullable().describe('for a refund or post-void: the sale it reverses (null if the hub has no such sale, e.g. a no-receipt return)'),
  reversals: z.array(eventRow).describe('for a sale: its refunds and post-void'),
  receipt: z
    .object({ receipt_no: z.string(), kind: z.enum(['sale', 'refund']), text: z.string().describe('42 columns, as the register prints on an 80 mm printer') })
    .nullable()
    .describe(
      "for a sale or refund: its receipt as the register printed it, rebuilt with the register's receipt code from the payload and the store's name and receipt lines in effect at the sale; the cashier by the name the register gave in its hello (the id from a register that never did), and the balance lines the register asked of the hub are left out (docs/hq.md)",
    ),
});

const MAX_REVERSALS = 200;

export const saleDetailRoutes: RouteModule = (app, deps) => {
  app.get('/api/sales/:event_id', {
    config: { auth: 'user' },
    schema: {
      tags: ['events'],
      summary: 'One journal event (a sale, refund, post-void or any other) with its payload, hash chain position, ledger entries and linked sales',
      security: [{ bearer: [] }],
      params: z.object({ event_id: z.uuid() }),
      response: { 200: detailReply, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req) => {
      const u = userOf(req);
      const db = deps.db;
      const { rows } = await db.query<Record<string, unknown>>(
        `SELECT ${EVENT_COLUMNS}, e.payload, e.prev_hash, e.hash, t.applied_through::text AS applied_through
           FROM journal_events e JOIN terminals t ON t.terminal_id = e.terminal_id WHERE e.event_id = $1`,
        [req.params.event_id],
      );
      const e = rows[0];
      if (!e) throw new HttpError(404, 'NOT_FOUND', `no journal event ${req.params.event_id}`, 'event_id');
      allowedStore(u, String(e.store_id), 'event_id');
      const payload = e.payload as Record<string, unknown>;
      const entries = await db.query<{ entry_id: string; date: string; memo: string; reverses: string | null; adjusts: string | null; posted_at: Date }>(
        `SELECT entry_id, to_char(date, 'YYYY-MM-DD') AS date, memo, reverses, adjusts, posted_at FROM ledger_entries WHERE event_id = $1 ORDER BY posted_at, entry_id`,
        [req.params.event_id],
      );
      const lines = entries.rows.length
        ? await db.query<{ entry_id: string; account: string; currency: string; debit: string; credit: string; dimensions: Record<string, unknown> }>(
            `SELECT entry_id, account, currency, debit::text AS debit, credit::text AS credit, dimensions FROM ledger_lines WHERE entry_id = ANY($1::text[]) ORDER BY entry_id, line_no`,
            [entries.rows.map((r) => r.entry_id)],
          )
        : { rows: [] };
      const ledger = entries.rows.map((r) => ({
        ...r,
        posted_at: toIso(r.posted_at)!,
        lines: lines.rows.filter((l) => l.entry_id === r.entry_id).map((l) => ({ account: l.account, currency: l.currency, debit: Number(l.debit), credit: Number(l.credit), dimensions: l.dimensions ?? {} })),
      }));

      const corrected = await saleAdjustments(db, ledger, (await deps.charts.current(db)).chart);

      let original = null;
      let reversals: Array<z.infer<typeof eventRow>> = [];
      const type = String(e.type);
      if (type === 'sale.completed') {
        const rev = await db.query<Record<string, unknown>>(
          `SELECT ${EVENT_COLUMNS} FROM journal_events e
            WHERE e.store_id = $1 AND ((e.type = 'sale.refunded' AND e.payload->>'original_sale_id' = $2) OR (e.type = 'sale.post_voided' AND e.payload->>'sale_id' = $2))
            ORDER BY e.occurred_at, e.terminal_id, e.seq LIMIT ${MAX_REVERSALS}`,
          [e.store_id, String(payload.sale_id ?? '')],
        );
        reversals = rev.rows.map((r) => toEventRow(r as never));
      } else if (type === 'sale.refunded' || type === 'sale.post_voided') {
        // The sale's ledger entry id is derived from its sale_id (core's postEvent), so the primary key finds it.
        const saleId = String((type === 'sale.refunded' ? payload.original_sale_id : payload.sale_id) ?? '');
        const o = await db.query<Record<string, unknown>>(
          `SELECT ${EVENT_COLUMNS} FROM ledger_entries le JOIN journal_events e ON e.event_id = le.event_id
            WHERE le.entry_id = $1 AND e.store_id = $2 AND e.type = 'sale.completed'`,
          [entryIds.sale(saleId), e.store_id],
        );
        original = o.rows[0] ? toEventRow(o.rows[0] as never) : null;
      }
      return {
        event: toEventRow(e as never),
        payload,
        chain: { seq: Number(e.seq), prev_hash: String(e.prev_hash), hash: String(e.hash), terminal_applied_through: Number(e.applied_through) },
        ledger,
        adjustments: corrected.adjustments,
        books: corrected.books,
        original,
        reversals,
        receipt: await saleReceipt(db, { store_id: String(e.store_id), terminal_id: String(e.terminal_id), seq: Number(e.seq), type, occurred_at: e.occurred_at as Date, payload }),
      };
    },
  });
};
