import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { ToolPosting, ToolTransaction } from '../../../core/ledger/corrections';
import { currencyExponent, isKnownCurrency } from '../../../core/money/currency';
import { BooksInputError } from '../reconcile/store';

// Reading an edited journal back with the accounting tool's own parser (decision 0007):
// hledger's `print -x -O json` (every amount explicit, exact decimal mantissas), and for
// Beancount, `bean-check` (the file must be valid) then `bean-query` over its postings with
// each transaction's `entry_id` metadata. No journal grammar is re-implemented here; we
// only turn the tools' output into ToolTransactions.

export const MAX_CORRECTION_BYTES = 200 * 1024 * 1024;
const MAX_OUTPUT = 2 * 1024 * 1024 * 1024 - 1;

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: MAX_OUTPUT, timeout: 30 * 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new BooksInputError('TOOL_MISSING', `${cmd} is needed to read this file and is not installed on the hub (Debian package ${cmd.startsWith('bean') ? 'beancount' : 'hledger'})`));
        return;
      }
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function withFile<T>(bytes: Uint8Array, ext: string, fn: (path: string) => Promise<T>): Promise<T> {
  if (bytes.byteLength > MAX_CORRECTION_BYTES) throw new BooksInputError('FILE_TOO_LARGE', `at most ${MAX_CORRECTION_BYTES} bytes`);
  const dir = mkdtempSync(join(tmpdir(), 'tillstream-corrections-'));
  try {
    const p = join(dir, `edited.${ext}`);
    writeFileSync(p, bytes);
    return await fn(p);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function firstLines(s: string, n = 4): string {
  return s.trim().split('\n').slice(0, n).join(' | ').slice(0, 600);
}

/** Exact minor units of mantissa × 10^-places in a currency, or null if it has more decimals. */
export function mantissaToMinor(mantissa: bigint, places: number, currency: string): number | null {
  if (!isKnownCurrency(currency)) return null;
  const exp = currencyExponent(currency);
  let v = mantissa;
  if (places <= exp) v *= 10n ** BigInt(exp - places);
  else {
    const d = 10n ** BigInt(places - exp);
    if (v % d !== 0n) return null;
    v /= d;
  }
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(v);
}

function decimalToMinor(text: string, currency: string): number | null {
  const m = /^\s*(-)?(\d+)(?:\.(\d+))?\s*$/.exec(text);
  if (!m) return null;
  const places = m[3]?.length ?? 0;
  const mantissa = BigInt(`${m[1] ?? ''}${m[2]}${m[3] ?? ''}`);
  return mantissaToMinor(mantissa, places, currency);
}

interface HledgerAmount {
  acommodity: string;
  aprice: unknown;
  aquantity: { decimalMantissa: number | string; decimalPlaces: number };
}
interface HledgerTxn {
  tcode: string;
  tdate: string;
  tdescription: string;
  tags?: unknown;
  ttags: Array<[string, string]>;
  tsourcepos: Array<{ sourceLine: number }> | { sourceLine: number };
  tpostings: Array<{ paccount: string; pamount: HledgerAmount[]; ptype: string; ptags?: Array<[string, string]> }>;
}

const ENTRY_ID = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,127}$/;

export async function readHledger(bytes: Uint8Array): Promise<ToolTransaction[]> {
  return withFile(bytes, 'journal', async (path) => {
    // hledger keeps integers exact in decimalMantissa, but JSON.parse would not beyond 2^53:
    // quote long mantissas before parsing.
    const r = await run('hledger', ['-f', path, 'print', '-x', '-O', 'json']);
    if (r.code !== 0) throw new BooksInputError('BAD_FILE', `hledger cannot read the file: ${firstLines(r.stderr)}`);
    const txns = JSON.parse(r.stdout.replace(/("decimalMantissa":\s*)(-?\d{16,})/g, '$1"$2"')) as HledgerTxn[];
    return txns.map((t) => {
      const pos = Array.isArray(t.tsourcepos) ? t.tsourcepos[0] : t.tsourcepos;
      const tag = t.ttags.find(([k]) => k === 'entry')?.[1]?.trim();
      const code = t.tcode.trim();
      const id = code && ENTRY_ID.test(code) ? code : tag && ENTRY_ID.test(tag) ? tag : null;
      const postings: ToolPosting[] = [];
      for (const p of t.tpostings) {
        if (p.ptype !== 'RegularPosting') {
          postings.push({ account: p.paccount, currency: '', minor: null, problem: `${p.paccount} is a virtual posting` });
          continue;
        }
        // The posting's own store: tag (our export writes one on every posting; `ptags` holds
        // the posting's tags only, not the transaction's).
        const store = p.ptags?.find(([k]) => k === 'store')?.[1]?.trim();
        for (const a of p.pamount) {
          const minor = mantissaToMinor(BigInt(a.aquantity.decimalMantissa), a.aquantity.decimalPlaces, a.acommodity);
          postings.push({
            account: p.paccount, currency: a.acommodity, minor,
            ...(store ? { store } : {}),
            ...(a.aprice ? { problem: `${p.paccount} has a price (@): adjust currencies in Tillstream by hand` } : {}),
          });
        }
      }
      return { where: `line ${pos?.sourceLine ?? '?'}`, date: t.tdate, description: t.tdescription, entry_id: id, postings };
    });
  });
}

export async function readBeancount(bytes: Uint8Array): Promise<ToolTransaction[]> {
  return withFile(bytes, 'beancount', async (path) => {
    const check = await run('bean-check', [path]);
    if (check.code !== 0) throw new BooksInputError('BAD_FILE', `bean-check refuses the file: ${firstLines(`${check.stdout}\n${check.stderr}`.replaceAll(path, 'file'))}`);
    const q = await run('bean-query', ['-f', 'csv', path, "SELECT id, date, entry_meta('entry_id') AS entry_id, narration, account, number, currency, cost_number, lineno"]);
    if (q.code !== 0) throw new BooksInputError('BAD_FILE', `bean-query cannot read the file: ${firstLines(q.stderr)}`);
    const rows = parseCsv(q.stdout, { columns: true, skip_empty_lines: true, trim: true, relax_column_count: false }) as Array<Record<string, string>>;
    const byId = new Map<string, ToolTransaction>();
    for (const r of rows) {
      let t = byId.get(r.id!);
      if (!t) {
        const id = (r.entry_id ?? '').trim();
        t = { where: `line ${r.lineno}`, date: r.date!, description: r.narration ?? '', entry_id: id && ENTRY_ID.test(id) ? id : null, postings: [] };
        byId.set(r.id!, t);
      }
      const currency = r.currency!;
      t.postings.push({ account: r.account!, currency, minor: decimalToMinor(r.number!, currency), ...(r.cost_number ? { problem: `${r.account} is held at cost: adjust it in Tillstream by hand` } : {}) });
    }
    return [...byId.values()];
  });
}
