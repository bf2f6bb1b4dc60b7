import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStatementBytes, StatementParseError, type BankStatement } from './index';

// Real banks' sample statements and other parsers' test files (fixtures/real/README.md says
// where each comes from and under which licence), run through the parser behind
// `tillstream books statement parse`. expected.json holds, per file, what it gives (account,
// currency, balance_check, number of entries per statement) or the one-line refusal. Two
// checks do not come from our parser: every balance_check is recomputed here from the
// printed amounts, and every MT940 file's amounts are compared with what the Python mt940
// library (WoLpH/mt940, its own expected output) reads from the same file.

const ROOT = join(__dirname, 'fixtures', 'real');
const expected = JSON.parse(readFileSync(join(ROOT, 'expected.json'), 'utf8')) as Record<string, { format?: string; statements?: string[]; refused?: string }>;
const pythonMt940 = JSON.parse(readFileSync(join(ROOT, 'mt940', 'python-mt940-amounts.json'), 'utf8')) as Record<string, string[]>;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
const files = walk(ROOT)
  .map((p) => relative(ROOT, p))
  .filter((r) => !/(^|\/)(LICENSE|README\.md)$|\.json$/.test(r))
  .sort();

/** Units of 10^-9: exact for every amount a statement prints. */
function units(s: string): bigint {
  const neg = s.startsWith('-');
  const [i, f = ''] = s.replace(/^-/, '').split('.');
  const v = BigInt(i!) * 1_000_000_000n + BigInt(f.padEnd(9, '0').slice(0, 9));
  return neg ? -v : v;
}

function recheck(s: BankStatement): string {
  if (!s.opening || !s.closing || s.entries.some((e) => e.currency !== s.currency)) return 'no balances';
  const sum = s.entries.reduce((a, e) => a + units(e.amount), 0n);
  return units(s.opening.amount) + sum === units(s.closing.amount) ? 'ok' : 'mismatch';
}

/**
 * Where our reading differs from the Python library's, on purpose: SWIFT "RC" is a reversal
 * of a credit, i.e. money out; the library reads it as money in. Our reading is the one with
 * which all 26 statements of the file balance.
 */
const PYTHON_DIFFERS: Record<string, number[]> = { 'mt940/betterplace/sepa_mt9401.sta': [5, 18] };

describe('real banks\u2019 sample files', () => {
  it('every file in fixtures/real is listed in expected.json and nothing else', () => {
    expect(files).toEqual(Object.keys(expected).sort());
    expect(files.length).toBeGreaterThanOrEqual(90);
  });

  for (const file of files) {
    it(file, () => {
      const want = expected[file]!;
      let got: ReturnType<typeof parseStatementBytes> | undefined;
      let err: unknown;
      try {
        got = parseStatementBytes(readFileSync(join(ROOT, file)));
      } catch (e) {
        err = e;
      }
      if (want.refused) {
        expect(err).toBeInstanceOf(StatementParseError);
        expect((err as Error).message).toBe(want.refused);
        expect((err as Error).message).not.toContain('\n');
        return;
      }
      if (err) throw err;
      expect(got!.format).toBe(want.format);
      expect(got!.statements.map((s) => `${s.account} ${s.currency} ${s.balance_check} ${s.entries.length}`)).toEqual(want.statements);
      for (const s of got!.statements) {
        expect(s.balance_check).toBe(recheck(s));
        for (const e of s.entries) {
          expect(e.amount).toMatch(/^-?\d+(\.\d+)?$/);
          expect(e.booking_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
          expect(e.value_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        }
      }
      const py = pythonMt940[file];
      if (py && py.length > 0) {
        const ours = got!.statements.flatMap((s) => s.entries.map((e) => units(e.amount)));
        const theirs = py.map(units);
        expect(ours.length).toBe(theirs.length);
        const differs = ours.flatMap((v, i) => (v === theirs[i] ? [] : [i]));
        expect(differs).toEqual(PYTHON_DIFFERS[file] ?? []);
        for (const i of differs) expect(ours[i]).toBe(-theirs[i]!);
      }
    });
  }

  it('the files with balances that balance: the count the README reports', () => {
    let ok = 0;
    let statements = 0;
    for (const file of files) {
      for (const line of expected[file]!.statements ?? []) {
        statements++;
        if (/ ok \d+$/.test(line)) ok++;
      }
    }
    expect({ statements, ok }).toEqual({ statements: 137, ok: 95 });
  });
});
