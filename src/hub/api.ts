import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'socket.io';
import type { Logger } from 'pino';
import { z } from 'zod';
import { storeIdSchema, terminalIdSchema } from '../core/protocol';
import type { Db } from './db/db';
import {
  AuthError,
  authenticate,
  canManageStore,
  createEnrollmentCode,
  createUser,
  isChainWide,
  redeemEnrollmentCode,
  requireRole,
  revokeCredentials,
  type Principal,
} from './auth';
import { createStore, createStoreSchema } from './stores';
import { catalogChangeSchema, priceChangeSchema, promotionChangeSchema, submitHqChange, type HqChange } from './hq-changes';
import { adjustStock, stockAdjustmentSchema } from './stock';
import { stockLevels, trialBalance } from './ledger-queries';
import { decimalToQty } from './quantity';
import { HttpError, bearer, parseBody, readJson, sendError, sendJson } from './http-util';
import { credRoom, publishChanges } from './socket';
import { hqPage } from './hq-page';

// The HTTP API for HQ and store IT. Every route but /health, /hq and /api/enroll needs a
// bearer token; bodies are zod-validated and errors are JSON naming the bad field.

export interface ApiDeps {
  db: Db;
  io: Server;
  log: Logger;
  isClosing: () => boolean;
  track: <T>(p: Promise<T>) => Promise<T>;
}

type Handler = (ctx: { req: IncomingMessage; res: ServerResponse; url: URL; principal: Principal | null; params: string[] }) => Promise<unknown>;

interface Route {
  method: string;
  pattern: RegExp;
  auth: boolean;
  handler: Handler;
}

const enrollSchema = z.object({ code: z.string().min(4).max(40) }).strict();
const enrollmentCodeSchema = z
  .object({ store_id: storeIdSchema, terminal_id: terminalIdSchema, ttl_minutes: z.number().int().min(1).max(60 * 24 * 30).optional() })
  .strict();
const createUserSchema = z
  .object({
    user_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'must be 1-64 of letters, digits, . _ @ -'),
    name: z.string().min(1).max(200),
    role: z.enum(['admin', 'hq', 'store_manager']),
    store_ids: z.array(storeIdSchema).max(1000).default([]),
  })
  .strict()
  .refine((u) => u.role !== 'store_manager' || u.store_ids.length > 0, { message: 'a store_manager needs at least one store', path: ['store_ids'] });
const revokeSchema = z.union([
  z.object({ terminal_id: terminalIdSchema }).strict(),
  z.object({ user_id: z.string().min(1).max(64) }).strict(),
  z.object({ credential_id: z.number().int().min(1) }).strict(),
]);

function storeParam(url: URL, principal: Principal): string {
  const s = url.searchParams.get('store_id');
  if (!s) throw new HttpError(400, 'BAD_REQUEST', 'store_id: query parameter is required', 'store_id');
  if (!storeIdSchema.safeParse(s).success) throw new HttpError(400, 'BAD_REQUEST', 'store_id: invalid', 'store_id');
  const allowed = principal.kind === 'register' ? principal.store_id === s : canManageStore(principal, s);
  if (!allowed) throw new HttpError(403, 'FORBIDDEN', `no access to store ${s}`, 'store_id');
  return s;
}

function limitParam(url: URL, def = 100, max = 1000): number {
  const v = url.searchParams.get('limit');
  if (v === null) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new HttpError(400, 'BAD_REQUEST', `limit: must be an integer 1..${max}`, 'limit');
  return n;
}

function requireUser(p: Principal | null): Extract<Principal, { kind: 'user' }> {
  if (!p || p.kind !== 'user') throw new HttpError(403, 'FORBIDDEN', 'this route is for HQ and store IT users');
  return p;
}

