import { parse as parseCsvSync } from 'csv-parse/sync';
import { currencyExponent } from '../../../core/money/currency';
import type { Queryable } from '../../db/db';
import { BooksInputError } from '../errors';
import type { HistorySale } from './format';

// Square Dashboard → Transactions → Export → "Transactions CSV", mapped into our history lines
// (docs/books.md, "Square Transactions CSV"). Columns are found by header name: their order and
// presence changed between export dates, so only the columns used are required and the rest are
// ignored. The output is our JSON Lines format with each sale on the line number of its CSV row
// (blank lines in between), so an error the import finds later still names the CSV line, and the
// same CSV always gives the same bytes (the job is keyed by them: a second run changes nothing).

export const SQUARE_FORMAT = 'square-transactions';
/** Bad rows listed in one refusal, at most. */
export const MAX_LISTED_ERRORS = 20;
export const MAX_STORE_MAP = 1_000;

const REQUIRED = ['Date', 'Time', 'Time Zone', 'Gross Sales', 'Discounts', 'Net Sales', 'Tax', 'Total Collected', 'Transaction ID', 'Location'] as const;

/**
 * Square names time zones the Rails way. The common ones; anything else is refused naming it,
 * unless the caller gives a zone for the whole file (`--tz`).
 */
export const SQUARE_TIME_ZONES: Readonly<Record<string, string>> = {
  'Pacific Time (US & Canada)': 'America/Los_Angeles', 'Mountain Time (US & Canada)': 'America/Denver', 'Central Time (US & Canada)': 'America/Chicago',
  'Eastern Time (US & Canada)': 'America/New_York', 'Atlantic Time (Canada)': 'America/Halifax', Newfoundland: 'America/St_Johns', Saskatchewan: 'America/Regina',
  Arizona: 'America/Phoenix', Alaska: 'America/Juneau', Hawaii: 'Pacific/Honolulu', 'Indiana (East)': 'America/Indiana/Indianapolis', 'Puerto Rico': 'America/Puerto_Rico',
  'Mexico City': 'America/Mexico_City', UTC: 'Etc/UTC', London: 'Europe/London', Edinburgh: 'Europe/London', Dublin: 'Europe/Dublin', Lisbon: 'Europe/Lisbon',
  Paris: 'Europe/Paris', Berlin: 'Europe/Berlin', Bern: 'Europe/Zurich', Zurich: 'Europe/Zurich', Amsterdam: 'Europe/Amsterdam', Brussels: 'Europe/Brussels',
  Vienna: 'Europe/Vienna', Madrid: 'Europe/Madrid', Rome: 'Europe/Rome', Stockholm: 'Europe/Stockholm', Copenhagen: 'Europe/Copenhagen',
  Sydney: 'Australia/Sydney', Canberra: 'Australia/Sydney', Melbourne: 'Australia/Melbourne', Brisbane: 'Australia/Brisbane', Adelaide: 'Australia/Adelaide',
  Darwin: 'Australia/Darwin', Hobart: 'Australia/Hobart', Perth: 'Australia/Perth', Auckland: 'Pacific/Auckland', Wellington: 'Pacific/Auckland',
  Tokyo: 'Asia/Tokyo', Osaka: 'Asia/Tokyo', Sapporo: 'Asia/Tokyo',
};

export interface SquareOptions {
  /** Square's Location name → our store id and its currency. */
  stores: ReadonlyMap<string, { store_id: string; currency: string }>;
  /** An IANA zone used for every row instead of the Time Zone column. */
  timeZone?: string;
}

class RowError extends Error {}

/** "$1,234.50", "-$0.95", "£3.00", "" (0) → minor units of the currency. */
export function squareAmount(text: string, column: string, currency: string): number {
  const t = text.trim();
  if (t === '') return 0;
  const m = /^(-)?(?:[A-Z]{0,3}\$|£|€|¥)?(-)?(\d{1,3}(?:,\d{3})+|\d{1,12})(?:\.(\d{1,6}))?$/.exec(t);
  if (!m || (m[1] && m[2])) throw new RowError(`${column} ${JSON.stringify(t.slice(0, 40))} is not an amount`);
  const exp = currencyExponent(currency);
  const frac = m[4] ?? '';
  if (frac.length > exp && /[1-9]/.test(frac.slice(exp))) throw new RowError(`${column} ${t} has more decimals than ${currency} allows`);
  const v = Number(`${m[3]!.replace(/,/g, '')}${frac.slice(0, exp).padEnd(exp, '0')}`);
  return m[1] || m[2] ? -v : v;
}

function decimal(minor: number, currency: string): string {
  const exp = currencyExponent(currency);
  if (exp === 0) return String(minor);
  const s = String(Math.abs(minor)).padStart(exp + 1, '0');
  return `${minor < 0 ? '-' : ''}${s.slice(0, -exp)}.${s.slice(-exp)}`;
}

