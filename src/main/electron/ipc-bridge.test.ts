import { describe, expect, it } from 'vitest';
import { RegisterError, type CommandName, type RegisterHandler, type StreamName, type SyncStatus } from '../../core/register-api';
import { attachIpcBridge, type InvokeEventLike, type IpcMainLike, type WebContentsLike } from './ipc-bridge';
import { CHANNELS } from './policy';
import { createPreloadApi, MAX_STREAM_LISTENERS, type IpcRendererLike } from './preload-api';

// Fakes that behave like Electron where it matters: ipcMain.handle allows one handler per
// channel and an invoke on a channel without a handler rejects, as Electron's does.

class FakeIpcMain implements IpcMainLike {
  handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => unknown>();
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  async invoke(channel: string, event: InvokeEventLike, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`No handler registered for '${channel}'`);
    return h(event, ...args);
  }
}

class FakeWebContents implements WebContentsLike {
  sent: { channel: string; args: unknown[] }[] = [];
  destroyed = false;
  constructor(readonly id: number, private readonly deliver?: (channel: string, args: unknown[]) => void) {}
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
    this.deliver?.(channel, args);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

const SYNC: SyncStatus = {
  online: true, hub_url: 'ws://127.0.0.1:1', enrolled: true, terminal_id: 'T1', store_id: 'S1',
  last_seq: 4, applied_through: 3, unsynced: 1, oldest_unsynced_at: '2026-11-23T02:00:00.000Z', change_cursor: 0, last_error: null,
};

class FakeHandler implements RegisterHandler {
  calls: { name: CommandName; params: unknown }[] = [];
  listeners = new Set<(s: StreamName, d: unknown) => void>();
  hold: Promise<void> | null = null;
  async handle(name: CommandName, params: unknown): Promise<unknown> {
    this.calls.push({ name, params });
    if (this.hold) await this.hold;
    if (name === 'sync.status') return SYNC;
    if (name === 'session.signOut') return { ok: true };
    if (name === 'sale.tender') throw new RegisterError('DECLINED', 'terminal said: card 4761 7390 0101 0119 declined');
    return { broken: true };
  }
  subscribe(l: (s: StreamName, d: unknown) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  emit(s: StreamName, d: unknown) {
    for (const l of this.listeners) l(s, d);
  }
}

const trusted = (id: number): InvokeEventLike => ({ sender: { id }, senderFrame: { url: 'app://register/index.html', parent: null } });

function setup() {
  const ipcMain = new FakeIpcMain();
  const handler = new FakeHandler();
  const rendererListeners = new Map<string, Set<(e: unknown, ...a: unknown[]) => void>>();
  const channelsUsed: string[] = [];
  const wc = new FakeWebContents(11, (channel, args) => {
    for (const l of rendererListeners.get(channel) ?? []) l({ sender: 'ipcRenderer must not leak' }, ...args);
  });
  const log: string[] = [];
  const bridge = attachIpcBridge({ ipcMain, handler, webContents: wc, log: (m) => log.push(m), maxInFlight: 2 });
  const ipcRenderer: IpcRendererLike = {
    invoke: (channel, ...args) => {
      channelsUsed.push(channel);
      return ipcMain.invoke(channel, trusted(11), ...args);
    },
    on: (channel, l) => {
      channelsUsed.push(channel);
      if (!rendererListeners.has(channel)) rendererListeners.set(channel, new Set());
      rendererListeners.get(channel)!.add(l);
    },
    removeListener: (channel, l) => rendererListeners.get(channel)?.delete(l),
  };
  const api = createPreloadApi(ipcRenderer);
  return { ipcMain, handler, wc, bridge, api, log, channelsUsed, rendererListeners };
}

describe('electron IPC bridge (main side)', () => {
  it('runs a valid command and returns the wire envelope the renderer expects', async () => {
    const { ipcMain, handler } = setup();
    const res = await ipcMain.invoke(CHANNELS.invoke, trusted(11), 'sync.status', {});
    expect(res).toMatchObject({ kind: 'result', ok: true, result: SYNC });
    expect(handler.calls).toEqual([{ name: 'sync.status', params: {} }]);
  });

  it('refuses bad params with a message naming the field, without calling the register', async () => {
    const { ipcMain, handler } = setup();
    const res = await ipcMain.invoke(CHANNELS.invoke, trusted(11), 'session.signIn', { cashier_id: 'c1', pin: '12' });
    expect(res).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/session\.signIn: pin: must be 4 to 8 digits/) } });
    const money = await ipcMain.invoke(CHANNELS.invoke, trusted(11), 'sale.tender', { kind: 'cash', amount: { amount: 1.5, currency: 'EUR' } });
    expect(money).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/amount/) } });
    const extra = await ipcMain.invoke(CHANNELS.invoke, trusted(11), 'session.signOut', { extra: 1 });
    expect(extra).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(handler.calls).toEqual([]);
  });

  it('refuses unknown commands, wrong argument shapes and non-JSON params', async () => {
    const { ipcMain, handler } = setup();
    expect(await ipcMain.invoke(CHANNELS.invoke, trusted(11), 'fs.readFile', { path: '/etc/passwd' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: 'unknown command "fs.readFile"' } });
    expect(await ipcMain.invoke(CHANNELS.invoke, trusted(11), { name: 'sync.status' })).toMatchObject({ ok: false, error: { message: 'unknown command object' } });
    expect(await ipcMain.invoke(CHANNELS.invoke, trusted(11))).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/expected \(name, params\)/) } });
    expect(await ipcMain.invoke(CHANNELS.invoke, trusted(11), 'sync.status', {}, 'extra')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(await ipcMain.invoke(CHANNELS.invoke, trusted(11), 'sale.get', cyclic)).toMatchObject({ ok: false, error: { message: expect.stringMatching(/not plain JSON/) } });
    expect(await ipcMain.invoke(CHANNELS.invoke, trusted(11), 'catalog.search', { query: 'x'.repeat(300_000) })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/larger than/) } });
    expect(handler.calls).toEqual([]);
  });

  it('refuses an unknown channel (no handler exists for it)', async () => {
    const { ipcMain } = setup();
    await expect(ipcMain.invoke('tillstream:shell', trusted(11), 'sync.status', {})).rejects.toThrow(/No handler registered/);
    expect([...ipcMain.handlers.keys()]).toEqual([CHANNELS.invoke]);
  });

  it('refuses untrusted senders: another webContents, a sub-frame, a foreign origin, a gone frame', async () => {
    const { ipcMain, handler, log } = setup();
    const events: InvokeEventLike[] = [
      trusted(12),
      { sender: { id: 11 }, senderFrame: { url: 'app://register/index.html', parent: {} } },
      { sender: { id: 11 }, senderFrame: { url: 'https://evil.example/', parent: null } },
      { sender: { id: 11 }, senderFrame: null },
    ];
    for (const ev of events) {
      expect(await ipcMain.invoke(CHANNELS.invoke, ev, 'sync.status', {})).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/not the register window/) } });
    }
    expect(handler.calls).toEqual([]);
    expect(log.filter((l) => l.startsWith('IPC refused'))).toHaveLength(4);
  });

  it('a result that breaks its schema is an INTERNAL error, not passed on', async () => {
    const { ipcMain } = setup();
    expect(await ipcMain.invoke(CHANNELS.invoke, trusted(11), 'sale.get', {})).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: expect.stringMatching(/sale\.get result/) } });
  });

  it('bounds the calls in flight', async () => {
    const { ipcMain, handler, bridge } = setup();
    let release!: () => void;
    handler.hold = new Promise((r) => (release = r));
    const a = ipcMain.invoke(CHANNELS.invoke, trusted(11), 'sync.status', {});
    const b = ipcMain.invoke(CHANNELS.invoke, trusted(11), 'sync.status', {});
    await Promise.resolve();
    expect(bridge.inFlight()).toBe(2);
    expect(await ipcMain.invoke(CHANNELS.invoke, trusted(11), 'sync.status', {})).toMatchObject({ ok: false, error: { message: expect.stringMatching(/too many calls in flight/) } });
    release();
    expect(await a).toMatchObject({ ok: true });
    expect(await b).toMatchObject({ ok: true });
    expect(bridge.inFlight()).toBe(0);
  });

  it('pushes valid stream events and drops ones that break the schema (an unmasked card number never reaches the window)', () => {
    const { handler, wc, log } = setup();
    handler.emit('sync', SYNC);
    expect(wc.sent).toEqual([{ channel: CHANNELS.event, args: ['sync', SYNC] }]);
    const sale = {
      sale_id: 's1', kind: 'sale', status: 'tendering', receipt_no: null, currency: 'EUR', lines: [],
      subtotal: { amount: 100, currency: 'EUR' }, discount_total: { amount: 0, currency: 'EUR' }, tax_total: { amount: 0, currency: 'EUR' }, taxes: [],
      total: { amount: 100, currency: 'EUR' },
      tenders: [{ tender_id: 't1', kind: 'card', amount: { amount: 100, currency: 'EUR' }, status: 'approved', masked_pan: '4761739001010119' }],
      paid: { amount: 100, currency: 'EUR' }, due: { amount: 0, currency: 'EUR' }, change_due: { amount: 0, currency: 'EUR' }, original_receipt_no: null, committed_seq: null,
    };
    handler.emit('sale', sale);
    expect(wc.sent).toHaveLength(1);
    expect(log.some((l) => l.startsWith('stream sale not sent'))).toBe(true);
    expect(JSON.stringify(log)).not.toContain('4761739001010119');
    handler.emit('sale', { ...sale, tenders: [{ ...sale.tenders[0], masked_pan: '476173******0119' }] });
    expect(wc.sent).toHaveLength(2);
    wc.destroyed = true;
    handler.emit('sync', SYNC);
    expect(wc.sent).toHaveLength(2);
  });

  it('masks card numbers in free text crossing IPC (error messages, alerts, device advice)', async () => {
    const { ipcMain, handler, wc } = setup();
    const res = await ipcMain.invoke(CHANNELS.invoke, trusted(11), 'sale.tender', { kind: 'card', amount: { amount: 100, currency: 'EUR' } });
    expect(res).toMatchObject({ ok: false, error: { code: 'DECLINED' } });
    expect(JSON.stringify(res)).not.toMatch(/4761 7390 0101 0119|4761739001010119/);
    expect(JSON.stringify(res)).toContain('476173******0119');
    handler.emit('alert', { alert_id: 'a1', kind: 'device', severity: 'error', message: 'bad read 4761739001010119', at: '2026-11-23T03:00:00.000Z' });
    handler.emit('devices', [{ kind: 'payment', name: 'Card terminal', state: 'error', flags: [], advice: 'reader sent 4761739001010119' }]);
    expect(JSON.stringify(wc.sent)).not.toContain('4761739001010119');
    expect(wc.sent.map((s) => s.args[0])).toEqual(['alert', 'devices']);
    // Structured fields are left alone (a Luhn-valid 13-digit article number stays readable)
    handler.emit('price', { sku: '5901234123457', cursor: 1, applied_at_ms: 1 });
    expect(wc.sent[2]!.args).toEqual(['price', { sku: '5901234123457', cursor: 1, applied_at_ms: 1 }]);
  });

  it('detach removes the handler and the stream subscription', async () => {
    const { ipcMain, handler, bridge } = setup();
    bridge.detach();
    bridge.detach();
    expect(handler.listeners.size).toBe(0);
    await expect(ipcMain.invoke(CHANNELS.invoke, trusted(11), 'sync.status', {})).rejects.toThrow(/No handler/);
  });
});

