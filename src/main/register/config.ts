import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { deviceConfigSchema, loadDeviceConfig, type DeviceConfig } from '../../drivers/config';
import { hubEndpointProblem } from '../../sync';

// The register's configuration file (resources/ default; store IT edits it or the demo writes
// it). Validated on load; a bad file names the field and the register refuses to start.
//
// Devices are configured once, in the drivers' format (src/drivers/config, the same file
// `tillstream devices check|test|detect` use): `device_config` is either that object inline or
// the name of the file holding it. The register's old `devices` block (serial or TCP only) is
// read once and migrated (migrateRegisterConfig, loadRegisterConfig).

const moneyMinor = z.number().int().min(0);

// A file name, or the configuration inline; inline problems carry the drivers' field paths.
const deviceConfigField = z
  .unknown()
  .transform((v, ctx): string | DeviceConfig | null => {
    if (v === undefined || v === null) return null;
    if (typeof v === 'string') {
      if (v.length === 0 || v.length > 4096) ctx.addIssue({ code: 'custom', message: 'a file name (1–4096 characters)' });
      return v;
    }
    const r = deviceConfigSchema.safeParse(v);
    if (r.success) return r.data;
    for (const i of r.error.issues) ctx.addIssue({ code: 'custom', message: i.message, path: i.path as PropertyKey[] } as never);
    return z.NEVER;
  });

export const registerConfigSchema = z
  .object({
    terminal_id: z.string().min(1).max(64),
    store_id: z.string().min(1).max(64),
    store_name: z.string().min(1).max(64),
    store_lines: z.array(z.string().max(64)).max(6).default([]),
    currency: z.string().regex(/^[A-Z]{3}$/),
    locale: z.string().min(2).max(35).default('en-US'),
    language: z.enum(['en', 'de']).default('en'),
    journal_path: z.string().min(1),
    /**
     * The hub and this register's credential (from `tillstream register enroll`). `ca` is the
     * pinned certificate (PEM) and `pin` its SHA-256; `insecure` is store IT's explicit choice
     * to allow plain http or an unpinned certificate to a non-loopback hub (shown in red).
     */
    hub: z
      .object({
        url: z.string().url(),
        token: z.string().min(1),
        ca: z.string().min(1).max(64 * 1024).optional(),
        pin: z.string().max(200).optional(),
        insecure: z.boolean().optional(),
        /** Enrolled with a replacement code: a new journal takes over the terminal's chain from the hub at start. */
        replacement: z.boolean().optional(),
        /** This register's Ed25519 device key (PKCS#8 PEM), made at enrollment; it signs every batch it uploads. */
        device_key: z.string().min(1).max(4096).optional(),
      })
      .superRefine((h, ctx) => {
        const p = hubEndpointProblem(h);
        if (p) ctx.addIssue({ code: 'custom', message: p.message, path: [p.code === 'INSECURE_URL' ? 'url' : 'pin'] });
      })
      .nullable()
      .default(null),
    cashiers: z
      .array(z.object({ cashier_id: z.string().regex(/^[0-9A-Za-z]{1,32}$/), name: z.string().min(1).max(64), role: z.enum(['cashier', 'manager']), pin_hash: z.string().startsWith('scrypt$') }))
      .min(1)
      .max(500),
    /** Discounts at or below this percentage need no manager. */
    discount_limit_pct: z.number().min(0).max(100).default(10),
    cash_quick_amounts: z.array(moneyMinor).max(8).default([500, 1000, 2000, 5000]),
    /** A return above this total (minor units) needs a manager; omitted: any cashier may refund. */
    max_refund_without_approval: z.number().int().min(0).optional(),
    /** Largest no-receipt return (minor units), always under a manager's approval. 0 turns them off. */
    no_receipt_return_limit: z.number().int().min(0).default(5000),
    /** Approval needed for voiding lines in an open sale. */
    void_line_needs_manager: z.boolean().default(true),
    /** The drivers' device configuration, inline, or the file holding it (relative to this file). */
    device_config: deviceConfigField.default(null),
    /** Receipts printed are also saved here as text + PNG (demo). */
    receipt_dir: z.string().optional(),
    /** Acquirer key the ledger maps card clearing by (chart mapping.card_clearing.by_processor); 'sim' for the virtual terminal. */
    card_processor: z.string().regex(/^[a-z0-9_-]{1,32}$/).default('sim'),
    app_version: z.string().default('0.1.0'),
  });