/** Offset of `zone` from UTC at `utcMs`, in ms. */
function offsetMs(utcMs: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(utcMs));
  const n = (k: string) => Number(parts.find((p) => p.type === k)!.value);
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - Math.floor(utcMs / 1000) * 1000;
}

/** A wall-clock time in `zone` as UTC (in a repeated hour: the first; in a skipped hour: as if the clock had not moved). */
export function wallToUtc(wall: { y: number; mo: number; d: number; h: number; mi: number; s: number }, zone: string): Date {
  const guess = Date.UTC(wall.y, wall.mo - 1, wall.d, wall.h, wall.mi, wall.s);
  const first = guess - offsetMs(guess, zone);
  const second = guess - offsetMs(first, zone);
  return new Date(Math.min(first, second));
}

/** Date (YYYY-MM-DD or MM/DD/YYYY) and Time (HH:MM[:SS] or h:MM[:SS] AM/PM). */
function wallTime(date: string, time: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(date.trim());
  if (!iso && !us) throw new RowError(`Date ${JSON.stringify(date.slice(0, 20))} is not YYYY-MM-DD or MM/DD/YYYY`);
  const [y, mo, d] = iso ? [Number(iso[1]), Number(iso[2]), Number(iso[3])] : [Number(us![3]), Number(us![1]), Number(us![2])];
  const tm = /^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp])\.?[Mm]\.?)?$/.exec(time.trim());
  if (!tm) throw new RowError(`Time ${JSON.stringify(time.slice(0, 20))} is not HH:MM:SS or h:MM:SS AM/PM`);
  let h = Number(tm[1]);
  if (tm[4]) {
    if (h < 1 || h > 12) throw new RowError(`Time ${time} has hour ${h} with AM/PM`);
    h = (h % 12) + (tm[4].toUpperCase() === 'P' ? 12 : 0);
  }
  const mi = Number(tm[2]);
  const s = Number(tm[3] ?? 0);
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) throw new RowError(`Date ${date} is not a calendar date`);
  if (h > 23 || mi > 59 || s > 59) throw new RowError(`Time ${time} is not a time of day`);
  return { y, mo, d, h, mi, s };
}

function zoneOf(name: string, override: string | undefined): string {
  if (override) return override;
  const z = SQUARE_TIME_ZONES[name.trim()];
  if (!z) throw new RowError(`Time Zone ${JSON.stringify(name.slice(0, 60))} is not one we know (give the file's IANA zone with --source-tz)`);
  return z;
}