describe('electron preload API (what window.tillstream is)', () => {
  it('has exactly invoke and on, frozen, and only ever uses the two fixed channels', async () => {
    const { api, channelsUsed, handler } = setup();
    expect(Object.keys(api).sort()).toEqual(['invoke', 'on']);
    expect(Object.isFrozen(api)).toBe(true);
    expect(await api.invoke('session.signOut', {})).toMatchObject({ ok: true, result: { ok: true } });
    const seen: unknown[][] = [];
    const off = api.on((stream, data) => seen.push([stream, data]));
    handler.emit('sync', SYNC);
    expect(seen).toEqual([['sync', SYNC]]);
    off();
    off();
    handler.emit('sync', SYNC);
    expect(seen).toHaveLength(1);
    expect(new Set(channelsUsed)).toEqual(new Set([CHANNELS.invoke, CHANNELS.event]));
  });

  it('never hands the IpcRendererEvent to the window', () => {
    const { api, handler } = setup();
    const args: unknown[][] = [];
    api.on((...a: unknown[]) => args.push(a));
    handler.emit('sync', SYNC);
    expect(args).toEqual([['sync', SYNC]]);
    expect(JSON.stringify(args)).not.toContain('ipcRenderer');
  });

  it('refuses bad names before IPC, non-function listeners, and too many listeners', async () => {
    const { api, channelsUsed } = setup();
    await expect(api.invoke('', {})).rejects.toThrow(/command name/);
    await expect(api.invoke(42 as unknown as string, {})).rejects.toThrow(/command name/);
    expect(channelsUsed).toEqual([]);
    expect(() => api.on('nope' as unknown as () => void)).toThrow(/function/);
    const offs = Array.from({ length: MAX_STREAM_LISTENERS }, () => api.on(() => {}));
    expect(() => api.on(() => {})).toThrow(/more than/);
    offs[0]!();
    expect(() => api.on(() => {})).not.toThrow();
  });

  it('an unknown command through the preload comes back as BAD_REQUEST', async () => {
    const { api } = setup();
    expect(await api.invoke('shell.openExternal', { url: 'https://evil.example' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });
});
