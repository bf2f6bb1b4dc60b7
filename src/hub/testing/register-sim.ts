import { randomUUID } from 'node:crypto';
import type { Loose } from './loose';
import { io as ioClient, type Socket } from 'socket.io-client';
import { GENESIS_HASH, MSG, sealEvent, type JournalEvent } from '../../core/protocol';
import type { SaleCompletedPayload } from '../../core/events';

// A minimal register for hub tests: keeps its own gap-free hash chain and talks the real
// socket.io protocol from src/core/protocol. It is not the register's uplink (src/sync).

export interface SaleItem {
  sku: string;
  units: number;
  unit_price: number;
  category?: string;
}

export function salePayload(storeId: string, terminalId: string, items: SaleItem[], currency = 'USD'): SaleCompletedPayload {
  const lines = items.map((it, i) => {
    const gross = it.unit_price * it.units;
    return {
      line_id: `L${i + 1}`,
      sku: it.sku,
      description: `Item ${it.sku}`,
      category: it.category ?? 'grocery',
      tax_category: 'food',
      quantity: { units: it.units, scale: 0 },
      unit: 'each' as const,
      unit_price: it.unit_price,
      price_source: 'price_book' as const,
      gross,
      discounts: [],
      net: gross,
      taxes: [],
      total: gross,
    };
  });
  const total = lines.reduce((s, l) => s + l.total, 0);
  return {
    sale_id: randomUUID(),
    store_id: storeId,
    terminal_id: terminalId,
    shift_id: '6f1c8b3e-2d7a-4e5f-8a9b-0c1d2e3f4a5b',
    cashier_id: 'emp-1',
    currency,
    price_book_version: 1,
    lines,
    totals: { subtotal: total, discount_total: 0, tax_total: 0, total, rounding: 0 },
    tax_breakdown: [],
    tenders: [{ tender_id: 'T1', kind: 'cash', amount: total, tendered: total, change: 0 }],
    change_due: 0,
    completed_at: '2026-11-23T02:30:00.000Z',
  };
}

export class RegisterSim {
  seq = 0;
  prevHash = GENESIS_HASH;
  readonly journal: JournalEvent[] = [];
  socket: Socket | null = null;

  constructor(
    readonly storeId: string,
    readonly terminalId: string,
    public token: string,
  ) {}

  append(type: string, payload: Record<string, unknown>): JournalEvent {
    this.seq += 1;
    const e = sealEvent(this.prevHash, {
      version: 1,
      terminal_id: this.terminalId,
      store_id: this.storeId,
      seq: this.seq,
      event_id: randomUUID(),
      type,
      occurred_at: new Date().toISOString(),
      payload,
    });
    this.prevHash = e.hash;
    this.journal.push(e);
    return e;
  }

  sell(items: SaleItem[], currency = 'USD'): JournalEvent {
    return this.append('sale.completed', salePayload(this.storeId, this.terminalId, items, currency) as unknown as Record<string, unknown>);
  }

  async connect(url: string): Promise<Socket> {
    const s = ioClient(url, { transports: ['websocket'], auth: { token: this.token }, reconnection: false, forceNew: true });
    this.socket = s;
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('connect_error', (err) => reject(err));
    });
    return s;
  }

  request<T = Loose>(name: string, body: unknown, timeoutMs = 20_000): Promise<T> {
    const s = this.socket;
    if (!s) throw new Error('not connected');
    return s.timeout(timeoutMs).emitWithAck(name, body) as Promise<T>;
  }

  push(events: JournalEvent[], timeoutMs?: number) {
    return this.request(MSG.pushEvents, { terminal_id: this.terminalId, events }, timeoutMs);
  }

  hello(changeCursor = 0) {
    return this.request(MSG.hello, { protocol: 1, terminal_id: this.terminalId, app_version: 'test', change_cursor: changeCursor });
  }

  close(): void {
    this.socket?.disconnect();
    this.socket = null;
  }
}
