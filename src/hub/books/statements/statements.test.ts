import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse86, parseStatementBytes, parseStatementText, StatementParseError, type ParsedStatements } from './index';
import { addDecimal, normaliseDecimal, sumsTo } from './amounts';

// Realistic files per format and version (written after the published layouts and public
// bank samples: camt.053.001.02/.04/.08, German DK and Dutch MT940 with their :86: styles,
// OFX 1.02 SGML and 2.2 XML), and broken copies of them.

const dir = path.join(import.meta.dirname, 'fixtures');
const load = (name: string) => readFileSync(path.join(dir, name));
const text = (name: string) => load(name).toString('utf8');

function parseErr(fn: () => unknown): StatementParseError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StatementParseError);
    return e as StatementParseError;
  }
  throw new Error('expected a StatementParseError');
}

const GERMAN_CSV_PROFILE = {
  skip_lines: 1,
  delimiter: ';',
  decimal: ',',
  thousands: '.',
  date_format: 'DD.MM.YYYY',
  currency: 'EUR',
  account: 'DE89370400440532013000',
  columns: { booking_date: 'Buchungstag', value_date: 'Valuta', counterparty: 'Auftraggeber/Empfänger', description: 'Verwendungszweck', reference: 'Referenz', debit: 'Soll', credit: 'Haben', balance: 'Saldo' },
};

