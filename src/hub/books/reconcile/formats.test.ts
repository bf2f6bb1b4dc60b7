import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_SALE_COMPLETED, EXAMPLE_SALE_REFUNDED, EXAMPLE_SHIFT_CLOSED } from '../../../core/events/examples';
import { defaultChart } from '../../../core/ledger/default-charts';
import { envelope } from '../../../core/ledger/testing/envelope';
import type { JournalEvent } from '../../../core/protocol';
import { coreProcessor } from '../../core-processor';
import { ingestBatch } from '../../ingest';
import { trialBalance } from '../../ledger-queries';
import { createStore } from '../../stores';
import { openTestDb, testBackends, type TestDb } from '../../testing/test-db';
import { importSettlement, importStatement, runReconciliation, SettlementParseError, StatementParseError, type ReconItem } from './index';

// Reconciliation end to end in every statement format and both processors' published report
// layouts. A US store takes Stripe cards and drops cash for the bank; a German store takes
// Adyen cards and closes shifts whose takings go to the bank. Stripe's itemized payout
// reconciliation report (twice: a re-sent line), Adyen's Settlement details report, and bank
// statements as OFX 1.x SGML, OFX 2.x XML (overlapping the first), SWIFT MT940 and a bank's
// CSV with a saved profile. The run must end in the right matched and open items: a refund
// inside a settlement, fees posted, a duplicate line, a partial payout, a missing deposit, a
// duplicate bank line, an unknown credit. A file of each format with one bad element is
// refused naming the line or element, writes nothing, and the other files are processed.

const chart = defaultChart('us');
const US = 'store-us';
const US_T = 'store-us-t1';
const DE = 'store-de';
const DE_T = 'store-de-t1';
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

type Ev = { type: string; payload: Record<string, unknown>; at: string };

function sale(store: string, term: string, currency: string, n: number, processor: string, ref: string, at: string): Ev {
  const p = structuredClone(EXAMPLE_SALE_COMPLETED) as unknown as Record<string, unknown> & { tenders: Array<Record<string, unknown>> };
  Object.assign(p, { sale_id: uuid(n), store_id: store, terminal_id: term, currency, completed_at: at });
  Object.assign(p.tenders[0]!, { processor, terminal_ref: ref });
  return { type: 'sale.completed', payload: p, at };
}

function refund(store: string, term: string, currency: string, n: number, of: number, processor: string, ref: string, at: string): Ev {
  const p = { ...structuredClone(EXAMPLE_SALE_REFUNDED), refund_id: uuid(n), original_sale_id: uuid(of), store_id: store, terminal_id: term, currency, refunded_at: at, tenders: [{ tender_id: 'RT1', kind: 'card', amount: 980, processor, terminal_ref: ref }] } as unknown as Record<string, unknown>;
  return { type: 'sale.refunded', payload: p, at };
}

function drop(n: number, amount: number, reason: string, at: string): Ev {
  return { type: 'shift.cash_moved', payload: { movement_id: uuid(n), shift_id: EXAMPLE_SALE_COMPLETED.shift_id, store_id: US, terminal_id: US_T, cashier_id: 'emp-17', currency: 'USD', kind: 'drop', amount, reason, account_hint: 'bank', moved_at: at }, at };
}

function shiftClose(shift: string, counted: number, at: string): Ev {
  const p = { ...structuredClone(EXAMPLE_SHIFT_CLOSED), shift_id: shift, store_id: DE, terminal_id: DE_T, currency: 'EUR', opened_at: at.replace('T18', 'T08'), closed_at: at, opening_float: 10000, expected_cash: counted, counted_cash: counted, variance: 0, tenders: [], sales_count: 0, refunds_count: 0, unsynced_count: 0, oldest_unsynced_at: null } as unknown as Record<string, unknown>;
  return { type: 'shift.closed', payload: p, at };
}

