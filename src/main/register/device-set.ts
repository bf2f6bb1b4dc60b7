import { money, quantity } from '../../core/money';
import type { ReceiptDocument } from '../../core/receipt';
import type { DeviceStatus as StatusView } from '../../core/register-api';
import type { DeviceStatus as DriverStatus, StatusEvent } from '../../drivers/device/events';
import type { PosDevice } from '../../drivers/device/pos-device';
import { ReceiptPrinter, type JobEvent } from '../../drivers/printer/printer';
import { CashDrawer } from '../../drivers/drawer/drawer';
import { SerialScanner } from '../../drivers/scanner/scanner';
import { Scale8217 } from '../../drivers/scale/scale';
import { ZvtPaymentTerminal } from '../../drivers/payment/zvt-terminal';
import type { PaymentResult } from '../../drivers/payment/types';
import { CustomerDisplay } from '../../drivers/display/display';
import { bindingFor, listAllDevices, type TransportAddress, type TransportBinding } from '../../drivers/transport';
import type { RegisterConfig } from './config';
import type { CardResult, RegisterDevices, ScanData } from './devices';

// The register's peripherals through the real drivers (UnifiedPOS life cycle, supervised
// transports that reconnect). Each device starts independently: one that is missing or
// broken shows as offline with advice, and the others keep working.

type Kind = StatusView['kind'];
const PRINT_WAIT_MS = 20_000;
const MAX_LISTENERS = 16;

// The drivers' event maps differ per device; the slot only needs the shared life cycle and events.
type AnyDevice = Pick<PosDevice<unknown>, 'start' | 'close' | 'opened' | 'state' | 'statuses' | 'enabled'> & {
  on(event: 'status', l: (e: StatusEvent) => void): unknown;
  on(event: 'state', l: () => void): unknown;
  on(event: 'error', l: (e: { message: string }) => void): unknown;
};

interface Slot {
  kind: Kind;
  name: string;
  port: string;
  device: AnyDevice | null;
  error: string | null;
  flags: Set<string>;
}

function linkAddress(d: { path: string; baudRate: number } | { host: string; port: number }): TransportAddress {
  return 'path' in d ? { kind: 'serial', path: d.path, baudRate: d.baudRate } : { kind: 'tcp', host: d.host, port: d.port };
}
function describe(d: { path: string } | { host: string; port: number }): string {
  return 'path' in d ? d.path : `${d.host}:${d.port}`;
}

const ADVICE: Record<string, string> = {
  paper_empty: 'Printer out of paper: put in a new roll',
  paper_near_end: 'Paper roll nearly finished: change it soon',
  cover_open: 'Printer cover open: close it',
  offline: 'Device not answering: check its cable and power',
  drawer_open_too_long: 'Drawer open too long: close it',
};


/** The receipt printer model the register lays receipts out for (80 mm, 48 columns). */
export const REGISTER_PRINTER_PROFILE = 'generic-escpos-80';
export class DriverDevices implements RegisterDevices {
  private readonly slots = new Map<Kind, Slot>();
  private printer: ReceiptPrinter | null = null;
  private drawer: CashDrawer | null = null;
  private scanner: SerialScanner | null = null;
  private scale: Scale8217 | null = null;
  private payment: ZvtPaymentTerminal | null = null;
  private customerDisplay: CustomerDisplay | null = null;
  private readonly statusListeners = new Set<(s: StatusView[]) => void>();
  private readonly scanListeners = new Set<(s: ScanData) => void>();

  private constructor(private readonly cfg: RegisterConfig) {}

  /** `bindings`: extra transport bindings for the config's addresses (the demo's in-process serial links). */
  static async start(cfg: RegisterConfig, log: (m: string) => void = () => {}, bindings: TransportBinding[] = []): Promise<DriverDevices> {
    const d = new DriverDevices(cfg);
    const dev = cfg.devices;
    const linkOf = (x: Parameters<typeof linkAddress>[0]) => {
      const address = linkAddress(x);
      return bindings.length ? { address, binding: bindingFor(address, bindings) } : { address };
    };
    const reconnect = { initialDelayMs: 250, maxDelayMs: 3000, startOffline: true };
    if (dev.printer) {
      const p = new ReceiptPrinter('printer', { ...linkOf(dev.printer), profile: REGISTER_PRINTER_PROFILE, statusPollMs: 1000, reconnect });
      d.printer = p;
      await d.startSlot('printer', 'Receipt printer', describe(dev.printer), p, log);
      const drawer = new CashDrawer('drawer', { via: 'printer', printer: p, openAlertMs: 60_000 });
      d.drawer = drawer;
      await d.startSlot('drawer', 'Cash drawer', 'via printer', drawer, log);
    }
    if (dev.scanner) {
      const s = new SerialScanner('scanner', { ...linkOf(dev.scanner), suffix: 'CR', aimPrefix: true, reconnect });
      s.on('data', (e) => {
        for (const l of d.scanListeners) l({ data: e.data.raw, symbology: e.data.symbology });
      });
      d.scanner = s;
      await d.startSlot('scanner', 'Barcode scanner', describe(dev.scanner), s, log);
    }
    if (dev.scale) {
      const s = new Scale8217('scale', { ...linkOf(dev.scale), reconnect });
      d.scale = s;
      await d.startSlot('scale', 'Scale', describe(dev.scale), s, log);
    }
    if (dev.payment) {
      const t = new ZvtPaymentTerminal('payment', { ...linkOf(dev.payment), currency: cfg.currency, transactionTimeoutMs: 30_000, reconnect });
      d.payment = t;
      await d.startSlot('payment', 'Card terminal', describe(dev.payment), t, log);
    }
    if (dev.display) {
      const c = new CustomerDisplay('display', { ...linkOf(dev.display), locale: cfg.locale, reconnect });
      d.customerDisplay = c;
      await d.startSlot('display', 'Customer display', describe(dev.display), c, log);
    }
    return d;
  }