export type RegisterConfig = z.infer<typeof registerConfigSchema>;
export type RegisterConfigInput = z.input<typeof registerConfigSchema>;

// ---- the old `devices` block ----

const legacySerial = z.object({ path: z.string().min(1), baudRate: z.number().int().positive().default(9600) });
const legacyTcp = z.object({ host: z.string().default('127.0.0.1'), port: z.number().int().min(1).max(65535) });
const legacyDevicesSchema = z.object({
  scanner: legacySerial.optional(),
  scale: legacySerial.optional(),
  printer: z.union([legacyTcp, legacySerial]).optional(),
  payment: z.union([legacyTcp, legacySerial]).optional(),
  display: legacySerial.optional(),
  receipt_dir: z.string().optional(),
});

/** The behaviour the old block had built in, kept by the migration so nothing changes for the cashier. */
const LEGACY_RECONNECT = { initialDelayMs: 250, maxDelayMs: 3000, startOffline: true };

function legacyConnection(d: { path: string; baudRate: number } | { host: string; port: number }) {
  return 'path' in d ? { transport: 'serial' as const, path: d.path, baudRate: d.baudRate } : { transport: 'tcp' as const, host: d.host, port: d.port };
}

/** The drivers' configuration equivalent to an old `devices` block (profile, drawer, suffix as the register had them hard-coded). */
export function legacyDevicesToDeviceConfig(block: unknown, reg: { currency: string; locale?: string }): DeviceConfig {
  const r = legacyDevicesSchema.safeParse(block);
  if (!r.success) throw new Error(`register config: devices.${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}`);
  const old = r.data;
  const devices: Record<string, unknown> = {};
  if (old.printer) {
    devices.printer = { type: 'printer', connection: legacyConnection(old.printer), profile: 'generic-escpos-80' /* REGISTER_PRINTER_PROFILE */, statusPollMs: 1000, reconnect: LEGACY_RECONNECT };
    devices.drawer = { type: 'drawer', via: 'printer', printer: 'printer', openAlertSeconds: 60 };
  }
  if (old.scanner) devices.scanner = { type: 'scanner', connection: legacyConnection(old.scanner), suffix: 'CR', aimPrefix: true, reconnect: LEGACY_RECONNECT };
  if (old.scale) devices.scale = { type: 'scale', connection: legacyConnection(old.scale), reconnect: LEGACY_RECONNECT };
  if (old.payment) devices.payment = { type: 'payment', connection: legacyConnection(old.payment), currency: reg.currency, transactionTimeoutMs: 30_000, reconnect: LEGACY_RECONNECT };
  if (old.display) devices.display = { type: 'display', connection: legacyConnection(old.display), locale: reg.locale ?? 'en-US', reconnect: LEGACY_RECONNECT };
  const parsed = deviceConfigSchema.safeParse({ version: 1, devices });
  if (!parsed.success) throw new Error(`register config: migrating the devices block: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export interface Migration {
  /** The file's object with `devices` replaced by `device_config` (and `receipt_dir` moved up). */
  raw: Record<string, unknown>;
  /** The converted block, in the drivers' format, when there was an old block. */
  deviceConfig: DeviceConfig | null;
}

/** Replaces an old `devices` block by the equivalent `device_config` (inline); a file without one is returned as it is. */
export function migrateRegisterConfig(input: unknown): Migration {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new Error('register config: must be a JSON object');
  const raw = input as Record<string, unknown>;
  if (!('devices' in raw)) return { raw, deviceConfig: null };
  if ('device_config' in raw) throw new Error('register config: has both the old `devices` block and `device_config`; remove `devices` (device_config is what the register reads)');
  const { devices, ...rest } = raw;
  const reg = { currency: String(raw.currency ?? ''), locale: typeof raw.locale === 'string' ? raw.locale : undefined };
  const deviceConfig = legacyDevicesToDeviceConfig(devices ?? {}, reg);
  const receiptDir = (devices as { receipt_dir?: unknown } | null)?.receipt_dir;
  return { raw: { ...rest, device_config: deviceConfig, ...(typeof receiptDir === 'string' && rest.receipt_dir === undefined ? { receipt_dir: receiptDir } : {}) }, deviceConfig };
}

export function parseRegisterConfig(input: unknown): RegisterConfig {
  const r = registerConfigSchema.safeParse(migrateRegisterConfig(input).raw);
  if (!r.success) {
    const msg = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`register config: ${msg}`);
  }
  return r.data;
}

function writeAtomic(file: string, text: string, mode: number): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

/**
 * Reads register.json as JSON. An old `devices` block is migrated once: the drivers'
 * configuration is written beside the file (devices.json), the file is rewritten (atomically,
 * same mode, every other key kept) to name it in `device_config`, and `log` says so.
 */
export function readRegisterConfigFile(file: string, log: (msg: string) => void = () => {}): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`register config ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const m = migrateRegisterConfig(raw);
  if (!m.deviceConfig) return m.raw;
  const dir = path.dirname(path.resolve(file));
  let target = path.join(dir, 'devices.json');
  for (let n = 2; existsSync(target) && n < 100; n++) target = path.join(dir, `devices-${n}.json`);
  try {
    const mode = statSync(file).mode & 0o777;
    const next = { ...m.raw, device_config: path.basename(target) };
    parseRegisterConfig(next);
    writeAtomic(target, `${JSON.stringify(m.deviceConfig, null, 2)}\n`, 0o644);
    writeAtomic(path.resolve(file), `${JSON.stringify(next, null, 2)}\n`, mode);
    log(
      `register config ${file}: the old "devices" block was migrated to the drivers' device configuration in ${target}, ` +
        `and the file now names it in "device_config". Edit ${path.basename(target)} from now on: ` +
        `\`tillstream devices check --config ${target}\` validates it, \`tillstream devices test <name> --config ${target}\` tries a device.`,
    );
    return next;
  } catch (err) {
    log(`register config ${file}: the old "devices" block is used as converted in memory; writing the migration failed: ${err instanceof Error ? err.message : String(err)}`);
    return m.raw;
  }
}

/** Paths in the file are relative to the file's folder, not the process's working directory. */
export function resolveConfigPaths(cfg: RegisterConfig, file: string): RegisterConfig {
  const dir = path.dirname(path.resolve(file));
  cfg.journal_path = path.resolve(dir, cfg.journal_path);
  if (typeof cfg.device_config === 'string') cfg.device_config = path.resolve(dir, cfg.device_config);
  if (cfg.receipt_dir) cfg.receipt_dir = path.resolve(dir, cfg.receipt_dir);
  return cfg;
}

/** Reads, migrates (once) and validates register.json; relative paths are resolved against its folder. */
export function loadRegisterConfig(file: string, log: (msg: string) => void = () => {}): RegisterConfig {
  return resolveConfigPaths(parseRegisterConfig(readRegisterConfigFile(file, log)), file);
}

/** The register's device configuration (drivers' format): inline, from the file it names, or none. */
export function registerDeviceConfig(cfg: RegisterConfig): DeviceConfig {
  if (cfg.device_config === null) return { version: 1, devices: {} };
  if (typeof cfg.device_config === 'string') return loadDeviceConfig(cfg.device_config);
  return cfg.device_config;
}

/**
 * register.json holds the hub credential and the cashiers' PIN hashes (a 4-digit PIN falls to
 * an offline guess in minutes). On a multi-user machine it must be the register user's alone:
 * the problem to refuse start-up with, naming the fix, or null when the mode is private.
 */
export function configExposure(file: string, mode: number, platform: string = process.platform): string | null {
  if (platform === 'win32' || (mode & 0o077) === 0) return null;
  return `register config ${file} is readable by other users (mode ${(mode & 0o777).toString(8)}) and holds the hub credential and PIN hashes; run: chmod 600 '${file}' (or pass --allow-readable-config to start anyway)`;
}