function seal(list: Ev[]): JournalEvent[] {
  let prev: string | undefined;
  return list.map((e, i) => {
    const ev = envelope(e.type, e.payload, { seq: i + 1, occurred_at: e.at, ...(prev ? { prev_hash: prev } : {}) });
    prev = ev.hash;
    return ev;
  });
}

const SHIFT_1 = 'a1b2c3d4-0000-4000-8000-000000000001';
const SHIFT_2 = 'e5f6a7b8-0000-4000-8000-000000000002';

const usEvents = seal([
  sale(US, US_T, 'USD', 1, 'stripe', 'pi_3QyR1aKb3s9xT2a1', '2026-11-23T15:00:00.000Z'),
  sale(US, US_T, 'USD', 2, 'stripe', 'pi_3QyR2bKb3s9xT2b2', '2026-11-23T16:00:00.000Z'),
  sale(US, US_T, 'USD', 3, 'stripe', 'pi_3QyT5eKb3s9xT2e5', '2026-11-24T15:00:00.000Z'),
  sale(US, US_T, 'USD', 4, 'stripe', 'pi_3QyZ9zKb3s9xT2z9', '2026-11-18T15:00:00.000Z'), // never settled
  refund(US, US_T, 'USD', 5, 1, 'stripe', 'pi_3QyR1aKb3s9xT2a1', '2026-11-24T10:00:00.000Z'),
  drop(6, 50000, 'Bag 000417 to bank', '2026-11-23T20:00:00.000Z'),
]);
const deEvents = seal([
  sale(DE, DE_T, 'EUR', 11, 'adyen', '8816178952380553', '2026-11-25T09:00:00.000Z'),
  sale(DE, DE_T, 'EUR', 12, 'adyen', '8816178952380554', '2026-11-25T10:00:00.000Z'),
  refund(DE, DE_T, 'EUR', 13, 11, 'adyen', '8816178952380553', '2026-11-25T15:00:00.000Z'),
  shiftClose(SHIFT_1, 35000, '2026-11-25T18:00:00.000Z'), // 350.00 counted − 100.00 float: 250.00 to the bank
  shiftClose(SHIFT_2, 40000, '2026-11-26T18:00:00.000Z'), // 300.00 to the bank: never arrives
]);

// Stripe itemized payout reconciliation report (report type payout_reconciliation.itemized.5).
const STRIPE_HEADER = 'automatic_payout_id,automatic_payout_effective_at,balance_transaction_id,created_utc,created,available_on_utc,available_on,currency,gross,fee,net,reporting_category,source_id,description,customer_facing_amount,customer_facing_currency,payment_intent_id,charge_id,payment_method_type,card_brand,statement_descriptor';
const STRIPE = [
  STRIPE_HEADER,
  'po_1QzA8bKb3s9xT2,2026-11-26 00:00:00,txn_3QyR1aKb3s9xT2a1,2026-11-23 20:02:11,2026-11-23 15:02:11,2026-11-25 00:00:00,2026-11-25 00:00:00,usd,10.00,0.59,9.41,charge,ch_3QyR1aKb3s9xT2a1,Store US sale,10.00,usd,pi_3QyR1aKb3s9xT2a1,ch_3QyR1aKb3s9xT2a1,card_present,visa,TILLSTREAM',
  'po_1QzA8bKb3s9xT2,2026-11-26 00:00:00,txn_3QyR2bKb3s9xT2b2,2026-11-23 21:40:55,2026-11-23 16:40:55,2026-11-25 00:00:00,2026-11-25 00:00:00,usd,10.00,0.59,9.41,charge,ch_3QyR2bKb3s9xT2b2,Store US sale,10.00,usd,pi_3QyR2bKb3s9xT2b2,ch_3QyR2bKb3s9xT2b2,card_present,mastercard,TILLSTREAM',
  'po_1QzA8bKb3s9xT2,2026-11-26 00:00:00,txn_3QyR3cKb3s9xT2c3,2026-11-24 15:12:00,2026-11-24 10:12:00,2026-11-25 00:00:00,2026-11-25 00:00:00,usd,-9.80,0.00,-9.80,refund,re_3QyR3cKb3s9xT2c3,"Refund, wrong size",-9.80,usd,pi_3QyR1aKb3s9xT2a1,ch_3QyR1aKb3s9xT2a1,card_present,visa,TILLSTREAM',
  'po_1QzA8bKb3s9xT2,2026-11-26 00:00:00,txn_1QyS4dKb3s9xT2d4,2026-11-24 23:59:59,2026-11-24 18:59:59,2026-11-25 00:00:00,2026-11-25 00:00:00,usd,-0.07,0.00,-0.07,network_cost,,Card present network cost,,,,,,,',
  'po_1QzB9cKb3s9xT2,2026-11-27 00:00:00,txn_3QyT5eKb3s9xT2e5,2026-11-24 20:11:11,2026-11-24 15:11:11,2026-11-26 00:00:00,2026-11-26 00:00:00,usd,10.00,0.59,9.41,charge,ch_3QyT5eKb3s9xT2e5,Store US sale,10.00,usd,pi_3QyT5eKb3s9xT2e5,ch_3QyT5eKb3s9xT2e5,card_present,amex,TILLSTREAM',
].join('\n');
// The next report re-sends one line (same balance transaction, same payout).
const STRIPE_RESENT = [STRIPE_HEADER, STRIPE.split('\n')[2]!].join('\n');

