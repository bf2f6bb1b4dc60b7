// Turning configuration entries into driver objects, and the per-type test behind
// `tillstream devices test <name>`. A device type is supported by one entry in DEVICE_SUPPORT
// (drivers B add scanner, scale, display and payment here: one import, one entry).

import { waitForEvent } from '../device/emitter';
import type { StatusEvent } from '../device/events';
import { CashDrawer } from '../drawer/drawer';
import { text, type PrintCommand } from '../printer/commands';
import { ReceiptPrinter, type JobEvent } from '../printer/printer';
import type { TransportBinding } from '../transport/transport';
import { createDisplay } from '../display/config';
import { createPaymentTerminal } from '../payment/config';
import { createScale } from '../scale/config';
import { createScanner } from '../scanner/config';
import { testDisplay } from '../display/device-test';
import { testPaymentTerminal } from '../payment/device-test';
import { testScale } from '../scale/device-test';
import { testScanner } from '../scanner/device-test';
import { toTransportAddress } from './connection';
import type { DeviceConfig, DeviceEntry } from './schema';
import type { AnyDevice, DeviceContext, DeviceHooks, DeviceSupport } from './support';

export type { AnyDevice, DeviceContext, DeviceHooks, DeviceSupport, TestReport } from './support';

function bindingOf(ctx: DeviceContext, kind: string): TransportBinding | undefined {
  return ctx.bindings?.find((b) => b.kind === kind);
}

export const printerSupport: DeviceSupport<Extract<DeviceEntry, { type: 'printer' }>> = {
  type: 'printer',
  create(name, e, ctx) {
    const address = toTransportAddress(e.connection);
    const binding = bindingOf(ctx, address.kind);
    return new ReceiptPrinter(name, {
      address,
      ...(binding ? { binding } : {}),
      profile: e.profile,
      statusPollMs: e.statusPollMs,
      statusTimeoutMs: e.statusTimeoutMs,
      asb: e.asb,
      maxQueuedJobs: e.maxQueuedJobs,
      maxReprints: e.maxReprints,
      clearBufferOnRecovery: e.clearBufferOnRecovery,
      reconnect: e.reconnect,
    });
  },
  async test(device, report) {
    const p = device as ReceiptPrinter;
    if (p.profile.realtimeStatus) {
      const s = await p.queryStatus();
      report.line(`status: ${s.online ? 'online' : 'OFFLINE'}, cover ${s.coverOpen ? 'OPEN' : 'closed'}, paper ${s.paper}, errors ${s.error}`);
    }
    const cmds: PrintCommand[] = [
      text('Tillstream test print', { align: 'center', bold: true, width: 2, height: 2 }),
      text(`${p.name}: ${p.profile.name}`, { align: 'center' }),
      text(`${p.profile.columns} columns, ${p.profile.dotsWidth} dots`, { align: 'center' }),
      { op: 'rule', char: '-' },
      text('Left'),
      text('Centre', { align: 'center' }),
      text('Right', { align: 'right' }),
      text('Bold', { bold: true }),
      text('Double', { width: 2, height: 2 }),
      text('Code page: £ € é ü ß ñ'),
      text('Raster: مرحبا 你好'),
      { op: 'rule', char: '=' },
      { op: 'qr', data: 'tillstream-test', size: 6, errorLevel: 'm' },
      { op: 'feed', lines: p.profile.feedBeforeCut },
      { op: 'cut', partial: true },
    ];
    const done = waitForEvent<{ job: (e: JobEvent) => void }, 'job'>(p as never, 'job', (e) => ['done', 'failed', 'cancelled'].includes(e.state), 60_000);
    const id = p.printCommands(cmds);
    report.line(`test page queued as job ${id}`);
    const [e] = await done;
    if (e.state !== 'done') throw new Error(`test page ${e.state}${e.reason ? `: ${e.reason}` : ''}`);
    report.line('test page printed');
  },
};