describe('camt.053', () => {
  it('001.02: previous closing balance as opening, EndToEndId reference, pending entry left out', () => {
    const r = parseStatementBytes(load('camt053-v02.xml'));
    expect(r.format).toBe('camt053');
    expect(r.statements).toEqual([
      {
        account: 'DE89370400440532013000',
        currency: 'EUR',
        opening: { date: '2026-11-29', amount: '1520.40' },
        closing: { date: '2026-11-30', amount: '3611.85' },
        balance_check: 'ok',
        entries: [
          { booking_date: '2026-11-30', value_date: '2026-11-30', amount: '2187.45', currency: 'EUR', reference: 'po_1QxY7ZKb3s9xT2', counterparty: 'STRIPE PAYMENTS EUROPE LTD', description: 'STRIPE PAYOUT po_1QxY7ZKb3s9xT2' },
          { booking_date: '2026-11-30', value_date: '2026-11-30', amount: '-96.00', currency: 'EUR', reference: '2026113012345679', counterparty: 'Stadtwerke Köln', description: 'Strom November Kd-Nr 4711' },
        ],
      },
    ]);
  });

  it('001.04: debit opening balance, DtTm dates, reversal sign from CdtDbtInd, structured creditor reference', () => {
    const [s] = parseStatementBytes(load('camt053-v04.xml')).statements;
    expect(s!.opening).toEqual({ date: '2026-11-30', amount: '-250.00' });
    expect(s!.closing).toEqual({ date: '2026-11-30', amount: '1230.55' });
    expect(s!.balance_check).toBe('ok');
    expect(s!.entries.map((e) => [e.amount, e.value_date, e.reference, e.description])).toEqual([
      ['1500.00', '2026-12-01', 'ZKB-991', 'Einzahlung Nachttresor Beutel 000417'],
      ['-19.45', '2026-11-30', 'RF18539007547034', 'RF18539007547034'],
    ]);
  });

  it('001.08: <Sts><Cd>, party names under <Pty>, several statements, Othr account id', () => {
    const r = parseStatementBytes(load('camt053-v08.xml'));
    expect(r.statements.map((s) => [s.account, s.currency, s.balance_check, s.entries.length])).toEqual([
      ['NL91ABNA0417164300', 'EUR', 'ok', 2],
      ['0417164301', 'USD', 'ok', 0],
    ]);
    expect(r.statements[0]!.entries[0]).toMatchObject({ counterparty: 'Adyen N.V.', reference: 'Adyen-SETTLE-B2026-48', amount: '973.22' });
    expect(r.statements[0]!.entries[1]).toMatchObject({ booking_date: '2026-11-30', value_date: '2026-11-30', counterparty: 'ABN AMRO Bank N.V.', description: 'Kosten betalingsverkeer' });
  });

  it('an unbalanced statement parses with balance_check "mismatch"', () => {
    const r = parseStatementText(text('camt053-v08.xml').replace('961.72', '961.73'));
    expect(r.statements[0]!.balance_check).toBe('mismatch');
  });

  it('a wrong element names the element and its line', () => {
    const e = parseErr(() => parseStatementText(text('camt053-v02.xml').replace('<CdtDbtInd>DBIT</CdtDbtInd>\n        <Sts>', '<CdtDbtInd>DEBIT</CdtDbtInd>\n        <Sts>')));
    expect(e.message).toBe('camt053: element Document/BkToCstmrStmt[1]/Stmt[1]/Ntry[2]/CdtDbtInd[1] (line 52): must be CRDT or DBIT, got "DEBIT"');
    const amt = parseErr(() => parseStatementText(text('camt053-v04.xml').replace('<Amt Ccy="CHF">19.45</Amt>', '<Amt Ccy="CHF">19,45</Amt>')));
    expect(amt.where).toMatch(/^element Document\/BkToCstmrStmt\[1\]\/Stmt\[1\]\/Ntry\[2\]\/Amt\[1\] \(line \d+\)$/);
    const missing = parseErr(() => parseStatementText(text('camt053-v08.xml').replace('<CdtDbtInd>DBIT</CdtDbtInd>', '')));
    expect(missing.problem).toBe('missing <CdtDbtInd>');
  });

  it('a truncated or mis-nested file names the line', () => {
    const t = text('camt053-v02.xml');
    const e = parseErr(() => parseStatementText(t.slice(0, t.indexOf('<Ntry>', t.indexOf('<Ntry>') + 1))));
    expect(e.format).toBe('camt053');
    expect(e.where).toMatch(/^line \d+$/);
    const nest = parseErr(() => parseStatementText(t.replace('</BookgDt>', '</ValDt>')));
    expect(nest.message).toMatch(/^camt053: line 35: Expected closing tag 'BookgDt'/);
  });

  it('refuses a camt.052 report or another document, naming what it found', () => {
    const e = parseErr(() => parseStatementText(text('camt053-v02.xml').replace(/BkToCstmrStmt/g, 'BkToCstmrAcctRpt'), { format: 'camt053' }));
    expect(e.problem).toBe('expected <BkToCstmrStmt> (a camt.053 statement), found <BkToCstmrAcctRpt>');
  });
});