// Adyen Settlement details report, batch 48 (EUR).
const ADYEN = [
  'Company Account,Merchant Account,Psp Reference,Merchant Reference,Payment Method,Creation Date,TimeZone,Type,Modification Reference,Gross Currency,Gross Debit (GC),Gross Credit (GC),Exchange Rate,Net Currency,Net Debit (NC),Net Credit (NC),Commission (NC),Markup (NC),Scheme Fees (NC),Interchange (NC),Payment Method Variant,Modification Merchant Reference,Batch Number,Reserved4,Reserved5,Reserved6,Reserved7,Reserved8,Reserved9,Reserved10',
  'TillstreamDemo,TillstreamDemoPOS,8816178952380553,store-de-t1-000001,visa,2026-11-25 10:15:31,CET,Settled,8826178952390011,EUR,,10.00,1,EUR,,9.71,,0.13,0.08,0.08,visadebit,,48,,,,,,,',
  'TillstreamDemo,TillstreamDemoPOS,8816178952380554,store-de-t1-000002,mc,2026-11-25 11:02:09,CET,Settled,8826178952390012,EUR,,10.00,1,EUR,,9.71,,0.13,0.08,0.08,mccredit,,48,,,,,,,',
  'TillstreamDemo,TillstreamDemoPOS,8816178952380553,store-de-t1-000001,visa,2026-11-25 16:40:00,CET,Refunded,8826178952390099,EUR,9.80,,1,EUR,9.84,,,0.04,,,visadebit,refund-13,48,,,,,,,',
  'TillstreamDemo,TillstreamDemoPOS,,,,2026-11-26 04:55:40,CET,Fee,Transaction Fees November 2026,,,,,EUR,1.20,,,,,,,,48,,,,,,,',
  'TillstreamDemo,TillstreamDemoPOS,,,,2026-11-26 05:00:00,CET,MerchantPayout,"TX4517269571XT batch 48, DE89370400440532013000",,,,,EUR,8.38,,,,,,,,48,,,,,,,',
].join('\n');