/** A free text of Square's as one of our ids (A-Z a-z 0-9 . _ : / -). */
function slug(text: string): string {
  return text.trim().replace(/[^A-Za-z0-9._:/-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 40) || 'other';
}

/** One Square row → our history sale (or refund). */
export function squareRowToHistory(row: (column: string) => string | undefined, opts: SquareOptions): HistorySale {
  const get = (c: string) => row(c) ?? '';
  const location = get('Location').trim();
  const store = opts.stores.get(location);
  if (!store) throw new RowError(`Location ${JSON.stringify(location.slice(0, 100))} is not in the store map`);
  const cur = store.currency;
  const event = (get('Event Type').trim() || 'Payment').toLowerCase();
  if (event !== 'payment' && event !== 'refund') throw new RowError(`Event Type ${JSON.stringify(get('Event Type').slice(0, 40))} is neither Payment nor Refund`);
  // A refund row has negative amounts: everything is turned round and posted as our refund.
  const sign = event === 'refund' ? -1 : 1;
  const amt = (c: string) => sign * squareAmount(get(c), c, cur);
  const gross = amt('Gross Sales');
  const discount = Math.abs(amt('Discounts')); // shown negative on a payment
  const service = amt('Service Charges');
  const net = amt('Net Sales');
  const giftCards = amt('Gift Card Sales');
  const tax = amt('Tax');
  const tip = amt('Tip');
  const total = amt('Total Collected');
  for (const [c, v] of [['Gross Sales', gross], ['Service Charges', service], ['Net Sales', net], ['Gift Card Sales', giftCards], ['Tax', tax], ['Tip', tip], ['Total Collected', total]] as const) {
    if (v < 0) throw new RowError(`${c} is ${v < 0 && sign > 0 ? 'negative on a Payment' : 'positive on a Refund'}`);
  }
  if (gross - discount !== net) throw new RowError(`Gross Sales ${decimal(gross, cur)} less Discounts ${decimal(discount, cur)} is not Net Sales ${decimal(net, cur)}`);
  const parts = net + service + giftCards + tax + tip;
  if (parts !== total) {
    throw new RowError(`Net Sales + Service Charges + Gift Card Sales + Tax + Tip is ${decimal(parts, cur)}, not Total Collected ${decimal(total, cur)}`);
  }
  const tenders: HistorySale['tenders'] = [];
  const card = amt('Card');
  const last4 = get('PAN Suffix').replace(/\D/g, '').slice(-4);
  const brand = slug(get('Card Brand')).replace(/[:/]/g, '-').slice(0, 32);
  if (card !== 0) tenders.push({ kind: 'card', amount: decimal(card, cur), processor: 'square', ...(get('Card Brand').trim() ? { card_brand: brand } : {}), ...(last4.length === 4 ? { last4 } : {}) });
  const cash = amt('Cash');
  if (cash !== 0) tenders.push({ kind: 'cash', amount: decimal(cash, cur) });
  const gift = amt('Square Gift Card');
  if (gift !== 0) tenders.push({ kind: 'gift_card', amount: decimal(gift, cur), gift_card_id: 'square' });
  const other = amt('Other Tender');
  if (other !== 0) tenders.push({ kind: 'card', amount: decimal(other, cur), processor: `square-other:${slug(get('Other Tender Type') || 'other')}`.slice(0, 64) });
  const paid = card + cash + gift + other;
  if (paid !== total) throw new RowError(`tenders (Card + Cash + Square Gift Card + Other Tender) are ${decimal(paid, cur)}, not Total Collected ${decimal(total, cur)}`);
  if (tenders.some((t) => t.amount.startsWith('-'))) throw new RowError(`a tender is ${sign > 0 ? 'negative on a Payment' : 'positive on a Refund'}`);
  if (tenders.length === 0) throw new RowError('no tender: Card, Cash, Square Gift Card and Other Tender are all zero');

  const lines: HistorySale['lines'] = [];
  if (gross > 0 || tax > 0) {
    if (tax > 0 && net <= 0) throw new RowError(`Tax ${decimal(tax, cur)} on Net Sales ${decimal(net, cur)}: there is nothing to tax`);
    // Square gives one tax total per transaction: one tax on the sales line, its rate what the amounts say.
    const ppm = net > 0 ? Math.round((tax * 1_000_000) / net) : 0;
    lines.push({
      sku: 'SQUARE-SALES', description: 'Square sales', category: 'square-sales', quantity: '1', unit_price: decimal(gross, cur),
      ...(discount > 0 ? { discount: decimal(discount, cur) } : {}),
      taxes: tax > 0 ? [{ code: 'SQUARE-TAX', jurisdiction: 'square', rate: (ppm / 10_000).toFixed(4), amount: decimal(tax, cur), inclusive: false }] : [],
    });
  }
  const extra = (sku: string, description: string, category: string, v: number) => {
    if (v > 0) lines.push({ sku, description, category, quantity: '1', unit_price: decimal(v, cur), taxes: [] });
  };
  extra('SQUARE-SERVICE-CHARGE', 'Square service charges', 'square-service-charges', service);
  extra('SQUARE-GIFT-CARD-SALES', 'Square gift cards sold', 'square-gift-cards', giftCards);
  extra('SQUARE-TIP', 'Square tips', 'square-tips', tip);
  if (lines.length === 0) throw new RowError('nothing sold: all amounts are zero');

  const txn = get('Transaction ID').trim();
  if (!/^[A-Za-z0-9._:-]{1,100}$/.test(txn)) throw new RowError(`Transaction ID ${JSON.stringify(txn.slice(0, 40))} is missing or not an id`);
  const w = wallTime(get('Date'), get('Time'));
  const at = wallToUtc(w, zoneOf(get('Time Zone'), opts.timeZone)).toISOString();
  const staff = slug(get('Staff ID'));
  const sale: HistorySale = {
    // A refund has the transaction's id too: its own id adds the payment and the time, so several refunds of one sale differ.
    id: sign > 0 ? txn : `${txn}/refund/${slug(get('Payment ID'))}/${at}`.slice(0, 128),
    store_id: store.store_id,
    completed_at: at,
    currency: cur,
    ...(get('Staff ID').trim() ? { cashier: staff } : {}),
    ...(sign < 0 ? { refund_of: txn } : {}),
    lines,
    tenders,
  };
  return sale;
}

export interface SquareConversion {
  /** Our JSON Lines, each sale on its CSV row's line number. */
  bytes: Buffer;
  rows: number;
}

/** The whole file, or BooksInputError BAD_HISTORY_LINE listing the bad rows (line and reason; at most MAX_LISTED_ERRORS). */
export function squareTransactionsToHistory(csv: Uint8Array, opts: SquareOptions): SquareConversion {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parseCsvSync(Buffer.from(csv.buffer, csv.byteOffset, csv.byteLength), { bom: true, skip_empty_lines: true, relax_column_count: true, info: true }) as unknown as typeof records;
  } catch (e) {
    throw new BooksInputError('BAD_CSV', `not readable as CSV: ${(e as Error).message.slice(0, 200)}`);
  }
  const header = records[0]?.record.map((h) => h.trim());
  if (!header) throw new BooksInputError('EMPTY_FILE', 'the file holds no rows');
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length > 0) throw new BooksInputError('BAD_HEADER', `line 1: not a Square Transactions CSV: no column ${missing.join(', ')}`);
  const index = new Map<string, number>();
  header.forEach((h, i) => {
    if (!index.has(h)) index.set(h, i);
  });
  const out: string[] = [];
  const errors: string[] = [];
  let rows = 0;
  let lineAt = 1;
  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    try {
      const sale = squareRowToHistory((c) => {
        const i = index.get(c);
        return i === undefined ? undefined : record[i];
      }, opts);
      // Blank lines keep the CSV's line numbers (jsonLines counts them and skips them).
      while (lineAt < line) {
        out.push('');
        lineAt += 1;
      }
      out.push(JSON.stringify(sale));
      lineAt += 1;
      rows += 1;
    } catch (e) {
      if (!(e instanceof RowError)) throw e;
      if (errors.length < MAX_LISTED_ERRORS) errors.push(`line ${line}: ${e.message}`);
      else if (errors.length === MAX_LISTED_ERRORS) errors.push('…');
    }
  }
  if (errors.length > 0) throw new BooksInputError('BAD_HISTORY_LINE', errors.join('; '));
  if (rows === 0) throw new BooksInputError('EMPTY_FILE', 'the file holds no sales');
  return { bytes: Buffer.from(`${out.join('\n')}\n`), rows };
}

