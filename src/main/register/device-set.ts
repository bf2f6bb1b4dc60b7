import { money, quantity } from '../../core/money';
import type { ReceiptDocument } from '../../core/receipt';
import type { CustomerScreen, DeviceStatus as StatusView, RegisterJournal } from '../../core/register-api';
import { formatMoney } from '../../core/receipt';
import { createDeviceContext, type AnyDevice, type DeviceHooks } from '../../drivers/config/registry';
import type { Connection } from '../../drivers/config/connection';
import type { DeviceConfig, DeviceEntry } from '../../drivers/config/schema';
import type { StatusUpdate, StatusEvent } from '../../drivers/device/events';
import type { ReceiptPrinter, JobEvent } from '../../drivers/printer/printer';
import type { CashDrawer } from '../../drivers/drawer/drawer';
import type { HidPosScanner, SerialScanner } from '../../drivers/scanner/scanner';
import type { Scale8217 } from '../../drivers/scale/scale';
import type { ZvtPaymentTerminal } from '../../drivers/payment/zvt-terminal';
import type { PaymentResult } from '../../drivers/payment/types';
import type { CustomerDisplay } from '../../drivers/display/display';
import { REAL_BINDINGS, type TransportBinding } from '../../drivers/transport';
import { detectDevices } from '../../drivers/config/detect';
import { registerDeviceConfig, type RegisterConfig } from './config';
import type { CardResult, OriginalCardPayment, RegisterDevices, ScanData } from './devices';

// The register's peripherals through the real drivers (UnifiedPOS life cycle, supervised
// transports that reconnect), built from the drivers' own device configuration with the
// drivers' own context (src/drivers/config): every transport, model profile and option that
// `tillstream devices test` supports works here. Each device starts independently: one that is
// missing or broken shows as offline with advice, and the others keep working.

type Kind = StatusView['kind'];
const PRINT_WAIT_MS = 20_000;
const formatAmount = (m: { amount: number; currency: string }, locale: string) => formatMoney(m.amount, m.currency, locale);
const MAX_LISTENERS = 16;

const KIND_NAMES: Record<Kind, string> = {
  printer: 'Receipt printer',
  drawer: 'Cash drawer',
  scanner: 'Barcode scanner',
  scale: 'Scale',
  payment: 'Card terminal',
  display: 'Customer display',
};

interface Slot {
  kind: Kind;
  /** The device's name in the configuration. */
  id: string;
  name: string;
  port: string;
  device: AnyDevice | null;
  error: string | null;
  flags: Set<string>;
}

/** Where a configured device is attached, as store IT wrote it (a path, vvvv:pppp, host:port). */
export function describeConnection(c: Connection): string {
  switch (c.transport) {
    case 'serial':
      return c.path;
    case 'usb':
    case 'hid':
      return `${c.transport} ${c.device}${c.serialNumber ? ` #${c.serialNumber}` : ''}`;
    case 'tcp':
      return `${c.host}:${c.port}`;
    case 'mock':
      return `mock ${c.name}`;
  }
}

/**
 * Which configured device plays each register role: the one named like its type ("printer"),
 * else the only device of that type. Several of a type with none named like it is a
 * configuration error naming them. Every scanner feeds the sale.
 */
export function registerRoles(cfg: DeviceConfig): { roles: Partial<Record<Exclude<Kind, 'scanner'>, string>>; scanners: string[]; problems: string[] } {
  const roles: Partial<Record<Exclude<Kind, 'scanner'>, string>> = {};
  const problems: string[] = [];
  const entries = Object.entries(cfg.devices);
  for (const kind of ['printer', 'drawer', 'scale', 'payment', 'display'] as const) {
    const ofType = entries.filter(([, e]) => e.type === kind).map(([n]) => n);
    if (ofType.includes(kind)) roles[kind] = kind;
    else if (ofType.length === 1) roles[kind] = ofType[0]!;
    else if (ofType.length > 1) problems.push(`several ${kind}s (${ofType.join(', ')}): name the one the register uses "${kind}"`);
  }
  return { roles, scanners: entries.filter(([, e]) => e.type === 'scanner').map(([n]) => n), problems };
}

