import { parse as parseCsvSync } from 'csv-parse/sync';
import { addDecimal, cleanText, isCurrencyCode, normaliseDecimal, signed, sumsTo } from '../statements/amounts';
import { decodeStatementBytes } from '../statements/decode';
import {
  MAX_SETTLEMENT_BYTES,
  MAX_SETTLEMENT_LINES,
  SETTLEMENT_KINDS,
  SettlementParseError,
  type SettlementFormat,
  type SettlementKind,
  type SettlementLine,
  type SettlementPayout,
  type SettlementReport,
} from './types';

// Three layouts, one result:
//  - generic: our documented CSV (docs/books.md), for any processor;
//  - stripe: Stripe's itemized payout reconciliation / balance change reports (snake_case
//    columns balance_transaction_id, gross, fee, net, reporting_category, automatic_payout_id…);
//  - adyen: Adyen's Settlement details report (Psp Reference, Type, Gross Debit (GC)…, Batch Number).
// Every row is checked (net = gross − fee where the report gives all three in one currency)
// and a bad cell is refused naming its line and column: nothing is imported from a file that
// does not parse whole.

interface Row {
  line: number;
  get(col: string): string;
}

function rowsOf(text: string, format: SettlementFormat | 'unknown'): { header: string[]; rows: Row[] } {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parseCsvSync(text, { info: true, relax_column_count: true, skip_empty_lines: true, bom: true, max_record_size: 64 * 1024 }) as unknown as typeof records;
  } catch (e) {
    const err = e as { lines?: number; message?: string };
    throw new SettlementParseError(format, `line ${err.lines ?? 1}`, (err.message ?? String(e)).replace(/^.*?: /, ''));
  }
  if (records.length === 0) throw new SettlementParseError(format, 'line 1', 'empty file');
  if (records.length > MAX_SETTLEMENT_LINES + 1) throw new SettlementParseError(format, `line ${MAX_SETTLEMENT_LINES + 1}`, `more than ${MAX_SETTLEMENT_LINES} lines`);
  const header = records[0]!.record.map((h) => h.trim());
  const index = new Map(header.map((h, i) => [h.toLowerCase(), i] as const));
  const rows = records.slice(1).map((r) => ({
    line: r.info.lines,
    get: (col: string) => {
      const i = index.get(col.toLowerCase());
      return i === undefined ? '' : (r.record[i] ?? '').trim();
    },
  }));
  return { header, rows };
}

export function detectSettlementFormat(text: string): SettlementFormat {
  const head = text.slice(0, 4096).split(/\r?\n/)[0]!.replace(/^\uFEFF/, '').toLowerCase();
  if (head.includes('psp reference') && head.includes('merchant account')) return 'adyen';
  if (head.includes('balance_transaction_id') && head.includes('reporting_category')) return 'stripe';
  return 'generic';
}

function requireColumns(header: string[], cols: readonly string[], format: SettlementFormat): void {
  const have = new Set(header.map((h) => h.toLowerCase()));
  const missing = cols.filter((c) => !have.has(c.toLowerCase()));
  if (missing.length > 0) throw new SettlementParseError(format, 'line 1', `missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`);
}

class Cells {
  constructor(
    private readonly format: SettlementFormat,
    private readonly row: Row,
  ) {}
  fail(col: string, problem: string): never {
    throw new SettlementParseError(this.format, `line ${this.row.line}`, `${col}: ${problem}`);
  }
  text(col: string, max = 140): string {
    return cleanText(this.row.get(col), max);
  }
  required(col: string): string {
    const v = this.row.get(col);
    if (v === '') this.fail(col, 'empty');
    return cleanText(v, 140);
  }
  currency(col: string): string {
    const c = this.row.get(col).toUpperCase();
    if (!isCurrencyCode(c)) this.fail(col, `not an ISO 4217 currency: "${c.slice(0, 10)}"`);
    return c;
  }
  /** A signed decimal in `currency` ('' → null). */
  amount(col: string, currency: string): string | null {
    const raw = this.row.get(col).replace(/\s/g, '');
    if (raw === '') return null;
    const m = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)$/.exec(raw);
    const v = m ? normaliseDecimal(m[2]!.startsWith('.') ? `0${m[2]}` : m[2]!, currency) : null;
    if (!m || v === null) this.fail(col, `not an amount in ${currency}: "${raw.slice(0, 40)}"`);
    return signed(v, m[1] === '-');
  }
  date(col: string): string {
    const raw = this.row.get(col);
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(raw);
    if (!m) this.fail(col, `not a date YYYY-MM-DD[ hh:mm:ss]: "${raw.slice(0, 30)}"`);
    return `${m[1]}-${m[2]}-${m[3]}`;
  }
  line(): number {
    return this.row.line;
  }
}

