import { deviceSigner, openJournal, SyncClient, type Journal } from '../../sync';
import { deviceReports } from './device-report';
import { startBrowserHost, type BrowserHost } from '../browser-host/server';
import type { RendererBundle } from '../browser-host/bundle';
import type { RegisterConfig } from './config';
import type { RegisterDevices } from './devices';
import { NoDevices } from './null-devices';
import { nodePinCheck } from './pins';
import { RegisterService } from './service';
import { takeOverChain } from './handover';

// Composition root of the register main process: journal → sync → devices → service →
// window transport (the browser host here; the Electron shell attaches the same service to
// its preload IPC instead).

export interface StartRegisterOptions {
  config: RegisterConfig;
  /**
   * The devices, or a function that builds them once the journal is open (so the drivers can
   * be given journal state: `journalPaymentHooks`, an unresolved card payment).
   */
  devices?: RegisterDevices | ((journal: Journal) => Promise<RegisterDevices>);
  /** Serve the cashier UI on 127.0.0.1 (development, e2e, demo without Electron). */
  browser?: { port?: number; bundle?: RendererBundle } | false;
  /** Sync monitor interval (ms); the demo and tests use a short one. */
  syncMonitorMs?: number;
  log?: (msg: string) => void;
  /** A new journal of an enrolled terminal waits this long for its handover from the hub (default 60 s). */
  handoverTimeoutMs?: number;
}

/**
 * A replacement device (enrolled with a replacement code) must take over its terminal's chain
 * before it sells: a sale at seq 1 would fork it. Retries until the hub answers, bounded.
 */
async function takeOverChainPatiently(journal: Journal, hub: NonNullable<RegisterConfig['hub']>, timeoutMs: number, log?: (m: string) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      await takeOverChain(journal, hub, log);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`this register's journal is new and the hub did not hand over its chain within ${Math.round(timeoutMs / 1000)} s: ${(err as Error).message}`, { cause: err });
      log?.(`waiting for the hub to hand over the chain: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** attempt)));
    }
  }
}

export interface RunningRegister {
  config: RegisterConfig;
  journal: Journal;
  sync: SyncClient | null;
  service: RegisterService;
  devices: RegisterDevices;
  host: BrowserHost | null;
  close(): Promise<void>;
}

export async function startRegister(opts: StartRegisterOptions): Promise<RunningRegister> {
  const cfg = opts.config;
  const journal = openJournal(cfg.journal_path, { terminalId: cfg.terminal_id, storeId: cfg.store_id });
  if (cfg.hub?.replacement && journal.isNew()) {
    try {
      await takeOverChainPatiently(journal, cfg.hub, opts.handoverTimeoutMs ?? 60_000, opts.log);
    } catch (err) {
      journal.close();
      throw err;
    }
  }
  let devices: RegisterDevices;
  try {
    devices = typeof opts.devices === 'function' ? await opts.devices(journal) : (opts.devices ?? new NoDevices());
  } catch (err) {
    journal.close();
    throw err;
  }
  const sync = cfg.hub
    ? new SyncClient({ journal, url: cfg.hub.url, token: cfg.hub.token, ...(cfg.hub.device_key ? { sign: deviceSigner(cfg.hub.device_key) } : {}), trust: { ca: cfg.hub.ca, pin: cfg.hub.pin, insecure: cfg.hub.insecure }, appVersion: cfg.app_version, cashiers: cfg.cashiers.map((c) => ({ cashier_id: c.cashier_id, name: c.name })), monitorIntervalMs: opts.syncMonitorMs ?? 2000, ackTimeoutMs: 5000, connectTimeoutMs: 3000, backoff: { baseMs: 200, maxMs: 2000 } })
    : null;
  const service = new RegisterService({ config: cfg, journal, devices, sync, pins: nodePinCheck, log: opts.log });
  sync?.reportDevices(() => deviceReports(devices.status()));
  sync?.start();
  let host: BrowserHost | null = null;
  if (opts.browser !== false) host = await startBrowserHost({ handler: service, port: opts.browser?.port, bundle: opts.browser?.bundle });
  let closed = false;
  return {
    config: cfg, journal, sync, service, devices, host,
    async close() {
      if (closed) return;
      closed = true;
      await host?.close();
      service.close();
      sync?.stop();
      await devices.close().catch(() => {});
      journal.close();
    },
  };
}