describe('MT940', () => {
  it('German savings bank in SWIFT blocks: ?-structured :86: with SEPA EREF/SVWZ, funds code, reversal', () => {
    const r = parseStatementBytes(load('mt940-sparkasse.sta'));
    expect(r.format).toBe('mt940');
    const [s] = r.statements;
    expect(s).toMatchObject({ account: '37050198/1234567890', currency: 'EUR', opening: { date: '2026-11-27', amount: '12345.67' }, closing: { date: '2026-11-30', amount: '16552.12' }, balance_check: 'ok' });
    expect(s!.entries).toEqual([
      { booking_date: '2026-11-28', value_date: '2026-11-28', amount: '1872.30', currency: 'EUR', reference: 'TS-PAYOUT-2026-11-28', counterparty: 'ADYEN N.V.', description: 'Auszahlung Kartenumsaetze 27.11.2026 Filiale 001' },
      { booking_date: '2026-11-28', value_date: '2026-11-28', amount: '-45.90', currency: 'EUR', reference: '', counterparty: '', description: 'Kontofuehrung November' },
      { booking_date: '2026-11-30', value_date: '2026-11-30', amount: '2400.00', currency: 'EUR', reference: '000417', counterparty: '', description: 'Nachttresor Beutel 000417 Filiale 001' },
      { booking_date: '2026-11-30', value_date: '2026-11-30', amount: '-19.95', currency: 'EUR', reference: 'TS-REF-0099', counterparty: 'Erika Mustermann', description: 'Ruecklastschrift' },
    ]);
  });

  it('Dutch bank: /EREF/CNTP/REMI/ :86:, NOTPROVIDED, supplementary details, 60M/62M pages, entry date in the next year', () => {
    const r = parseStatementBytes(load('mt940-ing.sta'));
    expect(r.statements).toHaveLength(2);
    expect(r.statements[0]!.entries.map((e) => [e.amount, e.reference, e.counterparty, e.description])).toEqual([
      ['250.00', 'TS-DEP-000418', 'Tillstream Store 002', 'Cash deposit bag 000418'],
      ['-12.34', '00000012346', 'KPN B.V.', 'Factuur 2026-11'],
    ]);
    expect(r.statements.map((s) => s.balance_check)).toEqual(['ok', 'ok']);
    expect(r.statements[1]!.entries.map((e) => [e.value_date, e.booking_date])).toEqual([
      ['2026-12-31', '2026-12-31'],
      ['2026-12-29', '2027-01-02'],
    ]);
  });

  it('a statement that does not add up says "mismatch"', () => {
    expect(parseStatementText(text('mt940-ing.sta').replace(':62F:C261130EUR1237,66', ':62F:C261130EUR1237,67')).statements[0]!.balance_check).toBe('mismatch');
  });

  it('a bad statement line names its line', () => {
    const e = parseErr(() => parseStatementText(text('mt940-sparkasse.sta').replace(':61:2611281128DR45,90NMSCNONREF', ':61:2611281128XR45,90NMSCNONREF')));
    expect(e.message).toMatch(/^mt940: line 9: field :61: is not a statement line/);
    const bal = parseErr(() => parseStatementText(text('mt940-ing.sta').replace(':60F:C261129EUR1000,00', ':60F:C261129EURX1000,00')));
    expect(bal.message).toMatch(/^mt940: line 5: field :60F: must be C\|D, YYMMDD/);
    const date = parseErr(() => parseStatementText(text('mt940-ing.sta').replace(':61:261130C250,00', ':61:261330C250,00')));
    expect(date.message).toBe('mt940: line 6: field :61: value date: not a date YYMMDD: "261330"');
  });

  it('a truncated file (no closing balance) is refused', () => {
    const t = text('mt940-sparkasse.sta');
    const e = parseErr(() => parseStatementText(t.slice(0, t.indexOf(':62F:'))));
    expect(e.problem).toMatch(/has no closing balance :62F:\/:62M: \(file truncated\?\)/);
  });

  it('reads the :86: variants', () => {
    expect(parse86(['Free text line one', 'and two'])).toEqual({ description: 'Free text line one and two' });
    expect(parse86(['000>100987654321', '>20ALGEMENE TUSSENREKENING KOS>21TEN VAN 01-10-2010', '>310390123456'])).toMatchObject({ description: 'ALGEMENE TUSSENREKENING KOS TEN VAN 01-10-2010' });
    expect(parse86(['/TRTP/SEPA OVERBOEKING/IBAN/NL46ABNA0499998748/BIC/ABNANL2A/NAME/J', ' JANSSEN/REMI/Factuur 123/EREF/E2E-77'])).toMatchObject({ counterparty: 'J JANSSEN', description: 'Factuur 123', reference: 'E2E-77' });
  });
});