const neg = (s: string) => (s.startsWith('-') ? s.slice(1) : s === '0' || /^0\.0*$/.test(s) ? s : `-${s}`);
const sub = (a: string, b: string) => addDecimal(a, neg(b));
function inCcy(v: string, currency: string): string {
  const n = normaliseDecimal(v.replace(/^-/, ''), currency);
  return n === null ? v : signed(n, v.startsWith('-'));
}

function checkNet(c: Cells, gross: string, fee: string, net: string): void {
  if (!sumsTo(gross, [neg(fee)], net)) c.fail('net', `${net} is not gross ${gross} − fee ${fee}`);
}

function payoutsOf(lines: SettlementLine[], explicit: Array<Omit<SettlementPayout, 'lines_check'>>): SettlementPayout[] {
  return explicit.map((p) => {
    const mine = lines.filter((l) => l.payout_id === p.payout_id && l.currency === p.currency);
    const lines_check = mine.length === 0 ? 'no lines' : sumsTo('0', mine.map((l) => l.net), p.amount) ? 'ok' : 'mismatch';
    return { ...p, lines_check };
  });
}

// ---- generic ---------------------------------------------------------------------------

export const GENERIC_COLUMNS = ['type', 'transaction_date', 'reference', 'merchant_reference', 'currency', 'gross', 'fee', 'net', 'payout_id', 'payout_date', 'description'] as const;

function parseGeneric(text: string, processor: string): SettlementReport {
  const F = 'generic' as const;
  const { header, rows } = rowsOf(text, F);
  requireColumns(header, ['type', 'transaction_date', 'reference', 'currency', 'net'], F);
  const lines: SettlementLine[] = [];
  const payouts: Array<Omit<SettlementPayout, 'lines_check'>> = [];
  for (const row of rows) {
    const c: Cells = new Cells(F, row);
    const type = c.required('type').toLowerCase();
    const currency = c.currency('currency');
    if (type === 'payout') {
      const amount = c.amount('net', currency);
      if (amount === null) c.fail('net', 'empty');
      payouts.push({ payout_id: c.required('payout_id'), date: c.date(row.get('payout_date') ? 'payout_date' : 'transaction_date'), currency, amount });
      continue;
    }
    if (!(SETTLEMENT_KINDS as readonly string[]).includes(type)) c.fail('type', `must be one of payout, ${SETTLEMENT_KINDS.join(', ')}; got "${type.slice(0, 30)}"`);
    const net = c.amount('net', currency);
    if (net === null) c.fail('net', 'empty');
    const fee = c.amount('fee', currency) ?? inCcy('0', currency);
    const gross = c.amount('gross', currency) ?? inCcy(addDecimal(net, fee), currency);
    checkNet(c, gross, fee, net);
    lines.push({
      line: c.line(),
      kind: type as SettlementKind,
      line_id: c.text('line_id') || `${c.text('reference')}:${type}:${c.line()}`,
      reference: c.text('reference'),
      merchant_reference: c.text('merchant_reference'),
      transaction_date: c.date('transaction_date'),
      currency,
      gross,
      fee,
      net,
      payout_id: c.text('payout_id'),
      description: c.text('description', 500),
    });
  }
  return { format: F, processor, lines, payouts: payoutsOf(lines, payouts) };
}

// ---- Stripe ----------------------------------------------------------------------------

