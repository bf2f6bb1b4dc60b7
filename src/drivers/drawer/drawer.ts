// The cash drawer. Usually it hangs off the receipt printer: opened by the printer's kick pulse
// (ESC p m t1 t2 on pin 2 or 5) and sensed through the printer's drawer status bit (DLE EOT 1,
// pin 3), whose meaning depends on the drawer: `openLevel` says which level is "open". Some
// drawers have their own serial interface and open on a byte string; those report no state.
// An alert status fires when the drawer stays open longer than `openAlertMs`.

import { PosDevice } from '../device/pos-device';
import { PosError } from '../device/result';
import { bindingFor } from '../transport/bindings';
import { ReconnectingTransport, type ReconnectOptions } from '../transport/reconnecting';
import type { TransportAddress, TransportBinding } from '../transport/transport';
import type { ReceiptPrinter } from '../printer/printer';
import type { PrinterSnapshot } from '../printer/status';

export interface KickPulse {
  pin: 2 | 5;
  onMs: number;
  offMs: number;
}

export type CashDrawerOptions = {
  pulse?: Partial<KickPulse>;
  /** Level of the printer's drawer sensor (pin 3) that means open. Drawers differ; test yours. */
  openLevel?: 'high' | 'low';
  /** Raise a 'drawer-alert' status when open longer than this (0 = never). */
  openAlertMs?: number;
} & (
  | { via: 'printer'; printer: ReceiptPrinter }
  | { via: 'serial'; address: TransportAddress; binding?: TransportBinding; reconnect?: ReconnectOptions; openBytes?: number[] }
);

export class CashDrawer extends PosDevice<never> {
  private open_: boolean | undefined;
  private openedAt: number | undefined;
  private alertTimer: ReturnType<typeof setTimeout> | undefined;
  private link: ReconnectingTransport | undefined;
  private readonly pulseCfg: KickPulse;
  private readonly onSnapshot = (s: PrinterSnapshot) => this.sensed(s.drawerPin3High);
  private closeWaiters: Array<() => void> = [];

  constructor(name: string, private readonly options: CashDrawerOptions) {
    super(name, 'drawer');
    this.pulseCfg = { pin: options.pulse?.pin ?? 2, onMs: options.pulse?.onMs ?? 100, offMs: options.pulse?.offMs ?? 200 };
    if (this.pulseCfg.onMs < 2 || this.pulseCfg.onMs > 510 || this.pulseCfg.offMs < 2 || this.pulseCfg.offMs > 510) {
      throw new RangeError('drawer pulse times must be 2..510 ms (ESC p counts in 2 ms units)');
    }
  }

  /** True/false from the sensor; undefined when not known (no status yet, or a serial drawer). */
  get isOpen(): boolean | undefined {
    return this.open_;
  }

  /** Fires the kick. Resolves when the pulse command was sent (the drawer's state follows by status). */
  async openDrawer(): Promise<void> {
    this.requireEnabled('openDrawer()');
    if (this.options.via === 'printer') {
      const p = this.options.printer;
      if (!p.enabled) throw new PosError('E_OFFLINE', `${this.name}: its printer ${p.name} is not enabled`);
      await p.pulse(this.pulseCfg.pin, this.pulseCfg.onMs, this.pulseCfg.offMs);
    } else {
      const link = this.link;
      if (!link?.online) throw new PosError('E_OFFLINE', `${this.name} is offline`);
      await link.write(Uint8Array.from(this.options.openBytes ?? [0x07]));
    }
  }

  /** UnifiedPOS waitForDrawerClose: resolves when the sensor reports closed, E_TIMEOUT otherwise. */
  waitForDrawerClose(timeoutMs: number): Promise<void> {
    this.requireEnabled('waitForDrawerClose()');
    if (this.open_ === false) return Promise.resolve();
    if (this.closeWaiters.length >= 16) return Promise.reject(new PosError('E_BUSY', `${this.name}: too many waiters`));
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(() => {
        this.closeWaiters = this.closeWaiters.filter((w) => w !== done);
        reject(new PosError('E_TIMEOUT', `${this.name} still open after ${timeoutMs} ms`));
      }, timeoutMs);
      this.closeWaiters.push(done);
    });
  }

  protected async onClaim(): Promise<void> {
    if (this.options.via === 'serial') {
      const o = this.options;
      const link = new ReconnectingTransport(o.binding ?? bindingFor(o.address), o.address, o.reconnect);
      link.on('offline', (reason) => {
        this.setState('error');
        this.emitStatus({ kind: 'power', value: 'offline', reason: reason.message });
      });
      link.on('online', () => {
        if (this.state === 'error') this.setState('idle');
        this.emitStatus({ kind: 'power', value: 'online' });
      });
      await link.start();
      this.link = link;
    }
  }

  protected override async onEnable(): Promise<void> {
    if (this.options.via === 'printer') {
      const p = this.options.printer;
      p.on('snapshot', this.onSnapshot);
      if (p.snapshot) this.sensed(p.snapshot.drawerPin3High);
    }
  }

  protected override async onDisable(): Promise<void> {
    if (this.options.via === 'printer') this.options.printer.off('snapshot', this.onSnapshot);
    this.stopAlert();
  }

  protected async onRelease(): Promise<void> {
    const link = this.link;
    this.link = undefined;
    await link?.close();
  }

  private sensed(pin3High: boolean): void {
    const open = pin3High === ((this.options.openLevel ?? 'high') === 'high');
    if (open === this.open_) return;
    this.open_ = open;
    this.emitStatus({ kind: 'drawer', value: open ? 'opened' : 'closed' });
    if (open) {
      this.openedAt = Date.now();
      const ms = this.options.openAlertMs ?? 30_000;
      if (ms > 0) {
        this.alertTimer = setTimeout(() => {
          this.alertTimer = undefined;
          if (this.open_) this.emitStatus({ kind: 'drawer-alert', value: 'open-too-long', openForMs: Date.now() - (this.openedAt ?? Date.now()) });
        }, ms);
      }
    } else {
      this.stopAlert();
      const w = this.closeWaiters;
      this.closeWaiters = [];
      for (const f of w) f();
    }
  }

  private stopAlert(): void {
    if (this.alertTimer) clearTimeout(this.alertTimer);
    this.alertTimer = undefined;
  }
}
