import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { chromium, type Browser, type Page } from 'playwright-core';
import { openJournal, verifyJournalFile } from '../../src/sync';
import { hashPin } from '../../src/main/register';
import { PrinterSimulator, servePrinterOnTcp, type TcpSimServer } from '../../src/drivers/simulators/printer-sim';
import { ZvtTerminalSimulator, type ZvtTcpServer } from '../../src/drivers/simulators/payment-sim';
import type { JournalEvent } from '../../src/core/protocol';
import type { PaymentResolvedPayload, PaymentUnresolvedPayload, SaleCompletedPayload, SaleRefundedPayload } from '../../src/core/events';
import { chromiumPath } from '../../tools/prerequisites.mjs';
import { CASHIER, CHROMIUM_ARGS, MANAGER, SCREENSHOTS, startStoreHub, waitFor, type StoreHub } from './harness';
import { startChildRegister, writeRegisterConfig, type ChildRegister } from './child-register';

// A card payment whose outcome the terminal never reports, as the cashier and store IT meet
// it, with the register as store IT runs it: `tillstream register start` in its own process,
// its devices in the drivers' format (an Epson on a raw TCP port, a ZVT terminal on TCP; both
// simulators live in this process, so their books outlive the register).
//
// 1. The ZVT simulator takes a payment and goes silent. The register journals the unknown
//    payment at once, the cashier sees "Card result unknown" and every tender disabled with
//    the reason; Store IT's test does not say "ready". The register is killed with SIGKILL.
//    The journal on disk still holds the open payment. Restarted, the register blocks again;
//    "Check with terminal" asks the terminal, which says approved: the sale completes with
//    exactly one charge on the terminal's books and the reference on both receipts.
// 2. That approved-after-unknown card sale is returned: the refund reaches the terminal with
//    its own reference and the original payment's terminal reference; journal and hub agree.
// 3. The terminal declines a card and the answer never arrives; killed and restarted again,
//    the check says declined and the cashier takes cash.
// 4. A payment lost on its way: the check finds no record, nothing charged, the cashier takes cash.
// HQ gets every unknown payment and its resolution as alerts through the hub.

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
const USD = (amount: number) => ({ amount, currency: 'USD' });

