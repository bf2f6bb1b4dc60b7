import { readFileSync } from 'node:fs';
import { z } from 'zod';

// The register's configuration file (resources/ default; store IT edits it or the demo writes
// it). Validated on load; a bad file names the field and the register refuses to start.

const moneyMinor = z.number().int().min(0);
const serialDevice = z.object({ path: z.string().min(1), baudRate: z.number().int().positive().default(9600) });
const tcpDevice = z.object({ host: z.string().default('127.0.0.1'), port: z.number().int().min(1).max(65535) });

export const registerConfigSchema = z.object({
  terminal_id: z.string().min(1).max(64),
  store_id: z.string().min(1).max(64),
  store_name: z.string().min(1).max(64),
  store_lines: z.array(z.string().max(64)).max(6).default([]),
  currency: z.string().regex(/^[A-Z]{3}$/),
  locale: z.string().min(2).max(35).default('en-US'),
  language: z.enum(['en', 'de']).default('en'),
  journal_path: z.string().min(1),
  hub: z.object({ url: z.string().url(), token: z.string().min(1) }).nullable().default(null),
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
  devices: z
    .object({
      scanner: serialDevice.optional(),
      scale: serialDevice.optional(),
      printer: z.union([tcpDevice, serialDevice]).optional(),
      payment: z.union([tcpDevice, serialDevice]).optional(),
      display: serialDevice.optional(),
      /** Receipts printed are also saved here as text + PNG (demo). */
      receipt_dir: z.string().optional(),
    })
    .default({}),
  /** Acquirer key the ledger maps card clearing by (chart mapping.card_clearing.by_processor); 'sim' for the virtual terminal. */
  card_processor: z.string().regex(/^[a-z0-9_-]{1,32}$/).default('sim'),
  app_version: z.string().default('0.1.0'),
});
export type RegisterConfig = z.infer<typeof registerConfigSchema>;
export type RegisterConfigInput = z.input<typeof registerConfigSchema>;

export function parseRegisterConfig(input: unknown): RegisterConfig {
  const r = registerConfigSchema.safeParse(input);
  if (!r.success) {
    const msg = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`register config: ${msg}`);
  }
  return r.data;
}

export function loadRegisterConfig(file: string): RegisterConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`register config ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return parseRegisterConfig(raw);
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
