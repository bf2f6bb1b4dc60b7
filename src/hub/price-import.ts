import { parse as parseCsvSync } from 'csv-parse/sync';
import { textProblem } from '../core/protocol/text';
import { currencyExponent } from '../core/money/currency';
import type { Queryable } from './db/db';
import { resolveTarget, type Target } from './stores';
import { AuthError } from './auth';

// A price book from CSV, checked row by row before anything is applied: every good row
// becomes a price, every bad row is listed with its line number and reason and skipped.
// Columns (header row, any order, case-insensitive): sku, price (decimal in the store
// currency, e.g. 1.99) or amount (integer minor units), currency (optional: must then be the
// stores' currency).

export const MAX_IMPORT_ROWS = 20_000;

export interface ImportRejection {
  line: number;
  sku: string | null;
  code: 'MISSING_SKU' | 'BAD_SKU' | 'BAD_PRICE' | 'NEGATIVE_PRICE' | 'TOO_MANY_DECIMALS' | 'WRONG_CURRENCY' | 'DUPLICATE_SKU' | 'UNKNOWN_SKU' | 'BAD_ROW';
  message: string;
}
export interface ImportItem {
  line: number;
  sku: string;
  name: string | null;
  amount: number;
  previous_min: number | null;
  previous_max: number | null;
  /** Target stores whose price differs from the new one (or have none). */
  stores_changed: number;
}
export interface ImportPlan {
  currency: string;
  stores: string[];
  rows: number;
  items: ImportItem[];
  rejected: ImportRejection[];
}

const SKU_RE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;

export function parsePriceDecimal(text: string, exponent: number): { ok: true; amount: number } | { ok: false; code: ImportRejection['code']; message: string } {
  const t = text.trim();
  const m = /^(-)?(\d{1,15})(?:[.,](\d+))?$/.exec(t);
  if (!m) return { ok: false, code: 'BAD_PRICE', message: `price "${t.slice(0, 40)}" is not a decimal number` };
  if (m[1]) return { ok: false, code: 'NEGATIVE_PRICE', message: `price ${t} is negative` };
  const frac = m[3] ?? '';
  if (frac.length > exponent) return { ok: false, code: 'TOO_MANY_DECIMALS', message: `price ${t} has more than ${exponent} decimals` };
  const amount = Number(m[2]) * 10 ** exponent + Number(frac.padEnd(exponent, '0') || '0');
  if (!Number.isSafeInteger(amount)) return { ok: false, code: 'BAD_PRICE', message: `price ${t} is too large` };
  return { ok: true, amount };
}