// OFX 1.x SGML (the US store's bank): the first Stripe payout in full, the second only in
// part, the bag deposit, a bank fee.
const OFX1 = `OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20261130060000.000[-5:EST]<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1>
<STMTTRNRS>
<TRNUID>1
<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<STMTRS>
<CURDEF>USD
<BANKACCTFROM><BANKID>021000021<ACCTID>000123456789<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST>
<DTSTART>20261123
<DTEND>20261130
<STMTTRN>
<TRNTYPE>DEP
<DTPOSTED>20261124
<TRNAMT>500.00
<FITID>202611240001
<NAME>NIGHT DEPOSIT BAG 000417
</STMTTRN>
<STMTTRN>
<TRNTYPE>CREDIT
<DTPOSTED>20261126
<TRNAMT>8.95
<FITID>202611260002
<NAME>STRIPE TRANSFER
<MEMO>po_1QzA8bKb3s9xT2 STRIPE PAYOUT
</STMTTRN>
<STMTTRN>
<TRNTYPE>CREDIT
<DTPOSTED>20261127
<TRNAMT>5.00
<FITID>202611270003
<NAME>STRIPE TRANSFER
<MEMO>po_1QzB9cKb3s9xT2 STRIPE PAYOUT
</STMTTRN>
<STMTTRN>
<TRNTYPE>SRVCHG
<DTPOSTED>20261130
<TRNAMT>-12.00
<FITID>202611300004
<NAME>MONTHLY SERVICE FEE
</STMTTRN>
</BANKTRANLIST>
<LEDGERBAL><BALAMT>501.95<DTASOF>20261130235959[-5:EST]</LEDGERBAL>
</STMTRS>
</STMTTRNRS>
</BANKMSGSRSV1>
</OFX>
`;

// OFX 2.x XML from the same bank, overlapping: the Stripe credit again, and an unknown credit.
const OFX2 = `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>
<OFX>
  <SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS><DTSERVER>20261202080000.000[-5:EST]</DTSERVER><LANGUAGE>ENG</LANGUAGE></SONRS></SIGNONMSGSRSV1>
  <BANKMSGSRSV1>
    <STMTTRNRS>
      <TRNUID>2</TRNUID>
      <STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>
      <STMTRS>
        <CURDEF>USD</CURDEF>
        <BANKACCTFROM><BANKID>021000021</BANKID><ACCTID>000123456789</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>
        <BANKTRANLIST>
          <DTSTART>20261126</DTSTART>
          <DTEND>20261202</DTEND>
          <STMTTRN>
            <TRNTYPE>CREDIT</TRNTYPE>
            <DTPOSTED>20261126</DTPOSTED>
            <TRNAMT>8.95</TRNAMT>
            <FITID>202611260002</FITID>
            <NAME>STRIPE TRANSFER</NAME>
            <MEMO>po_1QzA8bKb3s9xT2 STRIPE PAYOUT</MEMO>
          </STMTTRN>
          <STMTTRN>
            <TRNTYPE>CREDIT</TRNTYPE>
            <DTPOSTED>20261201</DTPOSTED>
            <TRNAMT>77.77</TRNAMT>
            <FITID>202612010005</FITID>
            <NAME>UNEXPLAINED TRANSFER</NAME>
          </STMTTRN>
        </BANKTRANLIST>
        <LEDGERBAL><BALAMT>579.72</BALAMT><DTASOF>20261202000000.000[-5:EST]</DTASOF></LEDGERBAL>
      </STMTRS>
    </STMTTRNRS>
  </BANKMSGSRSV1>
</OFX>
`;

// SWIFT MT940 (the German store's bank): Adyen's payout and the first shift's takings,
// whose slip names the shift.
const MT940 = `{1:F01COBADEFFAXXX0000000000}{2:O9401200261130COBADEFFAXXX00000000002611301200N}{4:
:20:STARTUMS
:25:37040044/0532013000
:28C:00231/001
:60F:C261124EUR1000,00
:61:2611261126CR250,00NMSCNONREF
:86:082?00EINZAHLUNG?20Tagesabschluss Z a1b2c3d4?21Filiale DE
:61:2611271127CR8,38NTRFNONREF//TX4517269571XT
:86:166?00GUTSCHR. UEBERWEISUNG?20EREF+TX4517269571XT?21SVWZ+Adyen payout batch 48?32ADYEN N.V.
:62F:C261127EUR1258,38
-}`;