  private async startSlot(kind: Kind, name: string, port: string, device: AnyDevice, log: (m: string) => void): Promise<void> {
    const slot: Slot = { kind, name, port, device, error: null, flags: new Set() };
    this.slots.set(kind, slot);
    device.on('status', (e: StatusEvent) => {
      this.applyStatus(slot, e);
      this.notify();
    });
    device.on('state', () => this.notify());
    device.on('error', (e) => {
      slot.error = e.message;
      this.notify();
    });
    try {
      await device.start();
      slot.error = null;
    } catch (err) {
      slot.error = err instanceof Error ? err.message : String(err);
      log(`${name} (${port}) did not start: ${slot.error}`);
    }
    for (const s of device.statuses) this.applyStatus(slot, s);
  }

  private applyStatus(slot: Slot, s: DriverStatus): void {
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
      message: r.message,
    };
  }

  async authorizeCard(amountMinor: number, currency: string): Promise<CardResult> {
    if (!this.payment) throw new Error('no card terminal configured');
    return this.card(await this.payment.sale(money(amountMinor, currency)));
  }

  async refundCard(amountMinor: number, currency: string): Promise<CardResult> {
    if (!this.payment) throw new Error('no card terminal configured');
    return this.card(await this.payment.refund(money(amountMinor, currency)));
  }

  async display(line1: string, line2: string): Promise<void> {
    const c = this.customerDisplay;
    if (!c || !c.enabled) return;
    await c.showText(line1.slice(0, 20), line2.slice(0, 20));
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
          const s = await this.payment.terminalStatus();
          return { ok: s.ready, message: s.message };
        }
        case 'display':
          if (!this.customerDisplay) return { ok: false, message: 'no customer display configured' };
          await this.customerDisplay.selfTest();
          return { ok: true, message: 'self test shown' };
        case 'scanner':
          if (!this.scanner) return { ok: false, message: 'no serial scanner configured (keyboard-wedge scanners need no setup)' };
          return { ok: this.scanner.enabled, message: this.scanner.enabled ? 'listening: scan any barcode' : 'not connected' };
      }
    } catch (err) {
      return { ok: false, message: (err instanceof Error ? err.message : String(err)).slice(0, 200) };
    }
  }

  async found() {
    const r = await listAllDevices().catch(() => ({ devices: [], errors: [] }));
    const out: Awaited<ReturnType<RegisterDevices['found']>> = [];
    for (const d of r.devices.slice(0, 48)) {
      out.push({
        kind: d.kind === 'hid' ? 'scanner' : d.kind === 'usb' ? 'printer' : 'scanner',
        name: (d.product ?? d.manufacturer ?? d.id).slice(0, 200),
        transport: d.kind === 'mock' ? 'none' : d.kind,
        address: d.id.slice(0, 200),
        ...(d.vendorId !== undefined ? { vendor_id: d.vendorId.toString(16).padStart(4, '0') } : {}),
        ...(d.productId !== undefined ? { product_id: d.productId.toString(16).padStart(4, '0') } : {}),
      });
    }
    // The configured devices too: PTYs and network printers/terminals do not show up in USB/serial enumeration.
    for (const s of this.slots.values()) {
      if (s.port === 'via printer' || out.some((o) => o.address === s.port)) continue;
      out.push({ kind: s.kind, name: s.name, transport: s.port.startsWith('/') ? 'serial' : 'tcp', address: s.port.slice(0, 200) });
    }
    return out.slice(0, 64);
  }

  async close(): Promise<void> {
    for (const d of [this.drawer, this.customerDisplay, this.payment, this.scale, this.scanner, this.printer]) {
      if (d?.opened) await d.close().catch(() => {});
    }
  }
}
