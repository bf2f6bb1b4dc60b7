import { z } from 'zod';
import type { ReceiptDocument } from '../core/receipt';
import type { WireResponse } from '../core/register-api';

// Messages between the handheld's page (the cashier's screen) and its worker (the register:
// journal, engine, sync). The page holds no sale state: every command goes to the worker's
// RegisterService through core's wire dispatch, the same validation the countertop window's
// transports use. The worker checks every request from the page against these schemas.

export const MAX_CODE_CHARS = 40;

export const cashierSetupSchema = z.object({
  cashier_id: z.string().regex(/^[0-9A-Za-z]{1,32}$/),
  name: z.string().min(1).max(64),
  pin: z.string().regex(/^[0-9]{4,8}$/, 'PIN: 4 to 8 digits'),
}).strict();

export const pageRequestSchema = z.discriminatedUnion('op', [
  z.object({ id: z.number().int(), op: z.literal('init') }).strict(),
  z.object({ id: z.number().int(), op: z.literal('enroll'), code: z.string().min(4).max(MAX_CODE_CHARS), cashier: cashierSetupSchema }).strict(),
  z.object({ id: z.number().int(), op: z.literal('call'), name: z.string().max(64), params: z.unknown() }).strict(),
  z.object({ id: z.number().int(), op: z.literal('confirmCard'), amount: z.number().int().min(1), currency: z.string().regex(/^[A-Z]{3}$/) }).strict(),
  z.object({ id: z.number().int(), op: z.literal('link') }).strict(),
  /** The journal's SQLite file, for store IT (`tillstream journal verify` / `export` read it). */
  z.object({ id: z.number().int(), op: z.literal('exportJournal') }).strict(),
]);
export type PageRequest = z.infer<typeof pageRequestSchema>;
type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type PageRequestBody = Without<PageRequest, 'id'>;

/** The link and the queue as the status bar shows them. */
export interface LinkView {
  state: 'stopped' | 'connecting' | 'connected' | 'waiting';
  unsynced: number;
  oldest_unsynced_at: string | null;
  head: number;
  applied_through: number;
  change_cursor: number;
  last_error: string | null;
  checked_at: string;
}

export interface DeviceView {
  enrolled: boolean;
  terminal_id: string | null;
  store_id: string | null;
  store_name: string | null;
  currency: string | null;
  /** Where the journal lives ('opfs-sahpool'), for the settings line. */
  storage: string;
}

export type WorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { code: string; message: string } }
  | { id: number; wire: WireResponse };

export type WorkerPush =
  | { push: 'stream'; stream: string; data: unknown }
  | { push: 'link'; link: LinkView }
  | { push: 'receipt'; receipt: ReceiptDocument; text: string }
  | { push: 'fatal'; message: string };

export type WorkerMessage = WorkerReply | WorkerPush;