/** The register starts every device even while it is absent, and connects when it appears (`devices test` fails fast instead). */
function startingOffline(cfg: DeviceConfig): DeviceConfig {
  const devices: Record<string, DeviceEntry> = {};
  for (const [n, e] of Object.entries(cfg.devices)) devices[n] = 'reconnect' in e && e.reconnect ? ({ ...e, reconnect: { ...e.reconnect, startOffline: true } } as DeviceEntry) : e;
  return { ...cfg, devices };
}

const ADVICE: Record<string, string> = {
  paper_empty: 'Printer out of paper: put in a new roll',
  paper_near_end: 'Paper roll nearly finished: change it soon',
  cover_open: 'Printer cover open: close it',
  offline: 'Device not answering: check its cable and power',
  drawer_open_too_long: 'Drawer open too long: close it; call a manager if cash is missing',
};

/** The printer model the old `devices` block implied (80 mm, 48 columns); the migration writes it. */
export const REGISTER_PRINTER_PROFILE = 'generic-escpos-80';

/**
 * The drivers' payment state from the journal: a card payment journalled with an unknown
 * outcome (and not resolved) is handed back to the terminal driver when it is built, so the
 * block on new card payments survives a restart.
 */
export function journalPaymentHooks(journal: Pick<RegisterJournal, 'openPayments'>): DeviceHooks {
  return {
    paymentState: () => {
      const u = journal.openPayments()[0];
      if (!u) return {};
      return {
        unresolved: {
          kind: u.kind, amount: money(u.amount, u.currency), reference: u.reference, startedAt: Date.parse(u.started_at),
          ...(u.trace_before !== undefined ? { traceBefore: u.trace_before } : {}), reason: u.reason,
        },
      };
    },
  };
}

export interface DriverDevicesOptions {
  log?: (m: string) => void;
  /** Extra transport bindings (a virtual USB bus in the demo and tests). */
  bindings?: TransportBinding[];
  /** Journal state for the drivers (the payment terminal's unresolved payment). */
  hooks?: DeviceHooks;
}

export class DriverDevices implements RegisterDevices {
  private readonly slots = new Map<string, Slot>();
  private printer: ReceiptPrinter | null = null;
  private drawer: CashDrawer | null = null;
  private scanners: Array<SerialScanner | HidPosScanner> = [];
  private scale: Scale8217 | null = null;
  private payment: ZvtPaymentTerminal | null = null;
  private customerDisplay: CustomerDisplay | null = null;
  private readonly statusListeners = new Set<(s: StatusView[]) => void>();
  private readonly scanListeners = new Set<(s: ScanData) => void>();

  private constructor(
    private readonly cfg: RegisterConfig,
    private readonly bindings: TransportBinding[] = [],
  ) {}

  static async start(cfg: RegisterConfig, opts: DriverDevicesOptions | ((m: string) => void) = {}): Promise<DriverDevices> {
    const o: DriverDevicesOptions = typeof opts === 'function' ? { log: opts } : opts;
    const log = o.log ?? (() => {});
    const d = new DriverDevices(cfg, o.bindings ?? []);
    const deviceConfig = startingOffline(registerDeviceConfig(cfg));
    const { roles, scanners, problems } = registerRoles(deviceConfig);
    for (const p of problems) log(`devices: ${p}`);
    const ctx = createDeviceContext(deviceConfig, o.bindings, { log: (l) => log(`device: ${l}`), ...o.hooks });
    const entry = (name: string) => deviceConfig.devices[name]!;
    const port = (name: string): string => {
      const e = entry(name);
      return e.type === 'drawer' && e.via === 'printer' ? `via ${e.printer}` : describeConnection((e as { connection: Connection }).connection);
    };
    const make = <T>(name: string): T | null => {
      try {
        return ctx.device(name) as T;
      } catch (err) {
        d.failedSlot(entry(name).type as Kind, name, port(name), err);
        log(`${name}: ${err instanceof Error ? err.message : String(err)}`);
        return null;
      }
    };
    if (roles.printer) {
      d.printer = make<ReceiptPrinter>(roles.printer);
      if (d.printer) await d.startSlot('printer', roles.printer, port(roles.printer), d.printer, log);
    }
    if (roles.drawer) {
      d.drawer = make<CashDrawer>(roles.drawer);
      if (d.drawer) await d.startSlot('drawer', roles.drawer, port(roles.drawer), d.drawer, log);
    }
    for (const name of scanners) {
      const s = make<SerialScanner | HidPosScanner>(name);
      if (!s) continue;
      s.on('data', (e) => {
        for (const l of d.scanListeners) l({ data: e.data.raw, symbology: e.data.symbology });
      });
      d.scanners.push(s);
      await d.startSlot('scanner', name, port(name), s, log);
    }
    if (roles.scale) {
      d.scale = make<Scale8217>(roles.scale);
      if (d.scale) await d.startSlot('scale', roles.scale, port(roles.scale), d.scale, log);
    }
    if (roles.payment) {
      const e = entry(roles.payment);
      if (e.type === 'payment' && e.currency !== cfg.currency) {
        d.failedSlot('payment', roles.payment, port(roles.payment), new Error(`the card terminal is configured for ${e.currency}; this register sells in ${cfg.currency}`));
      } else {
        d.payment = make<ZvtPaymentTerminal>(roles.payment);
        if (d.payment) await d.startSlot('payment', roles.payment, port(roles.payment), d.payment, log);
      }
    }
    if (roles.display) {
      d.customerDisplay = make<CustomerDisplay>(roles.display);
      if (d.customerDisplay) await d.startSlot('display', roles.display, port(roles.display), d.customerDisplay, log);
    }
    return d;
  }

