import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_SALE_COMPLETED, EXAMPLE_SALE_REFUNDED } from '../../../core/events/examples';
import { defaultChart } from '../../../core/ledger/default-charts';
import { envelope } from '../../../core/ledger/testing/envelope';
import type { JournalEvent } from '../../../core/protocol';
import { coreProcessor } from '../../core-processor';
import { ingestBatch } from '../../ingest';
import { trialBalance } from '../../ledger-queries';
import { createStore } from '../../stores';
import { openTestDb, testBackends, type TestDb } from '../../testing/test-db';
import { reconcile, SETTLEMENT_WINDOW_DAYS } from './match';
import { importSettlement, importStatement, listItems, openItemCount, reconciliationReport, resolveItem, runReconciliation, StatementParseError } from './index';

// A store's card sales, a card refund, a post-void and two cash drops for the bank go in
// through ingest; a processor settlement and bank statements come in as files. The run must
// end in the right matched and open items: a refund in the settlement, fees, a duplicate
// line, a partial payout, a missing deposit, an unknown reference, a sale outside the window,
// and a file with one bad element that changes nothing.

const chart = defaultChart('us');
const S = 'store-001';
const T = 'store-001-t1';
const DAY = '2026-11-23T15:00:00.000Z';

function sale(id: string, ref: string, at = DAY) {
  const p = structuredClone(EXAMPLE_SALE_COMPLETED) as unknown as Record<string, unknown> & { tenders: Array<Record<string, unknown>> };
  p.sale_id = id;
  p.tenders[0]!.terminal_ref = ref;
  return { type: 'sale.completed', payload: p, at };
}

function events(): JournalEvent[] {
  const list: Array<{ type: string; payload: Record<string, unknown>; at: string }> = [
    sale('00000000-0000-4000-8000-00000000000a', 'SIM-A'),
    sale('00000000-0000-4000-8000-00000000000b', 'SIM-B'),
    sale('00000000-0000-4000-8000-00000000000c', ''),
    sale('00000000-0000-4000-8000-00000000000d', 'SIM-D'),
    sale('00000000-0000-4000-8000-00000000000e', 'SIM-E', '2026-11-10T15:00:00.000Z'),
    {
      type: 'sale.refunded',
      payload: { ...structuredClone(EXAMPLE_SALE_REFUNDED), refund_id: '00000000-0000-4000-8000-0000000000fa', original_sale_id: '00000000-0000-4000-8000-00000000000a', tenders: [{ tender_id: 'RT1', kind: 'card', amount: 980, processor: 'sim', terminal_ref: 'SIM-RA' }] },
      at: '2026-11-23T16:00:00.000Z',
    },
  ];
  const d = list[3]!.payload as typeof EXAMPLE_SALE_COMPLETED;
  list.push({ type: 'sale.post_voided', payload: { post_void_id: '00000000-0000-4000-8000-0000000000fd', sale_id: d.sale_id, store_id: S, terminal_id: T, shift_id: d.shift_id, cashier_id: 'emp-1', reason: 'wrong card', original: d, voided_at: '2026-11-23T15:30:00.000Z' }, at: '2026-11-23T15:30:00.000Z' });
  for (const [id, amount, reason] of [['00000000-0000-4000-8000-0000000000d1', 50000, 'Bag 000417 to bank'], ['00000000-0000-4000-8000-0000000000d2', 25000, 'Bag 000418 to bank']] as const) {
    list.push({ type: 'shift.cash_moved', payload: { movement_id: id, shift_id: d.shift_id, store_id: S, terminal_id: T, cashier_id: 'emp-17', currency: 'USD', kind: 'drop', amount, reason, account_hint: 'bank', moved_at: '2026-11-23T20:00:00.000Z' }, at: '2026-11-23T20:00:00.000Z' });
  }
  const out: JournalEvent[] = [];
  let prev: string | undefined;
  list.forEach((e, i) => {
    const ev = envelope(e.type, e.payload, { seq: i + 1, occurred_at: e.at, ...(prev ? { prev_hash: prev } : {}) });
    prev = ev.hash;
    out.push(ev);
  });
  return out;
}

const SETTLEMENT = [
  'type,transaction_date,reference,merchant_reference,currency,gross,fee,net,payout_id,payout_date,description',
  'sale,2026-11-24,SIM-A,,USD,10.00,0.25,9.75,PO-1126,,',
  'sale,2026-11-24,SIM-B,,USD,9.00,0.25,8.75,PO-1126,,short settled',
  'sale,2026-11-24,,,USD,10.00,0.25,9.75,PO-1126,,no reference',
  'sale,2026-11-24,SIM-X,,USD,4.00,0.10,3.90,PO-1126,,not ours',
  'sale,2026-11-24,SIM-E,,USD,10.00,0.25,9.75,PO-1126,,late',
  'refund,2026-11-24,SIM-RA,,USD,-9.80,0.00,-9.80,PO-1126,,refund in the settlement',
  'fee,2026-11-25,,,USD,,1.50,-1.50,PO-1126,,monthly fee',
  'payout,2026-11-25,,,USD,,,30.60,PO-1126,2026-11-25,',
].join('\n');