// The same bank's CSV export a week later (a saved column profile): interest only. It shows the
// statement has moved past the second shift's deposit window.
const CSV = [
  '"Kontoauszug";"DE89370400440532013000"',
  '"Buchungstag";"Valuta";"Auftraggeber/Empfänger";"Verwendungszweck";"Referenz";"Soll";"Haben";"Saldo"',
  '"01.12.2026";"01.12.2026";"Commerzbank";"Zinsen";"Z-2026-11";"";"0,12";"1.258,50"',
  '"02.12.2026";"02.12.2026";"Commerzbank";"Kontofuehrung";"";"4,90";"";"1.253,60"',
].join('\n');
const PROFILE = {
  skip_lines: 1, delimiter: ';', decimal: ',', thousands: '.', date_format: 'DD.MM.YYYY', currency: 'EUR', account: 'DE89370400440532013000',
  columns: { booking_date: 'Buchungstag', value_date: 'Valuta', debit: 'Soll', credit: 'Haben', balance: 'Saldo', reference: 'Referenz', counterparty: 'Auftraggeber/Empfänger', description: 'Verwendungszweck' },
};

describe.each(testBackends())('reconciliation in every file format on $name', (backend) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(backend);
    await createStore(t.db, { store_id: US, name: 'Main St', currency: 'USD' });
    await createStore(t.db, { store_id: DE, name: 'Hauptstraße', currency: 'EUR' });
    await t.db.query(`INSERT INTO terminals (terminal_id, store_id) VALUES ($1, $2), ($3, $4)`, [US_T, US, DE_T, DE]);
    for (const [term, store, events] of [[US_T, US, usEvents], [DE_T, DE, deEvents]] as const) {
      const r = await ingestBatch(t.db, { terminal_id: term, store_id: store, processor: coreProcessor(chart) }, events);
      expect(r.rejected.map((x) => `${x.seq} ${x.code} ${x.reason}`)).toEqual([]);
    }
  }, 120_000);
  afterAll(async () => t?.dispose());

  const imports = async () => Number((await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM books_imports`)).rows[0]!.n);

  it('refuses a file of each format with one bad element, naming it, and writes nothing', async () => {
    const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
      ['mt940', () => importStatement(t.db, { bytes: Buffer.from(MT940.replace(':61:2611271127CR8,38', ':61:2611271127XX8,38')), by: 'fin' }), /^mt940: line 8: field :61: /],
      ['ofx 1', () => importStatement(t.db, { bytes: Buffer.from(OFX1.replace('<TRNAMT>5.00', '<TRNAMT>five')), by: 'fin' }), /^ofx: element OFX\[1\]\/BANKMSGSRSV1\[1\]\/STMTTRNRS\[1\]\/STMTRS\[1\]\/BANKTRANLIST\[1\]\/STMTTRN\[3\]\/TRNAMT\[1\] \(line 41\): not an amount in USD: "five"/],
      ['ofx 2', () => importStatement(t.db, { bytes: Buffer.from(OFX2.replace('<DTPOSTED>20261201</DTPOSTED>', '<DTPOSTED>20261301</DTPOSTED>')), by: 'fin' }), /^ofx: element .*STMTTRN\[2\]\/DTPOSTED\[1\] \(line 25\): not an OFX date/],
      ['csv', () => importStatement(t.db, { bytes: Buffer.from(CSV.replace('"02.12.2026";"02.12.2026"', '"31.11.2026";"02.12.2026"')), format: 'csv', profile: PROFILE, by: 'fin' }), /^csv: line 4: booking_date: /],
      ['stripe', () => importSettlement(t.db, chart, { bytes: Buffer.from(STRIPE.replace('10.00,0.59,9.41,charge,ch_3QyR2b', '10.00,0.59,9.40,charge,ch_3QyR2b')), by: 'fin' }), /^stripe: line 3: net: /],
      ['adyen', () => importSettlement(t.db, chart, { bytes: Buffer.from(ADYEN.replace('EUR,9.84,,,0.04', 'EUR,9.8x,,,0.04')), by: 'fin' }), /^adyen: line 4: Net Debit \(NC\)/],
    ];
    for (const [name, run, message] of cases) {
      const err = await run().then(() => null, (e: unknown) => e);
      expect(err, name).toBeInstanceOf(Error);
      expect(err instanceof StatementParseError || err instanceof SettlementParseError, name).toBe(true);
      expect((err as Error).message.split('\n')[0], name).toMatch(message);
    }
    expect(await imports()).toBe(0);
  });

  it('imports the good files, posts payouts with their fees, and recognises the same file again', async () => {
    const s1 = await importSettlement(t.db, chart, { bytes: Buffer.from(STRIPE), by: 'fin', file_name: 'payout_reconciliation.csv' });
    expect(s1.report.format).toBe('stripe');
    expect(s1.posted_entries.sort()).toEqual(['settlement-stripe-po_1QzA8bKb3s9xT2', 'settlement-stripe-po_1QzB9cKb3s9xT2']);
    expect((await importSettlement(t.db, chart, { bytes: Buffer.from(STRIPE), by: 'fin' })).already_imported).toBe(true);
    await importSettlement(t.db, chart, { bytes: Buffer.from(STRIPE_RESENT), by: 'fin' });
    const a = await importSettlement(t.db, chart, { bytes: Buffer.from(ADYEN), by: 'fin', file_name: 'settlement_detail_report_batch_48.csv' });
    expect(a.report.format).toBe('adyen');
    expect(a.posted_entries).toEqual(['settlement-adyen-48']);

    const lines = async (id: string) => (await t.db.query<{ account: string; debit: number; credit: number }>(`SELECT account, debit::int AS debit, credit::int AS credit FROM ledger_lines WHERE entry_id = $1 ORDER BY line_no`, [id])).rows;
    // Stripe: gross 10 + 10 − 9.80 (refund) = 10.20 from clearing; fees 0.59 + 0.59 + 0.07; 8.95 to the bank.
    expect(await lines('settlement-stripe-po_1QzA8bKb3s9xT2')).toEqual([
      { account: '1030', debit: 895, credit: 0 },
      { account: '6200', debit: 125, credit: 0 },
      { account: '1110', debit: 0, credit: 1020 },
    ]);
    // Adyen: gross 10 + 10 − 9.80 = 10.20; fees 0.29 + 0.29 + 0.04 + 1.20 = 1.82; 8.38 to the bank.
    expect(await lines('settlement-adyen-48')).toEqual([
      { account: '1030', debit: 838, credit: 0 },
      { account: '6200', debit: 182, credit: 0 },
      { account: '1120', debit: 0, credit: 1020 },
    ]);

    const o1 = await importStatement(t.db, { bytes: Buffer.from(OFX1), by: 'fin', file_name: 'nov.ofx' });
    expect(o1.parsed).toMatchObject({ format: 'ofx', statements: [{ account: '000123456789', currency: 'USD', closing: { date: '2026-11-30', amount: '501.95' } }] });
    const o2 = await importStatement(t.db, { bytes: Buffer.from(OFX2), by: 'fin', file_name: 'dec.qfx' });
    expect(o2.lines).toBe(2);
    const m = await importStatement(t.db, { bytes: Buffer.from(MT940), by: 'fin', file_name: 'nov.sta' });
    expect(m.parsed).toMatchObject({ format: 'mt940', statements: [{ account: '37040044/0532013000', balance_check: 'ok' }] });
    const c = await importStatement(t.db, { bytes: Buffer.from(CSV), format: 'csv', profile: PROFILE, by: 'fin', file_name: 'dec.csv' });
    expect(c.parsed.statements[0]).toMatchObject({ balance_check: 'ok', entries: [{ amount: '0.12' }, { amount: '-4.90' }] });
    expect((await importStatement(t.db, { bytes: Buffer.from(MT940), by: 'fin' })).already_imported).toBe(true);
    expect((await trialBalance(t.db)).balanced).toBe(true);
  });

  it('ends in the right matched and open items', async () => {
    const items = await runReconciliation(t.db, { from: '2026-11-01', to: '2026-12-31' });
    const by = new Map(items.map((i) => [i.item_key, i]));
    const state = (k: string) => {
      const i = by.get(k);
      return i ? `${i.status}${i.reason ? `: ${i.reason}` : ''}` : 'absent';
    };
    const find = (pred: (i: ReconItem) => boolean) => items.filter(pred).map((i) => `${i.kind} ${i.status}${i.reason ? `: ${i.reason}` : ''}`);
    // Stripe: both sales and the refund inside the settlement match by payment intent.
    expect(state(`tender:${uuid(1)}:T1`)).toBe('matched');
    expect(state(`tender:${uuid(2)}:T1`)).toBe('matched');
    expect(state(`tender:${uuid(3)}:T1`)).toBe('matched');
    expect(state(`tender:${uuid(5)}:RT1`)).toBe('matched');
    expect(state('settlement:stripe:txn_3QyR3cKb3s9xT2c3')).toBe('matched'); // the refund line
    expect(state(`tender:${uuid(4)}:T1`)).toBe('open: missing'); // sold, never settled
    expect(find((i) => i.kind === 'settlement_line' && i.reason === 'duplicate')).toEqual(['settlement_line open: duplicate']); // the re-sent line
    expect(find((i) => i.kind === 'payout' && i.reason === 'duplicate')).toEqual(['payout open: duplicate']); // and its payout, not posted twice
    // Adyen: by PSP reference, the refund in the same batch.
    expect(state(`tender:${uuid(11)}:T1`)).toBe('matched');
    expect(state(`tender:${uuid(12)}:T1`)).toBe('matched');
    expect(state(`tender:${uuid(13)}:RT1`)).toBe('matched');
    // Payouts to bank lines: in full (OFX, by payout id; MT940, by amount and date), in part.
    expect(state('payout:stripe:po_1QzA8bKb3s9xT2')).toBe('matched');
    expect(state('payout:stripe:po_1QzB9cKb3s9xT2')).toBe('open: amount differs');
    expect(by.get('payout:stripe:po_1QzB9cKb3s9xT2')).toMatchObject({ expected: 941, received: 500 });
    expect(state('payout:adyen:48')).toBe('matched');
    // Cash: the bag by its number (OFX), the first shift's takings by its slip (MT940), the second missing.
    expect(state(`deposit:${uuid(6)}`)).toBe('matched');
    expect(state(`shiftclose:${SHIFT_1}`)).toBe('matched');
    expect(by.get(`shiftclose:${SHIFT_1}`)).toMatchObject({ store_id: DE, expected: 25000, received: 25000 });
    expect(state(`shiftclose:${SHIFT_2}`)).toBe('open: missing');
    expect(by.get(`shiftclose:${SHIFT_2}`)).toMatchObject({ expected: 30000, received: 0 });
    // Bank credits nobody claimed: the overlapping statement's repeat, an unknown transfer, interest;
    // and the two bank charges (money out), listed rather than ignored.
    expect(find((i) => i.kind === 'bank_line' && i.status === 'open' && i.received > 0).sort()).toEqual(['bank_line open: duplicate', 'bank_line open: unknown reference', 'bank_line open: unknown reference']);
    expect(items.filter((i) => i.kind === 'bank_line' && i.received < 0).map((i) => [i.received, i.status, i.reason, i.detail.replace(/:.*$/, '')]).sort()).toEqual([
      [-1200, 'open', 'unknown reference', 'money out'],
      [-490, 'open', 'unknown reference', 'money out'],
    ]);
  });
});