  private failedSlot(kind: Kind, id: string, port: string, err: unknown): void {
    this.slots.set(id, { kind, id, name: KIND_NAMES[kind], port, device: null, error: err instanceof Error ? err.message : String(err), flags: new Set() });
  }

  private async startSlot(kind: Kind, id: string, port: string, device: AnyDevice, log: (m: string) => void): Promise<void> {
    const name = KIND_NAMES[kind];
    const slot: Slot = { kind, id, name, port, device, error: null, flags: new Set() };
    this.slots.set(id, slot);
    device.on('status', (e: StatusEvent) => {
      this.applyStatus(slot, e);
      this.notify();
    });
    device.on('state', () => this.notify());
    device.on('error', (e: { message: string }) => {
      slot.error = e.message;
      this.notify();
    });
    try {
      await device.start();
      slot.error = null;
    } catch (err) {
      slot.error = err instanceof Error ? err.message : String(err);
      log(`${name} "${id}" (${port}) did not start: ${slot.error}`);
    }
    for (const s of device.statuses) this.applyStatus(slot, s);
  }

  private applyStatus(slot: Slot, s: StatusUpdate): void {
    const f = slot.flags;
    switch (s.kind) {
      case 'paper':
        f.delete('paper_near_end');
        f.delete('paper_empty');
        if (s.value === 'near-end') f.add('paper_near_end');
        if (s.value === 'empty') f.add('paper_empty');
        break;
      case 'cover':
        if (s.value === 'open') f.add('cover_open');
        else f.delete('cover_open');
        break;
      case 'drawer':
        if (s.value === 'opened') f.add('drawer_open');
        else {
          f.delete('drawer_open');
          f.delete('drawer_open_too_long');
        }
        break;
      case 'drawer-alert':
        f.add('drawer_open_too_long');
        break;
      case 'scale':
        for (const x of ['stable', 'unstable', 'over_capacity', 'under_zero', 'zero']) f.delete(x);
        f.add(s.value.replace('-', '_'));
        break;
      case 'power':
        if (s.value === 'offline') f.add('offline');
        else {
          f.delete('offline');
          slot.error = null;
        }
        break;
      default:
        break;
    }
  }

  private view(slot: Slot): StatusView {
    const dev = slot.device;
    const flags = [...slot.flags].slice(0, 16);
    let state: StatusView['state'] = dev ? (dev.state === 'closed' ? 'closed' : dev.state) : 'offline';
    if (slot.flags.has('offline') || (slot.error && dev?.state !== 'idle' && dev?.state !== 'busy')) state = slot.flags.has('offline') ? 'offline' : 'error';
    const adviceKey = ['paper_empty', 'cover_open', 'offline', 'drawer_open_too_long', 'paper_near_end'].find((k) => slot.flags.has(k));
    const advice = adviceKey ? ADVICE[adviceKey] : slot.error ? `${slot.name}: ${slot.error}`.slice(0, 200) : undefined;
    return { kind: slot.kind, name: slot.name, state, flags, ...(advice ? { advice } : {}), port: slot.port.slice(0, 200) };
  }

  status(): StatusView[] {
    return [...this.slots.values()].map((s) => this.view(s));
  }

  private notify(): void {
    const s = this.status();
    for (const l of this.statusListeners) l(s);
  }

