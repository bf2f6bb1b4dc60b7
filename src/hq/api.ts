// The hub's HTTP API as the console uses it: session cookie + CSRF token, JSON in and out, errors carry the
// hub's {error: {code, message, field}} so a form can name what is wrong.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | undefined | null>;

export interface Api {
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  del<T>(path: string): Promise<T>;
  /** A file the hub serves (an export): its text and the name it suggests. */
  file(path: string, query?: Query): Promise<{ text: string; name: string }>;
}

/**
 * The console signs in with a password: the hub keeps the session in an httpOnly cookie the
 * browser sends by itself, and every change carries the CSRF token the hub handed out with
 * the session (x-csrf-token). `csrf` is read at each call, so a new session's token is used
 * as soon as it exists.
 */
export function createApi(csrf: () => string, base = ''): Api {
  const call = async <T,>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${path}`, {
      method,
      credentials: 'same-origin',
      headers: { ...(method === 'GET' ? {} : { 'x-csrf-token': csrf() }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      throw new ApiError(res.status, 'BAD_REPLY', `the hub answered ${res.status} with something that is not JSON`);
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
      throw new ApiError(res.status, e?.code ?? `HTTP_${res.status}`, e?.message ?? `HTTP ${res.status}`, e?.field);
    }
    return json as T;
  };
  return {
    get: (path, query) => {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
      const s = qs.toString();
      return call('GET', s ? `${path}?${s}` : path);
    },
    post: (path, body) => call('POST', path, body),
    put: (path, body) => call('PUT', path, body),
    patch: (path, body) => call('PATCH', path, body),
    del: (path) => call('DELETE', path),
    file: async (path, query) => {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
      const s = qs.toString();
      const res = await fetch(`${base}${s ? `${path}?${s}` : path}`, { credentials: 'same-origin' });
      const text = await res.text();
      if (!res.ok) {
        let e: { code?: string; message?: string; field?: string } | undefined;
        try {
          e = (JSON.parse(text) as { error?: typeof e }).error;
        } catch {
          e = undefined;
        }
        throw new ApiError(res.status, e?.code ?? `HTTP_${res.status}`, e?.message ?? `HTTP ${res.status}`, e?.field);
      }
      const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'export.txt';
      return { text, name };
    },
  };
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return `${err.message} (${err.code})`;
  return err instanceof Error ? err.message : String(err);
}

// ---- shapes the hub answers (see docs/hub.md) ----

import type { Role, UserRow } from '../core/access';

export type { Role, UserRow };
export interface Me {
  user_id: string;
  name: string;
  role: Role;
  store_ids: string[];
}
/** GET /api/session: who this browser is signed in as, and the CSRF token for its changes. */
export interface SessionReply {
  user: Me | null;
  expires_at: string | null;
  csrf_token: string;
}
export interface StoreRow {
  store_id: string;
  name: string;
  currency: string;
  groups: string[];
  receipt_lines: string[];
  time_zone: string | null;
  tax: Record<string, unknown>;
  change_cursor: number;
}
/** A journal event as the hub lists it; `amount` is signed (a refund or post-void is negative). */
export interface EventRow {
  event_id: string;
  receipt_no: string;
  store_id: string;
  terminal_id: string;
  seq: number;
  type: string;
  occurred_at: string;
  received_at: string;
  amount: number | null;
  currency: string | null;
  cashier_id: string | null;
  /** Sales list only: the books corrected its ledger entry since (the row is as sold). */
  adjusted?: boolean;
}
export interface AlertRow {
  alert_id: number;
  kind: string;
  store_id: string;
  terminal_id: string | null;
  message: string;
  data: Record<string, unknown>;
  folded: number;
  created_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
}
export interface TerminalRow {
  terminal_id: string;
  store_id: string;
  online: boolean;
  enrolled: boolean;
  last_seen_at: string | null;
  app_version: string | null;
  applied_through: number;
  change_cursor: number;
  change_cursor_at: string | null;
  store_change_cursor: number;
  changes_behind: number;
  /** The register's last status.report: null when it never sent one. */
  reported: {
    at: string;
    head_seq: number;
    unsynced_count: number;
    oldest_unsynced_at: string | null;
    app_version: string | null;
    open_shift: { shift_id: string; opened_at: string } | null;
    devices: Array<{ kind: string; state: 'ok' | 'warning' | 'error' | 'absent'; message: string | null }>;
  } | null;
}
export interface ProductRow {
  sku: string;
  name: string;
  gtins: string[];
  category: string;
  tax_category: string;
  unit: string;
  active: boolean;
  price: { amount: number; currency: string } | null;
  on_hand_decimal: string | null;
  /** The catalog entry's latest version (0 before the first recorded change). */
  version: number;
}
export interface StockRow {
  sku: string;
  name: string | null;
  category: string | null;
  on_hand: { units: number; scale: number };
  on_hand_decimal: string;
  price: number | null;
  currency: string | null;
  value: number | null;
  /** Decimal text: what open transfers carry to this store ("0": none). */
  in_transit_in: string;
  /** Decimal text: what open transfers carry from this store to another. */
  in_transit_out: string;
}
export type TransferState = 'in_transit' | 'received' | 'received_short' | 'cancelled';
/** GET /api/stock/transfers: a transfer with its lines (quantities as decimal text). */
export interface TransferRow {
  transfer_id: number;
  from_store: string;
  to_store: string;
  state: TransferState;
  lines: Array<{ sku: string; name: string | null; shipped: string; received: string | null; short: string | null }>;
  line_count: number;
  note: string;
  created_by: string | null;
  created_at: string;
  received_at: string | null;
  received_by: string | null;
  receive_note: string | null;
  cancelled_at: string | null;
  cancelled_by: string | null;
  cancel_note: string | null;
}
export interface InTransitRow {
  sku: string;
  name: string | null;
  incoming: string;
  outgoing: string;
  transfers: number;
}
export interface MovementRow {
  movement_id: number;
  store_id: string;
  sku: string;
  name: string | null;
  quantity_decimal: string;
  reason: string;
  event_id: string | null;
  transfer_id: number | null;
  created_at: string;
}
export interface Figures {
  currency: string;
  net_sales: number;
  sales_total: number;
  transactions: number;
  average_basket: number | null;
  refunds_total: number;
  refunds_count: number;
  voids_total: number;
  voids_count: number;
}
export interface DashboardReply {
  from: string;
  to: string;
  bucket: 'hour' | 'day';
  totals: Figures[];
  by_store: Array<Figures & { store_id: string }>;
  by_time: Array<Figures & { at: string }>;
  alerts: { open: number; by_kind: Record<string, number> };
}
export interface ChangeReply {
  stores: string[];
  scheduled: { change_id: number; effective_at: string } | null;
  changes: Array<{ store_id: string; cursor: number; kind: string }>;
}