/**
 * `--store-map "Main Street=store-001,Harbour=store-002"` or a JSON object { "Main Street": "store-001" }
 * → Location → store id. A location may not appear twice.
 */
export function parseStoreMap(text: string): Map<string, string> {
  const t = text.trim();
  const map = new Map<string, string>();
  let pairs: Array<[string, unknown]>;
  if (t.startsWith('{')) {
    try {
      pairs = Object.entries(JSON.parse(t) as Record<string, unknown>);
    } catch (e) {
      throw new BooksInputError('BAD_STORE_MAP', `store map is not JSON: ${(e as Error).message.slice(0, 200)}`);
    }
  } else {
    pairs = t.split(/[,\n]/).filter((p) => p.trim() !== '').map((p) => {
      const eq = p.lastIndexOf('=');
      if (eq < 0) throw new BooksInputError('BAD_STORE_MAP', `store map entry ${JSON.stringify(p.trim().slice(0, 100))} is not Location=store_id`);
      return [p.slice(0, eq), p.slice(eq + 1)];
    });
  }
  for (const [loc, store] of pairs) {
    const l = loc.trim();
    if (typeof store !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(store.trim())) throw new BooksInputError('BAD_STORE_MAP', `store map: ${JSON.stringify(l.slice(0, 100))} must name a store id`);
    if (l === '' || l.length > 200) throw new BooksInputError('BAD_STORE_MAP', 'store map: a Location is 1-200 characters');
    if (map.has(l)) throw new BooksInputError('BAD_STORE_MAP', `store map: ${JSON.stringify(l)} is mapped twice`);
    map.set(l, store.trim());
  }
  if (map.size === 0) throw new BooksInputError('BAD_STORE_MAP', 'store map is empty');
  if (map.size > MAX_STORE_MAP) throw new BooksInputError('BAD_STORE_MAP', `store map: at most ${MAX_STORE_MAP} locations`);
  return map;
}

function knownZone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    throw new BooksInputError('BAD_TIME_ZONE', `${zone.slice(0, 60)} is not an IANA time zone`);
  }
}

/** A Square Transactions CSV as our history lines, the store map checked against the hub's stores (their currencies). */
export async function convertSquareFile(db: Queryable, csv: Uint8Array, opts: { storeMap: ReadonlyMap<string, string>; timeZone?: string }): Promise<SquareConversion> {
  const ids = [...new Set(opts.storeMap.values())];
  const found = new Map((await db.query<{ store_id: string; currency: string }>(`SELECT store_id, currency FROM stores WHERE store_id = ANY($1::text[])`, [ids])).rows.map((r) => [r.store_id, r.currency]));
  const unknown = ids.filter((s) => !found.has(s));
  if (unknown.length > 0) throw new BooksInputError('UNKNOWN_STORE', `store map names ${unknown.slice(0, 10).join(', ')}, not a store of the hub`);
  const stores = new Map([...opts.storeMap].map(([loc, s]) => [loc, { store_id: s, currency: found.get(s)! }]));
  return squareTransactionsToHistory(csv, { stores, ...(opts.timeZone ? { timeZone: knownZone(opts.timeZone) } : {}) });
}