describe('OFX', () => {
  it('1.02 SGML bank statement: unclosed value elements, entities, PAYEE aggregate, ledger balance only', () => {
    const r = parseStatementBytes(load('ofx-v102.ofx'));
    expect(r.format).toBe('ofx');
    const [s] = r.statements;
    expect(s).toMatchObject({ account: '000123456789', currency: 'USD', opening: null, closing: { date: '2026-11-30', amount: '5288.07' }, balance_check: 'no balances' });
    expect(s!.entries).toEqual([
      { booking_date: '2026-11-28', value_date: '2026-11-30', amount: '1523.07', currency: 'USD', reference: '202611280001', counterparty: 'STRIPE TRANSFER ST-K3J9X2', description: 'po_1QzA8bKb3s9xT2 STRIPE PAYOUT' },
      { booking_date: '2026-11-29', value_date: '2026-11-29', amount: '800.00', currency: 'USD', reference: '202611290002', counterparty: 'DEPOSIT BRANCH 0117', description: 'DEPOSIT BRANCH 0117' },
      { booking_date: '2026-11-30', value_date: '2026-11-30', amount: '-35.00', currency: 'USD', reference: '202611300003', counterparty: 'Armored Car Co & Sons', description: 'Cash pickup fee' },
    ]);
  });

  it('2.2 XML credit card statement: explicit + sign, decimal comma, escaped text', () => {
    const [s] = parseStatementBytes(load('ofx-v220.ofx')).statements;
    expect(s!.account).toBe('4111XXXXXXXX1111');
    expect(s!.entries.map((e) => [e.amount, e.description])).toEqual([
      ['-64.20', 'OFFICE SUPPLY #112'],
      ['10.50', 'Refund <toner>'],
    ]);
    expect(s!.closing).toEqual({ date: '2026-11-30', amount: '-53.70' });
  });

  it('an XML header over an SGML body (as some banks write it) still parses', () => {
    const body = text('ofx-v102.ofx').slice(text('ofx-v102.ofx').indexOf('<OFX>'));
    const r = parseStatementText(`<?xml version="1.0" encoding="UTF-8"?>\n<?OFX OFXHEADER="200" VERSION="203"?>\n${body}`);
    expect(r.statements[0]!.entries).toHaveLength(3);
  });

  it('bad files: a truncated aggregate, a bad amount, a stray closing tag', () => {
    const t = text('ofx-v102.ofx');
    expect(parseErr(() => parseStatementText(t.slice(0, t.indexOf('</BANKTRANLIST>')))).message).toMatch(/^ofx: line \d+: <\w+> is never closed \(file truncated\?\)$/);
    expect(parseErr(() => parseStatementText(t.replace('<TRNAMT>-35.00', '<TRNAMT>-35.0O'))).message).toBe(
      'ofx: element OFX[1]/BANKMSGSRSV1[1]/STMTTRNRS[1]/STMTRS[1]/BANKTRANLIST[1]/STMTTRN[3]/TRNAMT[1] (line 64): not an amount in USD: "-35.0O"',
    );
    expect(parseErr(() => parseStatementText(t.replace('</FI>', '</FX>'))).message).toBe('ofx: line 23: closing tag </FX> without a matching <FX>');
  });
});