  onStatus(listener: (s: StatusView[]) => void): () => void {
    if (this.statusListeners.size >= MAX_LISTENERS) throw new Error('too many device status listeners');
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  onScan(listener: (s: ScanData) => void): () => void {
    if (this.scanListeners.size >= MAX_LISTENERS) throw new Error('too many scan listeners');
    this.scanListeners.add(listener);
    return () => this.scanListeners.delete(listener);
  }

  /** Resolves when the printer finished the job; rejects when it is interrupted (it stays queued and prints once fixed) or failed. */
  printReceipt(doc: ReceiptDocument): Promise<void> {
    const p = this.printer;
    if (!p) return Promise.reject(new Error('no receipt printer configured'));
    if (!p.enabled) return Promise.reject(new Error('printer is offline'));
    return new Promise<void>((resolve, reject) => {
      let id = '';
      const timer = setTimeout(() => finish(new Error('printer did not finish within 20 s')), PRINT_WAIT_MS);
      const finish = (err?: Error) => {
        clearTimeout(timer);
        p.off('job', onJob);
        if (err) reject(err);
        else resolve();
      };
      const onJob = (e: JobEvent) => {
        if (e.id !== id) return;
        if (e.state === 'done') finish();
        else if (e.state === 'failed' || e.state === 'cancelled') finish(new Error(e.reason ?? `print job ${e.state}`));
        else if (e.state === 'interrupted') finish(new Error(`${e.reason ?? 'printer interrupted'} — it will print when the printer is ready`));
      };
      p.on('job', onJob);
      try {
        id = p.printReceipt(doc);
      } catch (err) {
        finish(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  async openDrawer(): Promise<void> {
    if (!this.drawer) throw new Error('no cash drawer configured');
    await this.drawer.openDrawer();
  }

  async readWeight() {
    if (!this.scale) throw new Error('no scale configured; key the weight in');
    const w = await this.scale.readWeight({ timeoutMs: 5000 });
    return quantity(w.grams, 3);
  }

  private card(r: PaymentResult): CardResult {
    return {
      status: r.outcome,
      processor: this.cfg.card_processor,
      ...(r.maskedPan ? { masked_pan: r.maskedPan } : {}),
      ...(r.cardName ? { card_brand: r.cardName.slice(0, 32) } : {}),
      ...(r.authCode ? { auth_code: r.authCode.replace(/[^A-Za-z0-9 -]/g, '').slice(0, 16) } : {}),
      ...(r.terminalRef ? { terminal_ref: r.terminalRef.slice(0, 64) } : {}),
      ...(r.reference ? { reference: r.reference.slice(0, 64) } : {}),
      ...(r.outcome === 'unknown' && this.payment?.unresolved?.traceBefore !== undefined ? { trace_before: this.payment.unresolved.traceBefore } : {}),
      message: r.message,
    };
  }

  /** `reference` (sale id / tender id) goes to the terminal with the payment and comes back on the result. */
  async authorizeCard(amountMinor: number, currency: string, reference: string): Promise<CardResult> {
    if (!this.payment) throw new Error('no card terminal configured');
    return this.card(await this.payment.sale(money(amountMinor, currency), { reference }));
  }

  /** Money back to the card of `original`: the terminal is told the original payment's reference beside the refund's own. */
  async refundCard(amountMinor: number, currency: string, reference: string, original?: OriginalCardPayment): Promise<CardResult> {
    if (!this.payment) throw new Error('no card terminal configured');
    return this.card(await this.payment.refund(money(amountMinor, currency), { reference, ...(original?.terminal_ref ? { originalTerminalRef: original.terminal_ref } : {}) }));
  }

  async checkCardPayment(): Promise<CardResult | null> {
    if (!this.payment) throw new Error('no card terminal configured');
    const r = await this.payment.statusInquiry();
    return r ? this.card(r) : null;
  }

  /** Last screen asked for, so an unchanged sale does not redraw (the driver redraws it itself after a replug). */
  private lastScreen = '';

  async showCustomer(screen: CustomerScreen): Promise<void> {
    const c = this.customerDisplay;
    if (!c || !c.enabled) return;
    const key = JSON.stringify(screen);
    if (key === this.lastScreen) return;
    this.lastScreen = key;
    const money = (m: { amount: number; currency: string }) => ({ amount: m.amount, currency: m.currency });
    switch (screen.kind) {
      case 'idle':
        return c.idle();
      case 'line':
        return c.showLine(screen.description, money(screen.amount), money(screen.total));
      case 'total':
        return c.showTotal(money(screen.total));
      case 'paid':
        return c.showText('Paid', 'Change', formatAmount(screen.tendered, this.cfg.locale), formatAmount(screen.change, this.cfg.locale));
    }
  }

  async test(kind: Kind): Promise<{ ok: boolean; message: string }> {
    try {
      switch (kind) {
        case 'printer': {
          if (!this.printer) return { ok: false, message: 'no printer configured' };
          const id = this.printer.printCommands([
            { op: 'text', text: 'Tillstream test print', align: 'center', bold: true, width: 1, height: 1 },
            { op: 'text', text: new Date().toISOString(), align: 'left', bold: false, width: 1, height: 1 },
            { op: 'feed', lines: 3 },
            { op: 'cut', partial: false },
          ]);
          return { ok: true, message: `test page sent (job ${id.slice(0, 8)})` };
        }
        case 'drawer':
          await this.openDrawer();
          return { ok: true, message: 'kick pulse sent' };
        case 'scale': {
          const w = await this.readWeight();
          return { ok: true, message: `stable weight ${(w.units / 1000).toFixed(3)} kg` };
        }
        case 'payment': {
          if (!this.payment) return { ok: false, message: 'no card terminal configured' };
          // Not "ready" while a payment's outcome is unknown: the terminal refuses new payments until it is checked.
          const u = this.payment.unresolved;
          if (u) return { ok: false, message: `a card ${u.kind} of ${formatAmount(u.amount, this.cfg.locale)}${u.reference ? ` (ref ${u.reference})` : ''} has an unknown outcome: press "Check with terminal" on the sale screen`.slice(0, 200) };
          const s = await this.payment.terminalStatus();
          return { ok: s.ready, message: s.message };
        }
        case 'display':
          if (!this.customerDisplay) return { ok: false, message: 'no customer display configured' };
          await this.customerDisplay.selfTest();
          return { ok: true, message: 'self test shown' };
        case 'scanner': {
          const s = this.scanners[0];
          if (!s) return { ok: false, message: 'no serial or HID scanner configured (keyboard-wedge scanners need no setup)' };
          return { ok: s.enabled, message: s.enabled ? 'listening: scan any barcode' : 'not connected' };
        }
      }
    } catch (err) {
      return { ok: false, message: (err instanceof Error ? err.message : String(err)).slice(0, 200) };
    }
  }

  async found() {
    // The real buses, with any extra binding (the demo's virtual USB bus) in place of its kind.
    const bindings = [...this.bindings, ...Object.values(REAL_BINDINGS).filter((b) => b.kind !== 'tcp' && !this.bindings.some((x) => x.kind === b.kind))];
    const r = await detectDevices(bindings).catch(() => ({ proposals: [] }));
    const out: Awaited<ReturnType<RegisterDevices['found']>> = [];
    for (const { found: d, known } of r.proposals.slice(0, 48)) {
      if (d.kind === 'mock') continue;
      out.push({
        kind: known?.type ?? (d.kind === 'usb' ? 'printer' : 'scanner'),
        name: (known ? `${known.label}${d.product ? ` (${d.product})` : ''}` : (d.product ?? d.manufacturer ?? d.id)).slice(0, 200),
        transport: d.kind,
        address: d.id.slice(0, 200),
        ...(d.vendorId !== undefined ? { vendor_id: d.vendorId.toString(16).padStart(4, '0') } : {}),
        ...(d.productId !== undefined ? { product_id: d.productId.toString(16).padStart(4, '0') } : {}),
      });
    }
    // The configured devices too: PTYs and network printers/terminals do not show up in USB/serial enumeration.
    for (const s of this.slots.values()) {
      if (s.port.startsWith('via ') || s.port.startsWith('usb ') || s.port.startsWith('hid ') || out.some((o) => o.address === s.port)) continue;
      out.push({ kind: s.kind, name: s.name, transport: s.port.startsWith('/') ? 'serial' : s.port.startsWith('mock ') ? 'none' : 'tcp', address: s.port.slice(0, 200) });
    }
    return out.slice(0, 64);
  }

  async close(): Promise<void> {
    for (const d of [this.drawer, this.customerDisplay, this.payment, this.scale, ...this.scanners, this.printer]) {
      if (d?.opened) await d.close().catch(() => {});
    }
  }
}
