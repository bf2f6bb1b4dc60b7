import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, GENESIS_HASH, sealEvent, verifyChain } from '../../core/protocol';
import { EXAMPLE_SALE_COMPLETED } from '../../core/events';
import { type Journal } from './journal';
import { openJournal, verifyJournalFile } from './open';
import { MIGRATIONS, applyMigrations } from './migrations';

let dir: string;
let file: string;
let j: Journal | null = null;
const ids = { terminalId: 'T1', storeId: 'S1' };

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'journal-test-'));
  file = path.join(dir, 'register.db');
});
afterEach(() => {
  j?.close();
  j = null;
  rmSync(dir, { recursive: true, force: true });
});

describe('journal', () => {
  it('opens in WAL with synchronous=FULL and records its migrations', () => {
    j = openJournal(file, ids);
    j.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[];
    expect(versions.map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version));
    db.close();
    j = openJournal(file, ids); // re-open applies nothing twice
    expect(j.head()).toEqual({ seq: 0, hash: GENESIS_HASH });
  });

  it('applies a failing migration not at all, and refuses a database from a newer app', () => {
    const db = new Database(file);
    applyMigrations(db);
    const broken = [...MIGRATIONS, { version: 99, name: 'half', sql: 'CREATE TABLE half_done (x INTEGER); SELECT no_such_function();' }];
    expect(() => applyMigrations(db, broken)).toThrow();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get()).toBeUndefined();
    expect(db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get()).toEqual({ v: MIGRATIONS.length });
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (1000, 'future', 'x')").run();
    db.close();
    expect(() => openJournal(file, ids)).toThrow(/schema version 1000/);
  });

  it('appends a gap-free hash chain that verifies, and returns the committed event', () => {
    j = openJournal(file, ids);
    const evs = Array.from({ length: 20 }, (_, i) => j!.appendUnchecked('sale.completed', { sale_id: `s${i}`, total: { amount: 100 * i, currency: 'EUR' } }));
    expect(evs.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(evs[0]!.prev_hash).toBe(GENESIS_HASH);
    expect(verifyChain(j.eventsAfter(0, 100))).toBeNull();
    expect(j.verify()).toMatchObject({ ok: true, count: 20, headSeq: 20, headHash: evs[19]!.hash });
    expect(new Set(evs.map((e) => e.event_id)).size).toBe(20);
  });

  it('refuses floats in payloads (money is integer minor units) and changes nothing', () => {
    j = openJournal(file, ids);
    expect(() => j!.appendUnchecked('sale.completed', { total: 1.5 })).toThrow(/safe integers/);
    expect(() => j!.appendUnchecked('NotAType', {})).toThrow();
    expect(j.head().seq).toBe(0);
  });

  it('the database refuses UPDATE, DELETE and out-of-place INSERT of journal rows', () => {
    j = openJournal(file, ids);
    j.appendUnchecked('sale.completed', { n: 1 });
    j.appendUnchecked('sale.completed', { n: 2 });
    const db = new Database(file);
    expect(() => db.prepare("UPDATE journal SET payload = '{}' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM journal WHERE seq = 2').run()).toThrow(/append-only/);
    const row = db.prepare('SELECT * FROM journal WHERE seq = 2').get() as Record<string, unknown>;
    expect(() => db.prepare('INSERT INTO journal (seq, version, terminal_id, store_id, event_id, type, occurred_at, payload, prev_hash, hash) VALUES (5, 1, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(row.terminal_id, row.store_id, 'x', row.type, row.occurred_at, row.payload, row.hash, 'f'.repeat(64))).toThrow(/head/);
    db.close();
    expect(j.verify().ok).toBe(true);
  });

  it('keeps the open sale across a reopen and clears it in the same transaction as the completed sale', () => {
    j = openJournal(file, ids);
    j.saveOpenSale({ lines: [{ sku: 'A', qty: 1 }] });
    j.saveOpenSale({ lines: [{ sku: 'A', qty: 1 }, { sku: 'B', qty: 2 }] });
    j.close();
    j = openJournal(file, ids);
    expect(j.loadOpenSale()).toEqual({ lines: [{ sku: 'A', qty: 1 }, { sku: 'B', qty: 2 }] });
    j.appendUnchecked('sale.completed', { sale_id: 'x' }, { clearOpenSale: true });
    expect(j.loadOpenSale()).toBeNull();
    // a failing append must not clear the open sale
    j.saveOpenSale({ lines: [] });
    expect(() => j!.appendUnchecked('sale.completed', { bad: 0.5 })).toThrow();
    expect(j.loadOpenSale()).toEqual({ lines: [] });
  });

  it('keeps a card payment with an unknown outcome open (indexed) until it is resolved, across a reopen; a migrated journal is backfilled', () => {
    j = openJournal(file, ids);
    const unresolved = {
      reference: '0b9d2f0e-6a5c-4c1e-9d53-2a4f6f1f7c10/C1', store_id: 'S1', terminal_id: 'T1', cashier_id: '1001', kind: 'sale' as const,
      transaction_id: '0b9d2f0e-6a5c-4c1e-9d53-2a4f6f1f7c10', tender_id: 'C1', currency: 'USD', amount: 1474, processor: 'sim',
      trace_before: 17, reason: 'no ACK within 5000 ms', started_at: '2026-12-01T10:00:00.000Z',
    };
    j.append('payment.unresolved', unresolved);
    expect(j.openPayments()).toEqual([unresolved]);
    j.close();
    j = openJournal(file, ids);
    expect(j.openPayments().map((p) => p.reference)).toEqual([unresolved.reference]);
    // The index is rebuilt from the journal rows by the migration (a journal written before it).
    j.close();
    const db = new Database(file);
    db.exec("DROP TABLE open_payments; DELETE FROM schema_migrations WHERE version = 4");
    db.close();
    j = openJournal(file, ids);
    expect(j.openPayments().map((p) => p.reference)).toEqual([unresolved.reference]);
    const { trace_before: _t, reason: _r, started_at: _s, ...same } = unresolved;
    j.append('payment.resolved', { ...same, outcome: 'approved', resolved_at: '2026-12-01T10:01:00.000Z' });
    expect(j.openPayments()).toEqual([]);
    j.close();
    j = openJournal(file, ids);
    expect(j.openPayments()).toEqual([]);
  });

  it('belongs to one terminal and is opened once per process', () => {
    j = openJournal(file, ids);
    expect(() => openJournal(file, ids)).toThrow(/already open/);
    j.close();
    expect(() => openJournal(file, { terminalId: 'T2', storeId: 'S1' })).toThrow(/belongs to terminal T1/);
    j = openJournal(file, ids);
  });

  it('stock level is the hub figure plus movements the hub has not acknowledged', () => {
    j = openJournal(file, ids);
    j.applyChanges([{ store_id: 'S1', cursor: 1, kind: 'stock', payload: { sku: 'A', on_hand: { units: 10, scale: 0 } }, created_at: '2026-01-01T00:00:00Z' }]);
    const e1 = j.appendUnchecked('sale.completed', { sale_id: '1' }, { stockMovements: [{ sku: 'A', delta: { units: -2, scale: 0 } }] });
    j.appendUnchecked('sale.completed', { sale_id: '2' }, { stockMovements: [{ sku: 'A', delta: { units: -500, scale: 3 } }] });
    expect(j.getStockLevel('A')).toEqual({ units: 7500, scale: 3 });
    j.recordHubMark(e1.seq); // hub has applied sale 1 (its next stock figure includes it)
    j.applyChanges([{ store_id: 'S1', cursor: 2, kind: 'stock', payload: { sku: 'A', on_hand: { units: 8, scale: 0 } }, created_at: '2026-01-01T00:00:00Z' }]);
    expect(j.getStockLevel('A')).toEqual({ units: 7500, scale: 3 });
    expect(j.getStockLevel('nope')).toBeNull();
  });

  it('derives the local stock movements of a sale from core/stock, and takes an unparseable sale anyway', () => {
    j = openJournal(file, { terminalId: 'store-001-t1', storeId: 'store-001' });
    j.applyChanges([{ store_id: 'store-001', cursor: 1, kind: 'stock', payload: { levels: [{ sku: 'MILK-1L', on_hand: { units: 10, scale: 0 } }], source: { reason: 'opening' } }, created_at: 'x' }]);
    const e = j.append('sale.completed', EXAMPLE_SALE_COMPLETED);
    expect(j.getStockLevel('MILK-1L')).toEqual({ units: 8, scale: 0 });
    expect(j.getStockLevel('TSHIRT-M')).toEqual({ units: -1, scale: 0 });
    // The hub's next stock change names this register's seq: its figure includes the sale.
    j.applyChanges([{ store_id: 'store-001', cursor: 2, kind: 'stock', payload: { levels: [{ sku: 'MILK-1L', on_hand: { units: 8, scale: 0 } }], source: { terminal_id: 'store-001-t1', through_seq: e.seq } }, created_at: 'x' }]);
    expect(j.getStockLevel('MILK-1L')).toEqual({ units: 8, scale: 0 });
    const bad = j.appendUnchecked('sale.completed', { sale_id: 'not-a-valid-sale' });
    expect(bad.seq).toBe(2);
  });

  it('reads the hub\'s batched price, catalog and promotion changes', () => {
    j = openJournal(file, ids);
    j.applyChanges([
      { store_id: 'S1', cursor: 1, kind: 'price', payload: { prices: [{ sku: 'A', amount: 100, currency: 'EUR' }, { sku: 'B', amount: 200, currency: 'EUR' }], reason: null }, created_at: 'x' },
      { store_id: 'S1', cursor: 2, kind: 'catalog', payload: { products: [{ sku: 'A', name: 'Apple' }] }, created_at: 'x' },
      { store_id: 'S1', cursor: 3, kind: 'promotion', payload: { promotions: [{ promotion_id: 'P1', active: true }] }, created_at: 'x' },
      { store_id: 'S1', cursor: 4, kind: 'customer', payload: { customers: [{ customer_id: 'C1', points: 5 }] }, created_at: 'x' },
    ]);
    expect(j.getPrice('B')).toEqual({ sku: 'B', amount: 200, currency: 'EUR' });
    expect(j.getCatalogItem('A')).toEqual({ sku: 'A', name: 'Apple' });
    expect(j.getPromotion('P1')).toMatchObject({ active: true });
    expect(j.listPromotions()).toEqual([{ promotion_id: 'P1', active: true }]);
    expect(j.getCustomer('C1')).toMatchObject({ points: 5 });
  });

  it('applies changes only contiguously with its cursor, in one transaction with the cursor', () => {
    j = openJournal(file, ids);
    const ch = (cursor: number, sku: string, amount: number) => ({ store_id: 'S1', cursor, kind: 'price' as const, payload: { sku, price: { amount, currency: 'EUR' } }, created_at: '2026-01-01T00:00:00Z' });
    expect(j.applyChanges([ch(1, 'A', 100), ch(2, 'B', 200)])).toMatchObject({ gap: false, cursor: 2 });
    expect(j.applyChanges([ch(2, 'B', 999)]).applied).toHaveLength(0); // already applied
    const r = j.applyChanges([ch(3, 'A', 150), ch(5, 'C', 1)]);
    expect(r).toMatchObject({ gap: true, cursor: 3 });
    expect(j.getPrice('A')).toMatchObject({ price: { amount: 150 } });
    expect(j.getPrice('C')).toBeNull();
    expect(j.syncState().changeCursor).toBe(3);
    // a payload that does not fit is logged, reported, and does not block the cursor
    const bad = j.applyChanges([{ store_id: 'S1', cursor: 4, kind: 'price', payload: { nosku: true }, created_at: 'x' }]);
    expect(bad.unprojected).toHaveLength(1);
    expect(bad.cursor).toBe(4);
    expect(() => j!.applyChanges([{ ...ch(5, 'Z', 1), store_id: 'OTHER' }])).toThrow(/store OTHER/);
    expect(j.syncState().changeCursor).toBe(4);
  });

  it('opens an open shift projection from shift events', () => {
    j = openJournal(file, ids);
    j.appendUnchecked('shift.opened', { shift_id: 'sh1', float: { amount: 10000, currency: 'EUR' } });
    expect(j.getOpenShift()).toMatchObject({ seq: 1, payload: { shift_id: 'sh1' } });
    j.appendUnchecked('shift.closed', { shift_id: 'sh1' });
    expect(j.getOpenShift()).toBeNull();
  });

  it('finds a sale by its receipt number (terminal and seq) through the journal row, and nothing for another terminal or a non-sale', () => {
    j = openJournal(file, ids);
    j.appendUnchecked('shift.opened', { shift_id: EXAMPLE_SALE_COMPLETED.shift_id, float: { amount: 10000, currency: 'EUR' } });
    j.append('sale.completed', EXAMPLE_SALE_COMPLETED);
    expect(j.saleByReceipt('T1-000002')?.sale.sale_id).toBe(EXAMPLE_SALE_COMPLETED.sale_id);
    expect(j.saleByReceipt('2')?.receipt_no).toBe('T1-000002');
    expect(j.saleByReceipt('T1-000001')).toBeNull();
    expect(j.saleByReceipt('T1-000003')).toBeNull();
    expect(j.saleByReceipt('T2-000002')).toBeNull();
    expect(j.shiftEvents(EXAMPLE_SALE_COMPLETED.shift_id).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('migration 8 keeps what a journal of migration 7 indexed: receipts, shift events, stock movements', () => {
    const db = new Database(file);
    applyMigrations(db, MIGRATIONS.filter((m) => m.version <= 7));
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?), (?, ?)').run('terminal_id', 'T1', 'store_id', 'S1');
    let prev = GENESIS_HASH;
    const put = (seq: number, type: string, payload: Record<string, unknown>): void => {
      const e = sealEvent(prev, { version: 1, terminal_id: 'T1', store_id: 'S1', seq, event_id: `00000000-0000-4000-8000-00000000000${seq}`, type, occurred_at: '2026-12-01T10:00:00.000Z', payload });
      db.prepare('INSERT INTO journal (seq, version, terminal_id, store_id, event_id, type, occurred_at, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(e.seq, e.version, e.terminal_id, e.store_id, e.event_id, e.type, e.occurred_at, canonicalJson(e.payload), e.prev_hash, e.hash);
      prev = e.hash;
    };
    const shift = EXAMPLE_SALE_COMPLETED.shift_id;
    put(1, 'shift.opened', { shift_id: shift, float: { amount: 10000, currency: 'EUR' } });
    put(2, 'sale.completed', { ...EXAMPLE_SALE_COMPLETED });
    db.prepare("INSERT INTO sale_receipts (receipt_no, seq, sale_id) VALUES ('T1-000002', 2, ?)").run(EXAMPLE_SALE_COMPLETED.sale_id);
    db.prepare('INSERT INTO shift_events (shift_id, seq) VALUES (?, 1), (?, 2)').run(shift, shift);
    // Two movements of one sku in one event (two lines of the same product).
    db.prepare("INSERT INTO local_stock_movements (seq, sku, units, scale) VALUES (2, 'A', -1, 0), (2, 'A', -250, 3), (2, 'B', -2, 0)").run();
    db.close();
    j = openJournal(file, ids);
    expect(j.saleByReceipt('T1-000002')?.sale.sale_id).toBe(EXAMPLE_SALE_COMPLETED.sale_id);
    expect(j.shiftEvents(shift).map((e) => e.seq)).toEqual([1, 2]);
    expect(j.getStockLevel('A')).toEqual({ units: -1250, scale: 3 });
    expect(j.getStockLevel('B')).toEqual({ units: -2, scale: 0 });
    // New appends write the same shapes; one sku twice in an event is kept as two movements.
    j.appendUnchecked('sale.completed', { sale_id: 'x', shift_id: shift }, { stockMovements: [{ sku: 'A', delta: { units: -1, scale: 0 } }, { sku: 'A', delta: { units: -1, scale: 0 } }] });
    expect(j.getStockLevel('A')).toEqual({ units: -3250, scale: 3 });
    expect(j.shiftEvents(shift).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(j.verify()).toMatchObject({ ok: true, count: 3 });
  });

  it('verifyJournalFile finds a row edited behind the triggers', () => {
    j = openJournal(file, ids);
    for (let i = 0; i < 5; i++) j.appendUnchecked('sale.completed', { sale_id: `s${i}`, total: 100 });
    j.close();
    j = null;
    const db = new Database(file);
    db.exec('DROP TRIGGER journal_no_update');
    db.prepare("UPDATE journal SET payload = '{\"sale_id\":\"s2\",\"total\":1}' WHERE seq = 3").run();
    db.close();
    const r = verifyJournalFile(file);
    expect(r).toMatchObject({ ok: false, brokenAt: { kind: 'bad_hash', seq: 3 } });
  });
});