export function createApi(deps: ApiDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { db, io } = deps;
  const routes: Route[] = [];
  const route = (method: string, path: string, auth: boolean, handler: Handler) =>
    routes.push({ method, pattern: new RegExp(`^${path.replace(/:[a-z_]+/g, '([^/]+)')}$`), auth, handler });

  route('GET', '/health', false, async () => {
    await db.query('SELECT 1');
    return { ok: true, closing: deps.isClosing(), db: db.kind };
  });
  route('GET', '/', false, async ({ res }) => {
    res.writeHead(302, { location: '/hq/' }).end();
  });
  route('GET', '/hq/', false, async ({ res }) => {
    const html = hqPage();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) }).end(html);
  });

  route('POST', '/api/enroll', false, async ({ req }) => {
    const body = parseBody(enrollSchema, await readJson(req, 4096));
    const { revoked, ...enrolled } = await redeemEnrollmentCode(db, body.code);
    // The replaced credential's live sockets go now, on every hub (the Redis adapter carries it).
    for (const id of revoked) io.in(credRoom(id)).disconnectSockets(true);
    return enrolled;
  });

  route('GET', '/api/me', true, async ({ principal }) => principal);

  route('POST', '/api/stores', true, async ({ req, principal }) => {
    requireRole(requireUser(principal), ['admin', 'hq']);
    const body = parseBody(createStoreSchema, await readJson(req));
    return createStore(db, body);
  });
  route('GET', '/api/stores', true, async ({ principal }) => {
    const u = requireUser(principal);
    const { rows } = await db.query<{ store_id: string }>(
      `SELECT store_id, name, currency, groups, change_cursor FROM stores ORDER BY store_id`,
    );
    return { stores: rows.filter((r) => canManageStore(u, r.store_id)) };
  });
  route('GET', '/api/terminals', true, async ({ url, principal }) => {
    const s = storeParam(url, requireUser(principal));
    const { rows } = await db.query(
      `SELECT t.terminal_id, t.applied_through, t.last_seen_at,
              EXISTS (SELECT 1 FROM credentials c WHERE c.terminal_id = t.terminal_id AND c.revoked_at IS NULL) AS enrolled
         FROM terminals t WHERE t.store_id = $1 ORDER BY t.terminal_id`,
      [s],
    );
    return { terminals: rows };
  });

  route('POST', '/api/enrollment-codes', true, async ({ req, principal }) => {
    const u = requireUser(principal);
    const body = parseBody(enrollmentCodeSchema, await readJson(req, 4096));
    if (!canManageStore(u, body.store_id)) throw new HttpError(403, 'FORBIDDEN', `no access to store ${body.store_id}`, 'store_id');
    return createEnrollmentCode(db, { ...body, created_by: u.user_id });
  });

  route('POST', '/api/users', true, async ({ req, principal }) => {
    requireRole(requireUser(principal), ['admin']);
    const body = parseBody(createUserSchema, await readJson(req, 64 * 1024));
    return createUser(db, body);
  });

  route('POST', '/api/credentials/revoke', true, async ({ req, principal }) => {
    const u = requireUser(principal);
    const body = parseBody(revokeSchema, await readJson(req, 4096));
    if ('terminal_id' in body) {
      const { rows } = await db.query<{ store_id: string }>(`SELECT store_id FROM terminals WHERE terminal_id = $1`, [body.terminal_id]);
      if (!rows[0]) throw new HttpError(404, 'NOT_FOUND', `unknown terminal ${body.terminal_id}`, 'terminal_id');
      if (!canManageStore(u, rows[0].store_id)) throw new HttpError(403, 'FORBIDDEN', `no access to store ${rows[0].store_id}`, 'terminal_id');
    } else {
      requireRole(u, ['admin']);
    }
    const ids = await revokeCredentials(db, body);
    // Drop live connections of the revoked credentials, on every hub (via the adapter).
    for (const id of ids) io.in(credRoom(id)).disconnectSockets(true);
    return { revoked: ids.length };
  });

  const hqChange = (kind: HqChange['kind'], schema: z.ZodType) =>
    (async ({ req, principal }) => {
      const u = requireUser(principal);
      const body = parseBody(schema, await readJson(req)) as HqChange['body'];
      if (!isChainWide(u)) {
        // A store manager may change only their own stores, named explicitly.
        const t = body.target as { store_ids?: string[] };
        if (!t.store_ids || !t.store_ids.every((s) => u.store_ids.includes(s))) {
          throw new HttpError(403, 'FORBIDDEN', 'a store manager may target only their own stores (target.store_ids)', 'target');
        }
      }
      const result = await deps.track(submitHqChange(db, { kind, body } as HqChange, u.user_id));
      publishChanges(io, result.changes);
      deps.log.info({ kind, stores: result.stores.length, scheduled: !!result.scheduled, by: u.user_id }, 'hq change');
      return {
        stores: result.stores,
        scheduled: result.scheduled ?? null,
        changes: result.changes.map((c) => ({ store_id: c.store_id, cursor: c.cursor, kind: c.kind })),
      };
    }) satisfies Handler;
  route('POST', '/api/prices', true, hqChange('price', priceChangeSchema));
  route('POST', '/api/promotions', true, hqChange('promotion', promotionChangeSchema));
  route('POST', '/api/catalog', true, hqChange('catalog', catalogChangeSchema));

  route('POST', '/api/stock/adjustments', true, async ({ req, principal }) => {
    const u = requireUser(principal);
    const body = parseBody(stockAdjustmentSchema, await readJson(req));
    if (!canManageStore(u, body.store_id)) throw new HttpError(403, 'FORBIDDEN', `no access to store ${body.store_id}`, 'store_id');
    const change = await deps.track(db.transaction((tx) => adjustStock(tx, body)));
    publishChanges(io, [change]);
    return { cursor: change.cursor };
  });
  route('GET', '/api/stock', true, async ({ url, principal }) => {
    const s = storeParam(url, principal!);
    const rows = await stockLevels(db, s);
    return { store_id: s, stock: rows.map((r) => ({ sku: r.sku, on_hand: decimalToQty(r.on_hand), on_hand_decimal: r.on_hand })) };
  });
  route('GET', '/api/alerts', true, async ({ url, principal }) => {
    const u = requireUser(principal);
    const s = url.searchParams.get('store_id');
    if (s) storeParam(url, u);
    const stores = s ? [s] : isChainWide(u) ? null : u.store_ids;
    const { rows } = await db.query(
      `SELECT alert_id, kind, store_id, terminal_id, message, data, created_at FROM alerts
        WHERE ($1::text[] IS NULL OR store_id = ANY($1)) ORDER BY alert_id DESC LIMIT $2`,
      [stores, limitParam(url)],
    );
    return { alerts: rows };
  });
  route('GET', '/api/sales', true, async ({ url, principal }) => {
    const u = requireUser(principal);
    const s = url.searchParams.get('store_id');
    if (s) storeParam(url, u);
    const stores = s ? [s] : isChainWide(u) ? null : u.store_ids;
    const { rows } = await db.query(
      `SELECT store_id, terminal_id, seq, type, occurred_at, (payload->'totals'->>'total')::bigint AS total, payload->>'currency' AS currency
         FROM journal_events WHERE ($1::text[] IS NULL OR store_id = ANY($1)) ORDER BY received_at DESC, seq DESC LIMIT $2`,
      [stores, limitParam(url)],
    );
    return { events: rows };
  });
  route('GET', '/api/rejections', true, async ({ url, principal }) => {
    const s = storeParam(url, requireUser(principal));
    const { rows } = await db.query(
      `SELECT r.terminal_id, r.seq, r.event_id, r.code, r.reason, r.created_at FROM event_rejections r
         JOIN terminals t ON t.terminal_id = r.terminal_id WHERE t.store_id = $1 ORDER BY r.created_at DESC LIMIT $2`,
      [s, limitParam(url)],
    );
    return { rejections: rows };
  });
  route('GET', '/api/ledger/trial-balance', true, async ({ principal }) => {
    requireRole(requireUser(principal), ['admin', 'hq']);
    return trialBalance(db);
  });

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://hub.invalid');
    const method = req.method ?? 'GET';
    let matched: { route: Route; params: string[] } | null = null;
    let pathMatched = false;
    for (const r of routes) {
      const m = r.pattern.exec(url.pathname);
      if (!m) continue;
      pathMatched = true;
      if (r.method === method) {
        matched = { route: r, params: m.slice(1).map(decodeURIComponent) };
        break;
      }
    }
    const run = async () => {
      if (!matched) throw pathMatched ? new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} not allowed on ${url.pathname}`) : new HttpError(404, 'NOT_FOUND', `no route ${url.pathname}`);
      let principal: Principal | null = null;
      if (matched.route.auth) {
        principal = await authenticate(db, bearer(req));
        if (!principal) throw new HttpError(401, 'UNAUTHORIZED', 'missing, unknown or revoked bearer token');
      }
      const body = await matched.route.handler({ req, res, url, principal, params: matched.params });
      if (!res.headersSent) sendJson(res, method === 'POST' ? 201 : 200, body);
    };
    run().catch((err: unknown) => {
      if (res.headersSent) return void res.end();
      if (err instanceof HttpError) return sendError(res, err);
      if (err instanceof AuthError) {
        const status = { UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, BAD_REQUEST: 400 }[err.code];
        return sendError(res, new HttpError(status, err.code, err.message, err.field));
      }
      if (err instanceof z.ZodError) return sendError(res, new HttpError(400, 'BAD_REQUEST', err.issues[0]?.message ?? 'invalid', err.issues[0]?.path.join('.')));
      deps.log.error({ err, path: url.pathname }, 'request failed');
      sendError(res, new HttpError(500, 'INTERNAL', 'internal error'));
    });
  };
}