const STRIPE_KIND: Record<string, SettlementKind> = {
  charge: 'sale',
  payment: 'sale',
  refund: 'refund',
  partial_capture_reversal: 'refund',
  payment_refund: 'refund',
  dispute: 'chargeback',
  dispute_reversal: 'chargeback_reversal',
  fee: 'fee',
  network_cost: 'fee',
  tax: 'fee',
  stripe_fee: 'fee',
};

function parseStripe(text: string): SettlementReport {
  const F = 'stripe' as const;
  const { header, rows } = rowsOf(text, F);
  requireColumns(header, ['balance_transaction_id', 'currency', 'gross', 'fee', 'net', 'reporting_category'], F);
  const lines: SettlementLine[] = [];
  const explicit: Array<Omit<SettlementPayout, 'lines_check'>> = [];
  const grouped = new Map<string, { date: string; currency: string; total: string }>();
  for (const row of rows) {
    const c: Cells = new Cells(F, row);
    const currency = c.currency('currency');
    const gross = c.amount('gross', currency) ?? c.fail('gross', 'empty');
    const fee = c.amount('fee', currency) ?? c.fail('fee', 'empty');
    const net = c.amount('net', currency) ?? c.fail('net', 'empty');
    checkNet(c, gross, fee, net);
    const category = c.required('reporting_category').toLowerCase();
    const created = row.get('created') ? c.date('created') : c.date('created_utc');
    if (category === 'payout') {
      // The balance report lists the payout itself (gross negative: money left the balance).
      explicit.push({ payout_id: c.text('source_id') || c.required('balance_transaction_id'), date: row.get('available_on') ? c.date('available_on') : created, currency, amount: inCcy(neg(net), currency) });
      continue;
    }
    const payoutId = c.text('automatic_payout_id');
    const reference = c.text('payment_intent_id') || c.text('charge_id') || c.text('source_id');
    const kind = STRIPE_KIND[category] ?? 'adjustment';
    // A fee row (network cost, Stripe fee, tax on fees) writes its cost as a negative gross with
    // fee 0; it is a cost as a whole, not card money settled (as Adyen's Fee rows).
    const wholeCost = kind === 'fee' && fee === inCcy('0', currency);
    lines.push({
      line: c.line(),
      kind,
      line_id: c.required('balance_transaction_id'),
      reference,
      merchant_reference: c.text('payment_metadata[order_id]') || c.text('statement_descriptor'),
      transaction_date: created,
      currency,
      gross: wholeCost ? inCcy('0', currency) : gross,
      fee: wholeCost ? inCcy(neg(net), currency) : fee,
      net,
      payout_id: payoutId,
      description: c.text('description', 500),
    });
    if (payoutId) {
      const dateCol = row.get('automatic_payout_effective_at') ? 'automatic_payout_effective_at' : 'automatic_payout_effective_at_utc';
      const g = grouped.get(payoutId) ?? { date: row.get(dateCol) ? c.date(dateCol) : created, currency, total: '0' };
      if (g.currency !== currency) c.fail('currency', `payout ${payoutId} mixes ${g.currency} and ${currency}`);
      g.total = addDecimal(g.total, net);
      grouped.set(payoutId, g);
    }
  }
  // The payout reconciliation report has no payout rows: a payout is the sum of its lines.
  for (const [id, g] of grouped) if (!explicit.some((p) => p.payout_id === id)) explicit.push({ payout_id: id, date: g.date, currency: g.currency, amount: inCcy(g.total, g.currency) });
  return { format: F, processor: 'stripe', lines, payouts: payoutsOf(lines, explicit) };
}

// ---- Adyen -----------------------------------------------------------------------------

const ADYEN_KIND: Record<string, SettlementKind> = {
  settled: 'sale',
  settledbulk: 'sale',
  refunded: 'refund',
  refundedbulk: 'refund',
  chargeback: 'chargeback',
  secondchargeback: 'chargeback',
  chargebackreversed: 'chargeback_reversal',
  fee: 'fee',
  misccosts: 'fee',
  paymentcost: 'fee',
  invoicededuction: 'fee',
};

const ADYEN_COSTS = ['Commission (NC)', 'Markup (NC)', 'Scheme Fees (NC)', 'Interchange (NC)'];

