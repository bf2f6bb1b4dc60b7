import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, spawnCli } from './run-cli';

// `tillstream books statement parse` as testers run it: a real process, a file on disk,
// one JSON object on stdout, or one line on stderr and exit 1.

const ROOT = path.resolve(__dirname, '../..');
const FIX = path.join(ROOT, 'src/hub/books/statements/fixtures');
/** A real process, as testers run it (slow on a loaded machine: used once). */
function spawnParse(args: string[]) {
  return spawnCli(['books', 'statement', 'parse', ...args]);
}

/** The same command in this process, with stdout and stderr captured. */
async function cli(args: string[]) {
  return runCli(['books', 'statement', 'parse', ...args]);
}


describe('tillstream books statement parse', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tillstream-stmt-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one JSON object for a detected camt.053 file (a real process)', () => {
    const r = spawnParse([path.join(FIX, 'camt053-v02.xml')]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    const j = JSON.parse(r.out) as { format: string; statements: Array<{ balance_check: string; entries: unknown[] }> };
    expect(j.format).toBe('camt053');
    expect(Object.keys(j)).toEqual(['format', 'statements']);
    expect(Object.keys(j.statements[0]!)).toEqual(['account', 'currency', 'opening', 'closing', 'balance_check', 'entries']);
    expect(Object.keys(j.statements[0]!.entries[0] as object)).toEqual(['booking_date', 'value_date', 'amount', 'currency', 'reference', 'counterparty', 'description']);
  });

  it('real banks\' sample files through the command: ASN Bank MT940 (31 statements), an ANZ OFX, an MT942 refused in one line', async () => {
    const asn = await cli([path.join(FIX, 'real/mt940/ASNB/0708271685_09022020_164516.940.txt')]);
    expect(asn.code).toBe(0);
    const j = JSON.parse(asn.out) as { format: string; statements: Array<{ account: string; balance_check: string; entries: Array<{ amount: string }> }> };
    expect(j.format).toBe('mt940');
    expect(j.statements).toHaveLength(31);
    expect(j.statements.every((s) => s.account === 'NL81ASNB9999999999' && s.balance_check === 'ok')).toBe(true);
    expect(j.statements.flatMap((s) => s.entries.map((e) => e.amount))).toEqual(['-65.00', '1000.00', '-801.55', '-1.65', '828.72', '-1000.00', '1000.18', '-903.76']);
    const anz = await cli([path.join(FIX, 'real/ofx/anzcc.ofx')]);
    expect(JSON.parse(anz.out)).toMatchObject({ format: 'ofx', statements: [{ account: '1234123412341234', currency: 'AUD', balance_check: 'no balances', entries: [{ booking_date: '2017-05-08', amount: '-5.50' }] }] });
    const mt942 = await cli([path.join(FIX, 'real/mt940/self-provided/mt942.sta')]);
    expect(mt942.code).toBe(1);
    expect(mt942.out).toBe('');
    expect(mt942.err.trim().split('\n')).toEqual(['mt940: line 1: an MT942 interim transaction report (:34F:/:13D:, no opening balance :60F:), not a statement']);
  });

  it('reads CSV with --format csv and a --profile file', async () => {
    const profile = path.join(dir, 'profile.json');
    writeFileSync(
      profile,
      JSON.stringify({ skip_lines: 1, delimiter: ';', decimal: ',', thousands: '.', date_format: 'DD.MM.YYYY', currency: 'EUR', columns: { booking_date: 'Buchungstag', amount: 'Haben' } }),
    );
    const bad = await cli([path.join(FIX, 'bank.csv'), '--format', 'csv', '--profile', profile]);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('csv: line 4: amount: empty\n');
    const inline = JSON.stringify({ skip_lines: 1, delimiter: ';', decimal: ',', thousands: '.', date_format: 'DD.MM.YYYY', currency: 'EUR', columns: { booking_date: 'Buchungstag', debit: 'Soll', credit: 'Haben', balance: 'Saldo' } });
    const ok = await cli([path.join(FIX, 'bank.csv'), '--format', 'csv', '--profile', inline]);
    expect(ok.err).toBe('');
    expect(JSON.parse(ok.out).statements[0].balance_check).toBe('ok');
  });

  it('a file that does not parse: one line on stderr naming the element, exit 1, nothing on stdout', async () => {
    const f = path.join(dir, 'bad.ofx');
    writeFileSync(f, readFileSync(path.join(FIX, 'ofx-v102.ofx'), 'utf8').replace('<DTPOSTED>20261129', '<DTPOSTED>2026-11-29'));
    const r = await cli([f]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe('ofx: element OFX[1]/BANKMSGSRSV1[1]/STMTTRNRS[1]/STMTRS[1]/BANKTRANLIST[1]/STMTTRN[2]/DTPOSTED[1] (line 55): not an OFX date YYYYMMDD[HHMMSS…]: "2026-11-29"\n');
    const wrong = await cli([path.join(FIX, 'mt940-ing.sta'), '--format', 'camt053']);
    expect(wrong.code).toBe(1);
    expect(wrong.err.split('\n')).toHaveLength(2);
    expect(wrong.err).toMatch(/^camt053: line 1: /);
    const settle = await cli([]);
    expect(settle.code).not.toBe(0);
    const missing = await cli([path.join(dir, 'nope.xml')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^ENOENT: no such file or directory/);
  });

  it('books settlement parse prints the report, or one line naming the line and column', async () => {
    const SFIX = path.join(ROOT, 'src/hub/books/settlement/fixtures');
    const r = await runCli(['books', 'settlement', 'parse', path.join(SFIX, 'adyen-settlement-details.csv')]);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out).payouts).toEqual([{ payout_id: '48', date: '2026-11-27', currency: 'EUR', amount: '918.30', lines_check: 'ok' }]);
    const g = await runCli(['books', 'settlement', 'parse', path.join(SFIX, 'generic.csv')]);
    expect(g).toMatchObject({ code: 1, out: '', err: 'generic: processor: a generic settlement file needs the processor key (--processor, e.g. "worldpay")\n' });
  });
});
