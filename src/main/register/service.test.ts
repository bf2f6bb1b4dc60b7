import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openJournal, type Journal } from '../../sync';
import { US_PRODUCTS, US_TAXES } from '../../core/sale/test-fixtures';
import { RegisterError, type CommandName } from '../../core/register-api';
import { parseRegisterConfig } from './config';
import { hashPin } from './pins';
import { NoDevices } from './null-devices';
import { RegisterService } from './service';
import type { CardResult } from './devices';
import type { ReceiptDocument } from '../../core/receipt';

// The register service against a real SQLite journal holding a store snapshot, with a device
// set that records what the register asked of the hardware. No hub, no browser: the rules.

class RecordingDevices extends NoDevices {
  drawer = 0;
  printed: string[] = [];
  card: CardResult = { status: 'approved', processor: 'sim', masked_pan: '476173******0119', auth_code: 'A1B2C3' };
  override async openDrawer() {
    this.drawer++;
  }
  override async printReceipt(doc: ReceiptDocument) {
    this.printed.push(doc.saleId);
  }
  override async authorizeCard(): Promise<CardResult> {
    return this.card;
  }
}

const CASHIER_PIN = '1234';
const MANAGER_PIN = '9876';
let pinHashes: { c: string; m: string } | null = null;

describe('RegisterService', () => {
  let dir: string;
  let journal: Journal;
  let devices: RecordingDevices;
  let svc: RegisterService;
  const call = (name: CommandName, params: unknown = {}) => svc.handle(name, params) as Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- results checked field by field
  const code = async (p: Promise<unknown>) => {
    try {
      await p;
      return 'ok';
    } catch (err) {
      return err instanceof RegisterError ? err.code : String(err);
    }
  };

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tillstream-svc-'));
    journal = openJournal(path.join(dir, 'journal.sqlite'), { terminalId: 'T01', storeId: 'store-001' });
    journal.applySnapshot({ store_id: 'store-001', cursor: 1, catalog: US_PRODUCTS, prices: [], promotions: [], stock: [], tax: { rates: US_TAXES }, config: {} });
    pinHashes ??= { c: hashPin(CASHIER_PIN), m: hashPin(MANAGER_PIN) };
    const config = parseRegisterConfig({
      terminal_id: 'T01', store_id: 'store-001', store_name: 'Test', currency: 'USD', journal_path: path.join(dir, 'journal.sqlite'),
      cashiers: [
        { cashier_id: '1001', name: 'Cashier', role: 'cashier', pin_hash: pinHashes.c },
        { cashier_id: '9001', name: 'Manager', role: 'manager', pin_hash: pinHashes.m },
      ],
    });
    devices = new RecordingDevices();
    svc = new RegisterService({ config, journal, devices });
    await call('session.signIn', { cashier_id: '1001', pin: CASHIER_PIN });
    await call('shift.open', { opening_float: { amount: 10_000, currency: 'USD' } });
  });
  afterEach(() => {
    svc.close();
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a wrong PIN and locks after five tries', async () => {
    await call('session.signOut');
    for (let i = 0; i < 5; i++) expect(await code(call('session.signIn', { cashier_id: '1001', pin: '0000' }))).toBe('APPROVAL_DENIED');
    expect(await code(call('session.signIn', { cashier_id: '1001', pin: CASHIER_PIN }))).toBe('APPROVAL_DENIED');
  });

  it('commits the sale before the drawer opens and the receipt prints', async () => {
    const order: string[] = [];
    journal.on('appended', (e) => order.push(e.type));
    devices.openDrawer = async () => void order.push('drawer');
    devices.printReceipt = async () => void order.push('print');
    await call('sale.scan', { data: '0012345678905' }); // milk, food: no tax
    const sale = await call('sale.tender', { kind: 'cash', amount: { amount: 500, currency: 'USD' } });
    expect(sale.status).toBe('completed');
    expect(sale.change_due.amount).toBe(151);
    expect(order).toEqual(['sale.completed', 'drawer', 'print']);
  });

  it('needs a manager PIN above the discount limit, not below it', async () => {
    const s = await call('sale.addSku', { sku: 'SHIRT' });
    const line = s.lines[0].line_id;
    expect((await call('sale.discount', { line_id: line, percent_bp: 500 })).discount_total.amount).toBe(50);
    expect(await code(call('sale.discount', { line_id: line, percent_bp: 5000 }))).toBe('APPROVAL_REQUIRED');
    expect(await code(call('sale.discount', { line_id: line, percent_bp: 5000, approval: { manager_pin: '1111' } }))).toBe('APPROVAL_DENIED');
    const ok = await call('sale.discount', { line_id: line, percent_bp: 5000, approval: { manager_pin: MANAGER_PIN } });
    expect(ok.discount_total.amount).toBe(500);
  });

  it('keeps a declined card visible, takes cash for the rest, and journals only approved tenders', async () => {
    await call('sale.addSku', { sku: 'CAP' }); // 15.00 + NY tax
    devices.card = { status: 'declined', processor: 'sim', message: 'insufficient funds' };
    const declined = await call('sale.tender', { kind: 'card', amount: { amount: 500, currency: 'USD' } });
    expect(declined.tenders.map((t: { status: string }) => t.status)).toEqual(['declined']);
    devices.card = { status: 'approved', processor: 'sim', masked_pan: '476173******0119', auth_code: 'A1' };
    await call('sale.tender', { kind: 'card', amount: { amount: 500, currency: 'USD' } });
    const done = await call('sale.tender', { kind: 'cash', amount: { amount: 2000, currency: 'USD' } });
    expect(done.status).toBe('completed');
    const ev = journal.eventAt(journal.head().seq)!;
    expect((ev.payload as { tenders: { kind: string }[] }).tenders.map((t) => t.kind)).toEqual(['card', 'cash']);
    expect(JSON.stringify(ev.payload)).not.toMatch(/\d{13,19}/);
  });

  it('post-voids a cash sale with a manager PIN once, and the X report nets it out', async () => {
    await call('sale.addSku', { sku: 'SOCKS' });
    const sold = await call('sale.tender', { kind: 'cash', amount: { amount: 1000, currency: 'USD' } });
    await call('sale.new');
    expect(await code(call('sale.postVoid', { receipt_no: sold.receipt_no }))).toBe('APPROVAL_REQUIRED');
    await call('sale.postVoid', { receipt_no: sold.receipt_no, approval: { manager_pin: MANAGER_PIN } });
    expect(await code(call('sale.postVoid', { receipt_no: sold.receipt_no, approval: { manager_pin: MANAGER_PIN } }))).toBe('INVALID_STATE');
    const x = await call('report.x');
    expect(x.net_sales.amount).toBe(0);
    expect(x.expected_cash.amount).toBe(10_000);
  });

  it('cash drop and paid out need a manager; paid in does not; the Z report balances the drawer', async () => {
    expect(await code(call('cash.drop', { amount: { amount: 3000, currency: 'USD' } }))).toBe('APPROVAL_REQUIRED');
    await call('cash.drop', { amount: { amount: 3000, currency: 'USD' }, approval: { manager_pin: MANAGER_PIN } });
    await call('cash.paidIn', { amount: { amount: 500, currency: 'USD' }, reason: 'change from bank' });
    await call('cash.paidOut', { amount: { amount: 200, currency: 'USD' }, reason: 'window cleaner', approval: { manager_pin: MANAGER_PIN } });
    const z = await call('shift.close', { counted_cash: { amount: 7300, currency: 'USD' }, approval: { manager_pin: MANAGER_PIN } });
    expect(z.expected_cash.amount).toBe(10_000 - 3000 + 500 - 200);
    expect(z.variance.amount).toBe(0);
    expect(z.unsynced).toBeGreaterThan(0); // no hub here: every event is still unsynced, and the Z says so
    expect(z.oldest_unsynced_at).not.toBeNull();
  });

  it('brings an open sale back after a restart', async () => {
    await call('sale.addSku', { sku: 'SHIRT' });
    await call('sale.addSku', { sku: 'SOCKS' });
    svc.close();
    svc = new RegisterService({ config: svc['cfg'], journal, devices });
    await call('session.signIn', { cashier_id: '1001', pin: CASHIER_PIN });
    const s = await call('sale.get');
    expect(s.lines.map((l: { sku: string }) => l.sku)).toEqual(['SHIRT', 'SOCKS']);
    expect(s.status).toBe('open');
  });
});