export const drawerSupport: DeviceSupport<Extract<DeviceEntry, { type: 'drawer' }>> = {
  type: 'drawer',
  create(name, e, ctx) {
    const common = { pulse: e.pulse, openLevel: e.openLevel, openAlertMs: e.openAlertSeconds * 1000 };
    if (e.via === 'printer') return new CashDrawer(name, { ...common, via: 'printer', printer: ctx.device(e.printer) as ReceiptPrinter });
    const address = toTransportAddress(e.connection);
    const binding = bindingOf(ctx, address.kind);
    return new CashDrawer(name, { ...common, via: 'serial', address, ...(binding ? { binding } : {}), reconnect: e.reconnect, openBytes: e.openBytes });
  },
  async test(device, report) {
    const d = device as CashDrawer;
    const opened = waitForEvent<{ status: (s: StatusEvent) => void }, 'status'>(d as never, 'status', (s) => s.kind === 'drawer' && s.value === 'opened', 5_000);
    await d.openDrawer();
    report.line('kick pulse sent');
    try {
      await opened;
      report.line('drawer reports OPEN');
    } catch {
      report.line(d.isOpen === undefined ? 'drawer state unknown (no sensor on this connection)' : 'drawer did not report open within 5 s: check openLevel and the cable');
      return;
    }
    if (report.waitSeconds > 0) {
      report.line(`close the drawer (waiting up to ${report.waitSeconds} s)…`);
      await d.waitForDrawerClose(report.waitSeconds * 1000);
      report.line('drawer reports CLOSED');
    }
  },
};

// Scanner, scale, display and payment: drivers B's factories and `devices test` hooks.
function settingsOf<E extends { type: string; connection: unknown }>(e: E): Omit<E, 'type' | 'connection'> {
  const { type: _t, connection: _c, ...rest } = e;
  return rest;
}
export const scannerSupport: DeviceSupport<Extract<DeviceEntry, { type: 'scanner' }>> = {
  type: 'scanner',
  create: (name, e, ctx) => createScanner(name, toTransportAddress(e.connection), settingsOf(e), bindingOf(ctx, e.connection.transport)),
  test: testScanner,
};
export const scaleSupport: DeviceSupport<Extract<DeviceEntry, { type: 'scale' }>> = {
  type: 'scale',
  create: (name, e, ctx) => createScale(name, toTransportAddress(e.connection), settingsOf(e), bindingOf(ctx, e.connection.transport)),
  test: testScale,
};
export const displaySupport: DeviceSupport<Extract<DeviceEntry, { type: 'display' }>> = {
  type: 'display',
  create: (name, e, ctx) => createDisplay(name, toTransportAddress(e.connection), settingsOf(e), bindingOf(ctx, e.connection.transport)),
  test: testDisplay,
};
export const paymentSupport: DeviceSupport<Extract<DeviceEntry, { type: 'payment' }>> = {
  type: 'payment',
  create: (name, e, ctx) => {
    const binding = bindingOf(ctx, e.connection.transport);
    const state = ctx.hooks?.paymentState?.(name) ?? {};
    return createPaymentTerminal(name, toTransportAddress(e.connection), settingsOf(e), { ...state, ...(ctx.hooks?.log ? { log: ctx.hooks.log } : {}), ...(binding ? { binding } : {}) });
  },
  test: testPaymentTerminal,
};

export const DEVICE_SUPPORT: DeviceSupport[] = [printerSupport, drawerSupport, scannerSupport, scaleSupport, displaySupport, paymentSupport] as DeviceSupport[];

/** Creates driver objects for a configuration; devices that depend on others (drawer → printer) share them. */
export function createDeviceContext(config: DeviceConfig, bindings?: TransportBinding[], hooks?: DeviceHooks): DeviceContext & { all(): Map<string, AnyDevice> } {
  const made = new Map<string, AnyDevice>();
  const ctx: DeviceContext & { all(): Map<string, AnyDevice> } = {
    config,
    ...(bindings ? { bindings } : {}),
    ...(hooks ? { hooks } : {}),
    device(name) {
      const hit = made.get(name);
      if (hit) return hit;
      const entry = config.devices[name];
      if (!entry) throw new Error(`no device "${name}" in the configuration (have: ${Object.keys(config.devices).join(', ') || 'none'})`);
      const support = DEVICE_SUPPORT.find((s) => s.type === entry.type);
      if (!support) throw new Error(`device type "${entry.type}" of "${name}" has no driver yet`);
      const dev = support.create(name, entry, ctx);
      made.set(name, dev);
      return dev;
    },
    all: () => made,
  };
  return ctx;
}