export class ImportFileError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Parses and checks the file against the target stores' currency and the catalog; writes nothing. */
export async function planPriceImport(db: Queryable, csv: string, target: Target): Promise<ImportPlan> {
  const stores = await resolveTarget(db, target);
  if (stores.length === 0) throw new AuthError('BAD_REQUEST', 'the target names no store', 'target');
  const cur = await db.query<{ currency: string }>(`SELECT DISTINCT currency FROM stores WHERE store_id = ANY($1::text[])`, [stores]);
  if (cur.rows.length !== 1) throw new ImportFileError('MIXED_CURRENCY', `the target stores use ${cur.rows.map((r) => r.currency).join(', ')}; import one currency at a time`);
  const currency = cur.rows[0]!.currency;
  const exponent = currencyExponent(currency);

  let records: string[][];
  try {
    records = parseCsvSync(csv, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true, to: MAX_IMPORT_ROWS + 2 }) as string[][];
  } catch (err) {
    throw new ImportFileError('BAD_CSV', `not readable as CSV: ${(err as Error).message.slice(0, 200)}`);
  }
  const header = (records[0] ?? []).map((h) => h.toLowerCase());
  const col = (n: string) => header.indexOf(n);
  if (col('sku') < 0 || (col('price') < 0 && col('amount') < 0)) throw new ImportFileError('BAD_HEADER', `the first row must name the columns: sku and price (or amount in minor units); found ${header.join(', ').slice(0, 200) || 'nothing'}`);
  const body = records.slice(1);
  if (body.length > MAX_IMPORT_ROWS) throw new ImportFileError('TOO_MANY_ROWS', `at most ${MAX_IMPORT_ROWS} rows per import`);

  const rejected: ImportRejection[] = [];
  const good: Array<{ line: number; sku: string; amount: number }> = [];
  const seen = new Map<string, number>();
  body.forEach((r, i) => {
    const line = i + 2;
    const reject = (code: ImportRejection['code'], message: string, sku: string | null = null) => rejected.push({ line, sku, code, message });
    if (r.some((c) => textProblem(c) !== null)) return reject('BAD_ROW', 'the row contains control characters or invalid text');
    const sku = r[col('sku')] ?? '';
    if (!sku) return reject('MISSING_SKU', 'no SKU');
    if (!SKU_RE.test(sku)) return reject('BAD_SKU', `SKU "${sku.slice(0, 64)}" is not 1-64 letters, digits or . _ : / -`, sku.slice(0, 64));
    if (col('currency') >= 0 && r[col('currency')] && r[col('currency')]!.toUpperCase() !== currency) {
      return reject('WRONG_CURRENCY', `currency ${r[col('currency')]!.slice(0, 8)} is not the stores' currency ${currency}`, sku);
    }
    let amount: number;
    if (col('price') >= 0 && r[col('price')]) {
      const p = parsePriceDecimal(r[col('price')]!, exponent);
      if (!p.ok) return reject(p.code, p.message, sku);
      amount = p.amount;
    } else {
      const a = (r[col('amount')] ?? '').trim();
      if (!/^\d{1,16}$/.test(a) || !Number.isSafeInteger(Number(a))) return reject('BAD_PRICE', `amount "${a.slice(0, 40)}" is not a whole number of minor units`, sku);
      amount = Number(a);
    }
    const first = seen.get(sku);
    if (first !== undefined) return reject('DUPLICATE_SKU', `SKU ${sku} already on line ${first}`, sku);
    seen.set(sku, line);
    good.push({ line, sku, amount });
  });

  const skus = good.map((g) => g.sku);
  const known = await db.query<{ sku: string; name: string | null }>(`SELECT sku, data->>'name' AS name FROM products WHERE sku = ANY($1::text[])`, [skus]);
  const names = new Map(known.rows.map((r) => [r.sku, r.name]));
  const prev = await db.query<{ sku: string; min: string; max: string; n: string }>(
    `SELECT sku, min(amount)::text AS min, max(amount)::text AS max, count(*)::text AS n FROM prices WHERE store_id = ANY($1::text[]) AND sku = ANY($2::text[]) GROUP BY sku`,
    [stores, skus],
  );
  const same = await db.query<{ sku: string; n: string }>(
    `SELECT p.sku, count(*)::text AS n FROM prices p JOIN jsonb_to_recordset($3::jsonb) AS x(sku text, amount bigint) ON x.sku = p.sku AND x.amount = p.amount
      WHERE p.store_id = ANY($1::text[]) AND p.sku = ANY($2::text[]) GROUP BY p.sku`,
    [stores, skus, JSON.stringify(good.map((g) => ({ sku: g.sku, amount: g.amount })))],
  );
  const prevBy = new Map(prev.rows.map((r) => [r.sku, r]));
  const sameBy = new Map(same.rows.map((r) => [r.sku, Number(r.n)]));
  const items: ImportItem[] = [];
  for (const g of good) {
    if (!names.has(g.sku)) {
      rejected.push({ line: g.line, sku: g.sku, code: 'UNKNOWN_SKU', message: `SKU ${g.sku} is not in the catalog; add the product first` });
      continue;
    }
    const p = prevBy.get(g.sku);
    items.push({
      line: g.line,
      sku: g.sku,
      name: names.get(g.sku) ?? null,
      amount: g.amount,
      previous_min: p ? Number(p.min) : null,
      previous_max: p ? Number(p.max) : null,
      stores_changed: stores.length - (sameBy.get(g.sku) ?? 0),
    });
  }
  rejected.sort((a, b) => a.line - b.line);
  return { currency, stores, rows: body.length, items, rejected };
}