function parseAdyen(text: string): SettlementReport {
  const F = 'adyen' as const;
  const { header, rows } = rowsOf(text, F);
  requireColumns(header, ['Psp Reference', 'Merchant Reference', 'Creation Date', 'Type', 'Modification Reference', 'Net Currency', 'Net Debit (NC)', 'Net Credit (NC)', 'Batch Number'], F);
  const lines: SettlementLine[] = [];
  const explicit: Array<Omit<SettlementPayout, 'lines_check'>> = [];
  for (const row of rows) {
    const c: Cells = new Cells(F, row);
    const type = c.required('Type');
    const currency = c.currency('Net Currency');
    const zero = inCcy('0', currency);
    const netDebit = c.amount('Net Debit (NC)', currency) ?? zero;
    const netCredit = c.amount('Net Credit (NC)', currency) ?? zero;
    const net = inCcy(sub(netCredit, netDebit), currency);
    const batch = c.text('Batch Number');
    if (type.toLowerCase() === 'merchantpayout') {
      if (!batch) c.fail('Batch Number', 'empty on a MerchantPayout row');
      explicit.push({ payout_id: batch, date: c.date('Creation Date'), currency, amount: inCcy(neg(net), currency) });
      continue;
    }
    let fee = zero;
    for (const col of ADYEN_COSTS) fee = addDecimal(fee, c.amount(col, currency) ?? '0');
    fee = inCcy(fee, currency);
    let gross = inCcy(addDecimal(net, fee), currency);
    const grossCcy = row.get('Gross Currency').toUpperCase();
    if (grossCcy === currency) {
      const gd = c.amount('Gross Debit (GC)', currency);
      const gc = c.amount('Gross Credit (GC)', currency);
      if (gd !== null || gc !== null) {
        gross = inCcy(sub(gc ?? '0', gd ?? '0'), currency);
        checkNet(c, gross, fee, net);
      }
    }
    // Rows without their own costs (Fee, MiscCosts…) are a cost as a whole.
    const kind = ADYEN_KIND[type.toLowerCase().replace(/\s/g, '')] ?? 'adjustment';
    if (kind === 'fee' && fee === zero) {
      fee = inCcy(neg(net), currency);
      gross = zero;
    }
    lines.push({
      line: c.line(),
      kind,
      line_id: `${c.text('Psp Reference') || type}:${c.text('Modification Reference')}:${type}`.slice(0, 200),
      reference: c.text('Psp Reference'),
      merchant_reference: c.text('Merchant Reference'),
      transaction_date: c.date('Creation Date'),
      currency,
      gross,
      fee,
      net,
      payout_id: batch,
      description: cleanText(`${type} ${c.text('Modification Reference')} ${c.text('Payment Method')}`, 500),
    });
  }
  return { format: F, processor: 'adyen', lines, payouts: payoutsOf(lines, explicit) };
}

// ---- front door ------------------------------------------------------------------------

export interface ParseSettlementOptions {
  format?: SettlementFormat;
  /** Processor key as the chart names it (mapping.card_clearing.by_processor); generic files need it. */
  processor?: string;
}

export function parseSettlementText(text: string, options: ParseSettlementOptions = {}): SettlementReport {
  const format = options.format ?? detectSettlementFormat(text);
  if (text.includes('\u0000')) throw new SettlementParseError(format, 'line 1', 'binary data (NUL bytes): not a settlement report');
  if (format === 'stripe') return parseStripe(text);
  if (format === 'adyen') return parseAdyen(text);
  const processor = options.processor ?? '';
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(processor)) throw new SettlementParseError('generic', 'processor', 'a generic settlement file needs the processor key (--processor, e.g. "worldpay")');
  return parseGeneric(text, processor);
}

export function parseSettlementBytes(bytes: Uint8Array, options: ParseSettlementOptions = {}): SettlementReport {
  if (bytes.byteLength > MAX_SETTLEMENT_BYTES) throw new SettlementParseError(options.format ?? 'unknown', 'file', `larger than ${MAX_SETTLEMENT_BYTES} bytes`);
  if (bytes.byteLength === 0) throw new SettlementParseError(options.format ?? 'unknown', 'line 1', 'empty file');
  return parseSettlementText(decodeStatementBytes(bytes), options);
}
