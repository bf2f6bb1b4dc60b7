import { parsePrice } from './money';

// Price book CSV as a head office exports it from a spreadsheet: a header row naming at least
// `sku` and `price` (decimal, in the store currency), comma or semicolon separated, fields may
// be quoted. Every row is checked before anything is sent; bad rows are listed with their line
// number and reason and skipped.

export const MAX_CSV_BYTES = 5 * 1024 * 1024;
export const MAX_CSV_ROWS = 20_000;

export interface PriceRow {
  line: number;
  sku: string;
  amount: number;
  name?: string;
}
export interface BadRow {
  line: number;
  text: string;
  reason: string;
}
export interface PriceBookParse {
  rows: PriceRow[];
  bad: BadRow[];
  /** A problem with the file as a whole (no header, too big); nothing can be imported. */
  fatal?: string;
}

/** Splits CSV text into records of fields (RFC 4180 quoting; CRLF or LF). */
export function splitCsv(text: string, sep: string): Array<{ line: number; fields: string[]; raw: string }> {
  const out: Array<{ line: number; fields: string[]; raw: string }> = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let startLine = 1;
  let raw = '';
  const endRecord = () => {
    fields.push(field);
    if (fields.length > 1 || fields[0] !== '') out.push({ line: startLine, fields, raw });
    fields = [];
    field = '';
    raw = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        raw += '""';
        i++;
      } else if (c === '"') {
        quoted = false;
        raw += c;
      } else {
        if (c === '\n') line++;
        field += c;
        raw += c;
      }
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      raw += c;
    } else if (c === sep) {
      fields.push(field);
      field = '';
      raw += c;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      startLine = line;
    } else {
      field += c;
      raw += c;
    }
  }
  if (field !== '' || fields.length) endRecord();
  return out;
}

export function parsePriceBook(text: string, currency: string, knownSkus?: ReadonlySet<string>): PriceBookParse {
  if (text.length > MAX_CSV_BYTES) return { rows: [], bad: [], fatal: `the file is larger than ${MAX_CSV_BYTES / 1024 / 1024} MB` };
  const body = text.replace(/^\uFEFF/, '');
  const firstLine = body.split(/\r?\n/, 1)[0] ?? '';
  const sep = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  const records = splitCsv(body, sep);
  const header = records.shift();
  if (!header) return { rows: [], bad: [], fatal: 'the file is empty' };
  const cols = header.fields.map((h) => h.trim().toLowerCase());
  const skuAt = cols.indexOf('sku');
  const priceAt = cols.indexOf('price');
  const nameAt = cols.indexOf('name');
  if (skuAt < 0 || priceAt < 0) return { rows: [], bad: [], fatal: `the first row must name the columns "sku" and "price" (found: ${cols.join(', ') || 'nothing'})` };
  if (records.length > MAX_CSV_ROWS) return { rows: [], bad: [], fatal: `${records.length} rows; at most ${MAX_CSV_ROWS} per import` };
  const rows: PriceRow[] = [];
  const bad: BadRow[] = [];
  const seen = new Map<string, number>();
  for (const r of records) {
    const sku = (r.fields[skuAt] ?? '').trim();
    const priceText = (r.fields[priceAt] ?? '').trim();
    const fail = (reason: string) => bad.push({ line: r.line, text: r.raw.slice(0, 200), reason });
    if (r.fields.length !== cols.length) {
      fail(`${r.fields.length} fields; the header has ${cols.length}`);
      continue;
    }
    if (!sku) {
      fail('no SKU');
      continue;
    }
    if (sku.length > 64 || [...sku].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) {
      fail('SKU is longer than 64 characters or has control characters');
      continue;
    }
    if (knownSkus && !knownSkus.has(sku)) {
      fail(`unknown SKU ${sku}`);
      continue;
    }
    const p = parsePrice(priceText, currency);
    if (!p.ok) {
      fail(`price "${priceText}": ${p.reason}`);
      continue;
    }
    const dup = seen.get(sku);
    if (dup !== undefined) {
      fail(`SKU ${sku} already on line ${dup}`);
      continue;
    }
    seen.set(sku, r.line);
    rows.push({ line: r.line, sku, amount: p.amount, ...(nameAt >= 0 && r.fields[nameAt] ? { name: r.fields[nameAt]!.trim() } : {}) });
  }
  return { rows, bad };
}