describe('CSV with a column profile', () => {
  it('German bank export: preamble, ;-separated, decimal comma, debit/credit columns, running balance', () => {
    const r = parseStatementBytes(load('bank.csv'), { profile: GERMAN_CSV_PROFILE });
    expect(r.format).toBe('csv');
    const [s] = r.statements;
    expect(s).toMatchObject({ account: 'DE89370400440532013000', currency: 'EUR', opening: { date: '2026-11-02', amount: '2000.00' }, closing: { date: '2026-11-03', amount: '5108.10' }, balance_check: 'ok' });
    expect(s!.entries.map((e) => [e.booking_date, e.value_date, e.amount, e.reference, e.counterparty, e.description])).toEqual([
      ['2026-11-02', '2026-11-02', '1204.10', 'B2026-44', 'Adyen N.V.', 'Batch 44; Auszahlung'],
      ['2026-11-03', '2026-11-03', '-96.00', '', 'Stadtwerke', 'Strom "Oktober"'],
      ['2026-11-03', '2026-11-04', '2000.00', '000415', 'Filiale 001', 'Einzahlung Beutel 000415'],
    ]);
  });

  it('a running balance that does not follow is a mismatch; a bad cell names its line', () => {
    expect(parseStatementText(text('bank.csv').replace('"3.108,10"', '"3.108,11"'), { profile: GERMAN_CSV_PROFILE }).statements[0]!.balance_check).toBe('mismatch');
    expect(parseErr(() => parseStatementText(text('bank.csv').replace('"03.11.2026";"04.11.2026"', '"31.11.2026";"04.11.2026"'), { profile: GERMAN_CSV_PROFILE })).message).toBe(
      'csv: line 5: booking_date: not a date DD.MM.YYYY: "31.11.2026"',
    );
    expect(parseErr(() => parseStatementText(text('bank.csv'), { profile: { ...GERMAN_CSV_PROFILE, columns: { ...GERMAN_CSV_PROFILE.columns, debit: 'Debit' } } })).problem).toMatch(/profile column debit "Debit" is not in the header/);
    expect(parseErr(() => parseStatementText('a,b\n1,2\n', { format: 'csv' })).message).toMatch(/^csv: profile: a CSV statement needs a column profile/);
    expect(parseErr(() => parseStatementText('a,b\n1,2\n', { format: 'csv', profile: { columns: { booking_date: 'a' } } })).message).toMatch(/^csv: profile columns: columns need "amount"/);
  });
});

describe('format detection and decimals', () => {
  it('detects each format from its content', () => {
    const formats = ['camt053-v02.xml', 'camt053-v08.xml', 'mt940-sparkasse.sta', 'mt940-ing.sta', 'ofx-v102.ofx', 'ofx-v220.ofx'].map((f) => parseStatementBytes(load(f)).format);
    expect(formats).toEqual(['camt053', 'camt053', 'mt940', 'mt940', 'ofx', 'ofx']);
  });

  it('decodes a Windows-1252 file and refuses an empty or binary one', () => {
    const latin = Buffer.from(text('mt940-sparkasse.sta').replace('Erika Mustermann', 'Jürgen Weiß'), 'latin1');
    expect(parseStatementBytes(latin).statements[0]!.entries[3]!.counterparty).toBe('Jürgen Weiß');
    expect(parseErr(() => parseStatementBytes(new Uint8Array())).problem).toBe('empty file');
    expect(parseErr(() => parseStatementBytes(Buffer.from('\u0000\u0001PK')))).toBeInstanceOf(StatementParseError);
  });

  it('amounts take the currency decimals; more non-zero decimals are refused', () => {
    expect(normaliseDecimal('1234.5', 'EUR')).toBe('1234.50');
    expect(normaliseDecimal('1234,', 'EUR', ',')).toBe('1234.00');
    expect(normaliseDecimal('100.00', 'JPY')).toBe('100');
    expect(normaliseDecimal('1.5', 'BHD')).toBe('1.500');
    expect(normaliseDecimal('1.005', 'EUR')).toBeNull();
    expect(normaliseDecimal('10.00', 'XXX')).toBe('10.00');
  });

  it('balance arithmetic is exact (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), { maxLength: 50 }), fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (cents, open) => {
        const dec = (v: bigint) => `${v < 0n ? '-' : ''}${(v < 0n ? -v : v) / 100n}.${String((v < 0n ? -v : v) % 100n).padStart(2, '0')}`;
        const total = cents.reduce((a, b) => a + b, open);
        expect(sumsTo(dec(open), cents.map(dec), dec(total))).toBe(true);
        expect(sumsTo(dec(open), cents.map(dec), dec(total + 1n))).toBe(false);
        expect(cents.map(dec).reduce((a, b) => addDecimal(a, b), dec(open))).toBe(dec(total));
      }),
    );
  });
});

export type { ParsedStatements };