const SETTLEMENT_DUP = [
  'type,transaction_date,reference,merchant_reference,currency,gross,fee,net,payout_id,payout_date,description',
  'sale,2026-11-24,SIM-A,,USD,10.00,0.25,9.75,PO-1127,,resent line',
].join('\n');

function camt(entries: Array<[string, string, string, string]>, closing: string): string {
  const ntry = entries
    .map(([amt, ind, date, text]) => `<Ntry><Amt Ccy="USD">${amt}</Amt><CdtDbtInd>${ind}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>${date}</Dt></BookgDt><NtryDtls><TxDtls><RmtInf><Ustrd>${text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>`)
    .join('\n');
  return `<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><GrpHdr><MsgId>1</MsgId><CreDtTm>2026-11-30T00:00:00</CreDtTm></GrpHdr><Stmt><Id>1</Id><Acct><Id><IBAN>US00BANK0001</IBAN></Id><Ccy>USD</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="USD">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-24</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="USD">${closing}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-30</Dt></Dt></Bal>
${ntry}
</Stmt></BkToCstmrStmt></Document>`;
}

describe.each(testBackends())('reconciliation on $name', (backend) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(backend);
    await createStore(t.db, { store_id: S, name: 'Main St', currency: 'USD' });
    await t.db.query(`INSERT INTO terminals (terminal_id, store_id) VALUES ($1, $2)`, [T, S]);
    const r = await ingestBatch(t.db, { terminal_id: T, store_id: S, processor: coreProcessor(chart) }, events());
    expect(r.rejected.map((x) => `${x.seq} ${x.code} ${x.reason}`)).toEqual([]);
  });
  afterAll(async () => t?.dispose());

  it('imports a settlement once, posts its payout with fees, and refuses a file that does not parse whole', async () => {
    const bytes = Buffer.from(SETTLEMENT);
    const first = await importSettlement(t.db, chart, { bytes, processor: 'sim', by: 'finance@hq' });
    expect(first).toMatchObject({ already_imported: false, lines: 7, posted_entries: ['settlement-sim-PO-1126'] });
    const again = await importSettlement(t.db, chart, { bytes, processor: 'sim', by: 'finance@hq' });
    expect(again).toMatchObject({ import_id: first.import_id, already_imported: true, lines: 0, posted_entries: [] });
    await importSettlement(t.db, chart, { bytes: Buffer.from(SETTLEMENT_DUP), processor: 'sim', by: 'finance@hq' });

    const lines = await t.db.query<{ account: string; debit: number; credit: number }>(`SELECT account, debit, credit FROM ledger_lines WHERE entry_id = 'settlement-sim-PO-1126' ORDER BY line_no`);
    // gross 10 + 9 + 10 + 4 + 10 − 9.80 = 33.20, fees 4 × 0.25 + 0.10 + 1.50 = 2.60, to the bank 30.60
    expect(lines.rows).toEqual([
      { account: '1030', debit: 3060, credit: 0 },
      { account: '6200', debit: 260, credit: 0 },
      { account: '1190', debit: 0, credit: 3320 },
    ]);
    const tb = await trialBalance(t.db);
    expect(tb.balanced).toBe(true);

    const bad = camt([['30.60', 'CRDT', '2026-11-26', 'SIM PAYOUT PO-1126']], '30.60').replace('<CdtDbtInd>CRDT</CdtDbtInd><Sts>', '<CdtDbtInd>CREDIT</CdtDbtInd><Sts>');
    await expect(importStatement(t.db, { bytes: Buffer.from(bad), by: 'finance@hq' })).rejects.toBeInstanceOf(StatementParseError);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM books_imports WHERE kind = 'statement'`)).rows[0]).toEqual({ n: 0 });
  });

  it('matches and lists every open item with its reason', async () => {
    const stmt1 = camt(
      [
        ['30.00', 'CRDT', '2026-11-26', 'SIM PAYOUT PO-1126'],
        ['500.00', 'CRDT', '2026-11-24', 'Night safe deposit Beutel 000417'],
        ['77.77', 'CRDT', '2026-11-27', 'Unexplained transfer'],
        ['12.00', 'DBIT', '2026-11-28', 'Bank fee'],
      ],
      '595.77',
    );
    const r1 = await importStatement(t.db, { bytes: Buffer.from(stmt1), by: 'finance@hq', file_name: 'nov.xml' });
    expect(r1.parsed.statements[0]!.balance_check).toBe('ok');
    // an overlapping statement repeats one line
    await importStatement(t.db, { bytes: Buffer.from(camt([['77.77', 'CRDT', '2026-11-27', 'Unexplained transfer']], '77.77')), by: 'finance@hq' });

    const items = await runReconciliation(t.db, { from: '2026-11-01', to: '2026-11-30' });
    const by = new Map(items.map((i) => [i.item_key, i]));
    const reason = (k: string) => (by.get(k) ? `${by.get(k)!.status}${by.get(k)!.reason ? `: ${by.get(k)!.reason}` : ''}` : 'absent');
    expect(reason('settlement:sim:SIM-A:sale:2')).toBe('matched');
    expect(reason('tender:00000000-0000-4000-8000-00000000000a:T1')).toBe('matched');
    expect(reason('settlement:sim:SIM-B:sale:3')).toBe('open: amount differs');
    expect(reason('settlement:sim::sale:4')).toBe('matched'); // no reference: amount and date
    expect(reason('tender:00000000-0000-4000-8000-00000000000c:T1')).toBe('matched');
    expect(reason('settlement:sim:SIM-X:sale:5')).toBe('open: unknown reference');
    expect(reason('settlement:sim:SIM-E:sale:6')).toBe('matched'); // by reference, whatever the date
    expect(reason('settlement:sim:SIM-RA:refund:7')).toBe('matched');
    expect(reason('tender:00000000-0000-4000-8000-0000000000fa:RT1')).toBe('matched');
    expect(reason('tender:00000000-0000-4000-8000-00000000000d:T1')).toBe('absent'); // post-voided: nothing expected
    expect(reason('settlement:sim:SIM-A:sale:2#8')).toBe('open: duplicate');
    const dup = items.find((i) => i.kind === 'settlement_line' && i.reason === 'duplicate');
    expect(dup?.matched_with).toBe('settlement:sim:SIM-A:sale:2');
    expect(reason('payout:sim:PO-1126')).toBe('open: amount differs'); // partial payout: 30.00 of 30.60
    expect(reason('deposit:00000000-0000-4000-8000-0000000000d1')).toBe('matched'); // by bag number
    expect(reason('deposit:00000000-0000-4000-8000-0000000000d2')).toBe('open: missing');
    const bank = items.filter((i) => i.kind === 'bank_line' && i.status === 'open').map((i) => i.reason).sort();
    expect(bank).toEqual(['duplicate', 'unknown reference', 'unknown reference']);
    // the bank fee (money out) is listed, not ignored
    expect(items.find((i) => i.kind === 'bank_line' && i.received === -1200)).toMatchObject({ status: 'open', reason: 'unknown reference', detail: expect.stringMatching(/^money out: .*Bank fee/) });
  });

  it('records a resolution without deleting the item, and reports per day and store', async () => {
    const before = await openItemCount(t.db);
    await expect(resolveItem(t.db, { item_key: 'nope', by: 'x', note: 'y' })).rejects.toThrow(/no reconciliation item/);
    await resolveItem(t.db, { item_key: 'deposit:00000000-0000-4000-8000-0000000000d2', by: 'finance@hq', note: 'bag 000418 deposited on Dec 1, next statement' });
    expect(await openItemCount(t.db)).toBe(before - 1);
    const all = await listItems(t.db);
    const item = all.find((i) => i.item_key === 'deposit:00000000-0000-4000-8000-0000000000d2')!;
    expect(item).toMatchObject({ status: 'open', reason: 'missing', resolution: { resolved_by: 'finance@hq', note: 'bag 000418 deposited on Dec 1, next statement' } });
    await expect(t.db.query(`DELETE FROM recon_resolutions`)).rejects.toThrow(/append-only/);
    const report = await reconciliationReport(t.db, { from: '2026-11-23', to: '2026-11-23' });
    const row = report.find((r) => r.store_id === S && r.date === '2026-11-23')!;
    // expected: cards 10 + 10 + 10 (B,C,A) − 9.80 refund + cash drops 500 + 250
    expect(row).toMatchObject({ currency: 'USD', expected: 1000 + 1000 + 1000 - 980 + 50000 + 25000, received: 1000 + 900 + 1000 - 980 + 50000 });
    expect(row.difference).toBe(row.received - row.expected);
    expect(row.open_items).toBeGreaterThan(0);
  });
});

describe('matching rules (pure)', () => {
  const tender = (key: string, date: string, amount: number, ref = '') => ({ key, store_id: 'S', date, processor: 'p', currency: 'USD', amount, terminal_ref: ref, voided: false });
  const line = (key: string, date: string, gross: number, ref = '') => ({ key, processor: 'p', kind: gross > 0 ? 'sale' : 'refund', reference: ref, date, currency: 'USD', gross });
  it('an amount seen only outside the window, a tender never settled, the nearest of two candidates', () => {
    const items = reconcile({
      tenders: [tender('t1', '2026-11-01', 1234), tender('t2', '2026-11-02', 500), tender('t3', '2026-11-20', 700), tender('t4', '2026-11-21', 700)],
      settlement: [line('s1', '2026-11-20', 1234), line('s2', '2026-11-22', 700)],
      payouts: [],
      bank: [],
      deposits: [],
    });
    const by = new Map(items.map((i) => [i.item_key, i]));
    expect(by.get('s1')).toMatchObject({ status: 'open', reason: 'outside the window', matched_with: 't1' });
    expect(SETTLEMENT_WINDOW_DAYS).toBe(3);
    expect(by.get('t2')).toMatchObject({ status: 'open', reason: 'missing', expected: 500, received: 0 });
    expect(by.get('s2')).toMatchObject({ status: 'matched', matched_with: 't4' });
    expect(by.get('t3')).toBeUndefined(); // within the window of the last settlement: not yet missing
  });
});