describe('card payments with an unknown outcome (register in its own process, killed with SIGKILL)', { timeout: 300_000 }, () => {
  let store: StoreHub;
  let printer: PrinterSimulator;
  let printerServer: TcpSimServer;
  let zvt: ZvtTerminalSimulator;
  let zvtServer: ZvtTcpServer;
  let browser: Browser;
  let page: Page;
  let reg: ChildRegister | null = null;
  let configFile: string;
  let journalPath: string;
  const receipts: string[] = [];

  beforeAll(async () => {
    store = await startStoreHub();
    const { token } = await store.enroll('T01');
    printer = new PrinterSimulator({ profile: 'epson-tm-t88vi', openDrawerOnPulse: true });
    printer.on('pulse', () => setTimeout(() => printer.setDrawer(false), 500));
    printer.on('cut', (text) => receipts.push(text));
    printerServer = await servePrinterOnTcp(printer);
    zvt = new ZvtTerminalSimulator({ currencyNumeric: 840, cardPan: '476173******0119' });
    zvtServer = await zvt.listenTcp(0);
    const dir = path.join(store.dir, 'register');
    const devicesFile = path.join(store.dir, 'devices.json');
    writeFileSync(devicesFile, `${JSON.stringify({
      version: 1,
      devices: {
        printer: { type: 'printer', connection: { transport: 'tcp', host: '127.0.0.1', port: printerServer.port }, profile: 'epson-tm-t88vi', statusPollMs: 500 },
        drawer: { type: 'drawer', via: 'printer', printer: 'printer' },
        payment: { type: 'payment', connection: { transport: 'tcp', host: '127.0.0.1', port: zvtServer.port }, currency: 'USD', transactionTimeoutMs: 30_000 },
      },
    }, null, 2)}\n`);
    journalPath = path.join(dir, 'data', 'journal.sqlite');
    configFile = writeRegisterConfig(dir, {
      terminal_id: 'T01', store_id: 'store-001', store_name: 'Demo store 1', store_lines: ['12 Market Street', 'New York, NY'],
      currency: 'USD', locale: 'en-US', language: 'en', journal_path: journalPath,
      hub: { url: store.hub.url, token },
      cashiers: [
        { cashier_id: CASHIER.id, name: CASHIER.name, role: 'cashier', pin_hash: hashPin(CASHIER.pin) },
        { cashier_id: MANAGER.id, name: MANAGER.name, role: 'manager', pin_hash: hashPin(MANAGER.pin) },
      ],
      device_config: devicesFile,
    });
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
    page.setDefaultTimeout(30_000);
  }, 240_000);

  afterAll(async () => {
    await reg?.kill9().catch(() => {});
    await browser?.close().catch(() => {});
    await printerServer?.close().catch(() => {});
    await zvtServer?.close().catch(() => {});
    await store?.close();
  });

  /** Starts the register process and opens its cashier UI; waits until it holds the store's catalog. */
  const start = async () => {
    reg = await startChildRegister(configFile);
    await waitFor(async () => ((await reg!.call('sync.status')) as { change_cursor: number }).change_cursor > 0, 30_000, 'the register to take the store snapshot');
    await page.goto(reg.url);
  };
  const signIn = async () => {
    await page.getByTestId('signin-cashier').fill(CASHIER.id);
    await page.getByTestId('signin-pin').fill(CASHIER.pin);
    await page.getByTestId('signin-submit').click();
  };
  /** Kills the register with SIGKILL and reads what its journal holds on disk. */
  const kill9 = async () => {
    expect(await reg!.kill9()).toBe('SIGKILL');
    reg = null;
    expect(verifyJournalFile(journalPath).ok).toBe(true);
    const j = openJournal(journalPath, { terminalId: 'T01', storeId: 'store-001' });
    try {
      return j.openPayments();
    } finally {
      j.close();
    }
  };
  /** The journal's events, read from the file beside the running register (a read-only WAL reader never blocks its writer). */
  const journalEvents = (): JournalEvent[] => {
    const db = new Database(journalPath, { readonly: true });
    try {
      return (db.prepare('SELECT * FROM journal ORDER BY seq').all() as Array<Record<string, unknown>>).map((r) => ({ ...r, payload: JSON.parse(String(r.payload)) }) as unknown as JournalEvent);
    } finally {
      db.close();
    }
  };
  const lastOf = <T,>(type: string): T => journalEvents().filter((e) => e.type === type).at(-1)!.payload as unknown as T;
  const ringUpAndPayByCard = async (sku: string) => {
    await reg!.call('sale.addSku', { sku, quantity: { units: 1, scale: 0 } });
    await page.getByTestId('pay').click();
    await page.getByTestId('tender-card').click();
    await page.getByTestId('card-check').waitFor();
  };
  /** Blocked: the reason shown once, every tender disabled, nothing else paid or voided. */
  const expectBlocked = async () => {
    await page.getByTestId('tender-blocked').waitFor();
    for (const id of ['tender-cash', 'tender-card', 'tender-gift', 'cash-exact']) expect(await page.getByTestId(id).isDisabled(), id).toBe(true);
    // The explanation appears once (the card-check panel); no second "unknown" banner, no hub echo.
    expect(await page.getByText('Card result unknown — check with the terminal').count()).toBe(1);
    expect(await page.getByText('Result unknown — check the terminal receipt').count()).toBe(0);
    expect(await page.locator('[data-testid^="alert-"]').count()).toBe(0);
    await expect(reg!.call('sale.tender', { kind: 'cash', amount: USD(100_000) })).rejects.toThrow(/Check with terminal/);
    await expect(reg!.call('sale.void', {})).rejects.toThrow(/Check with terminal/);
    const test = (await reg!.call('devices.test', { kind: 'payment' })) as { ok: boolean; message: string };
    expect(test.ok).toBe(false);
    expect(test.message).toMatch(/unknown outcome/);
  };

  let approvedSale: SaleCompletedPayload;
  let approvedReceipt = '';

  it('silent terminal: journalled at once, blocks; kill -9; the payment is still open on disk; restarted, "Check with terminal" → approved, one charge, reference on both receipts', async () => {
    await start();
    await signIn();
    await page.getByTestId('float-input').fill('10000');
    await page.getByTestId('open-shift').click();
    await page.getByTestId('code-input').waitFor();
    const chargedBefore = zvt.netChargedMinor();
    zvt.next({ kind: 'silent-no-ack' }); // books the payment as approved, then never answers
    await ringUpAndPayByCard('SKU-00004');
    await expectBlocked();
    await shot(page, '40-card-unknown-1024');
    await page.setViewportSize({ width: 1366, height: 768 });
    await shot(page, '40-card-unknown-1366');
    expect(zvt.last).toMatchObject({ resultCode: 0 });

    // kill -9 while the outcome is unknown: the record is on disk.
    const open = await kill9();
    expect(open).toHaveLength(1);
    const u = open[0]!;
    expect(u).toMatchObject({ kind: 'sale', amount: zvt.last!.amountMinor, reference: zvt.last!.reference });

    await start();
    await signIn();
    await page.getByTestId('card-check').waitFor();
    await expectBlocked();
    await shot(page, '41-card-unknown-after-kill-1366');
    await page.setViewportSize({ width: 1024, height: 768 });
    await shot(page, '41-card-unknown-after-kill-1024');

    await page.getByTestId('check-terminal').click();
    await page.getByTestId('sale-done').waitFor();
    await shot(page, '42-card-check-approved-1024');
    expect(lastOf<PaymentResolvedPayload>('payment.resolved')).toMatchObject({ reference: u.reference, outcome: 'approved' });
    approvedSale = lastOf<SaleCompletedPayload>('sale.completed');
    expect(approvedSale.tenders).toMatchObject([{ kind: 'card', amount: u.amount, reference: u.reference }]);
    // Exactly one charge on the terminal's books, with the reference; the reference on the register's receipt.
    expect(zvt.transactions.filter((t) => t.reference === u.reference && t.resultCode === 0)).toHaveLength(1);
    expect(zvt.netChargedMinor() - chargedBefore).toBe(u.amount);
    await waitFor(() => receipts.some((r) => r.includes(u.reference)), 15_000, 'the reference on the receipt');
    expect(((await reg!.call('devices.test', { kind: 'payment' })) as { ok: boolean }).ok).toBe(true);
    approvedReceipt = ((await reg!.call('sale.get')) as { receipt_no: string }).receipt_no;

    // HQ: both facts reached the hub and raised alerts.
    await waitFor(async () => ((await reg!.call('sync.status')) as { unsynced: number }).unsynced === 0, 30_000, 'the events at the hub');
    const alerts = (await store.hq('GET', '/api/alerts?limit=100')).body.alerts as Array<{ kind: string; data: { reference?: string } }>;
    expect(alerts.filter((a) => a.data.reference === u.reference).map((a) => a.kind).sort()).toEqual(['payment_resolved', 'payment_unresolved']);
    await page.getByTestId('new-sale').click();
  });

  it('the approved-after-unknown card sale is returned: the refund reaches the terminal with the original reference; journal and hub agree', async () => {
    const card = approvedSale.tenders[0]!;
    expect(card.kind).toBe('card');
    await page.getByTestId('returns').click();
    await page.getByTestId('refund-receipt').fill(approvedReceipt);
    await page.getByTestId('refund-find').click();
    await page.getByTestId('original-line').first().waitFor();
    await page.getByTestId('refund-line').first().click();
    await page.getByTestId('refund-line').first().filter({ hasText: '✓' }).waitFor();
    await page.getByTestId('refund-continue').click();
    await page.getByTestId('pay').click();
    await page.getByTestId('refund-pay').click();
    await page.getByTestId('sale-done').filter({ hasText: 'Return complete' }).waitFor();
    await shot(page, '44-refund-after-unknown-1024');

    const r = lastOf<SaleRefundedPayload>('sale.refunded');
    expect(r.original_sale_id).toBe(approvedSale.sale_id);
    expect(r.tenders).toHaveLength(1);
    const back = r.tenders[0]!;
    expect(back).toMatchObject({ kind: 'card', amount: card.amount, original_tender_id: card.tender_id });
    // The terminal got the refund with its own reference and the original payment's terminal reference.
    const terminalRef = card.kind === 'card' ? card.terminal_ref : undefined;
    expect(terminalRef).toBeTruthy();
    expect(zvt.last).toMatchObject({ kind: 'refund', amountMinor: card.amount, resultCode: 0, reference: back.kind === 'card' ? back.reference : '', originalTerminalRef: terminalRef });
    expect(zvt.transactions.filter((t) => t.kind === 'refund' && t.originalTerminalRef === terminalRef)).toHaveLength(1);
    await waitFor(() => receipts.some((x) => back.kind === 'card' && !!back.reference && x.includes(back.reference)), 15_000, 'the refund reference on the receipt');

    // Journal and hub agree: the same events (same hashes), the refund linked to its sale, the card clearing back to zero.
    await waitFor(async () => ((await reg!.call('sync.status')) as { unsynced: number }).unsynced === 0, 30_000, 'the refund at the hub');
    const local = journalEvents();
    const refundEv = local.filter((e) => e.type === 'sale.refunded').at(-1)!;
    const saleEv = local.find((e) => e.type === 'sale.completed' && (e.payload as { sale_id?: string }).sale_id === approvedSale.sale_id)!;
    const hubRefund = (await store.hq('GET', `/api/sales/${refundEv.event_id}`)).body;
    expect(hubRefund.chain.hash).toBe(refundEv.hash);
    expect(hubRefund.payload).toEqual(refundEv.payload);
    expect(hubRefund.original?.event_id).toBe(saleEv.event_id);
    const hubSale = (await store.hq('GET', `/api/sales/${saleEv.event_id}`)).body;
    expect(hubSale.chain.hash).toBe(saleEv.hash);
    expect(hubSale.reversals.map((x: { event_id: string }) => x.event_id)).toEqual([refundEv.event_id]);
    // The account the sale debited with the card amount (card clearing) is credited with it by the refund.
    type Ledger = Array<{ lines: Array<{ account: string; debit: number; credit: number }> }>;
    const lines = (l: Ledger) => l.flatMap((e) => e.lines);
    const debited = lines(hubSale.ledger as Ledger).filter((l) => l.debit === card.amount).map((l) => l.account);
    expect(debited).toHaveLength(1);
    expect(lines(hubRefund.ledger as Ledger).filter((l) => l.account === debited[0] && l.credit === card.amount)).toHaveLength(1);
    await page.getByTestId('new-sale').click();
  });

  it('the terminal declined and the answer never came: kill -9, restarted, the check says declined, the cashier takes cash', async () => {
    const chargedBefore = zvt.netChargedMinor();
    zvt.next({ kind: 'silent-declined', resultCode: 0x05 });
    await ringUpAndPayByCard('SKU-00006');
    const [u] = await kill9();
    expect(u).toMatchObject({ kind: 'sale' });
    await start();
    await signIn();
    await page.getByTestId('card-check').waitFor();
    await page.getByTestId('check-terminal').click();
    await page.getByTestId('card-check').waitFor({ state: 'detached' });
    expect(lastOf<PaymentResolvedPayload>('payment.resolved')).toMatchObject({ reference: u!.reference, outcome: 'declined' });
    // No longer blocked: the tenders are back, without the reason.
    expect(await page.getByTestId('tender-blocked').count()).toBe(0);
    expect(await page.getByTestId('tender-cash').isEnabled()).toBe(true);
    await shot(page, '43-card-check-declined-1024');
    await page.getByTestId('tender-cash').click();
    await page.getByTestId('sale-done').waitFor();
    const sale = lastOf<SaleCompletedPayload>('sale.completed');
    expect(sale.tenders.map((t) => t.kind)).toEqual(['cash']);
    expect(zvt.netChargedMinor()).toBe(chargedBefore);
    await page.getByTestId('new-sale').click();
  });

  it('a payment lost on its way: "Check with terminal" finds no record, nothing was charged, the cashier takes cash', async () => {
    const chargedBefore = zvt.netChargedMinor();
    zvt.next({ kind: 'lost-command' });
    await ringUpAndPayByCard('SKU-00007');
    const u = journalEvents().filter((e) => e.type === 'payment.unresolved').at(-1)!.payload as unknown as PaymentUnresolvedPayload;
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.getByTestId('check-terminal').click();
    await page.getByTestId('card-check').waitFor({ state: 'detached' });
    expect(lastOf<PaymentResolvedPayload>('payment.resolved')).toMatchObject({ reference: u.reference, outcome: 'declined' });
    await shot(page, '43-card-check-not-found-1366');
    await page.getByTestId('tender-cash').click();
    await page.getByTestId('sale-done').waitFor();
    expect(lastOf<SaleCompletedPayload>('sale.completed').tenders.map((t) => t.kind)).toEqual(['cash']);
    expect(zvt.netChargedMinor()).toBe(chargedBefore);
    expect(zvt.transactions.some((t) => t.reference === u.reference)).toBe(false);

    // The register stops cleanly; its journal verifies and the hub has every event of it.
    await waitFor(async () => ((await reg!.call('sync.status')) as { unsynced: number }).unsynced === 0, 30_000, 'everything at the hub');
    expect(await reg!.stop()).toBe(0);
    reg = null;
    const local = journalEvents();
    const alerts = (await store.hq('GET', '/api/alerts?limit=200')).body.alerts as Array<{ kind: string }>;
    expect(alerts.filter((a) => a.kind === 'payment_unresolved')).toHaveLength(local.filter((e) => e.type === 'payment.unresolved').length);
    expect(alerts.filter((a) => a.kind === 'payment_resolved')).toHaveLength(local.filter((e) => e.type === 'payment.resolved').length);
  });
});
