import { z } from 'zod';
import { devicePublicKeySchema, storeIdSchema, terminalIdSchema } from '../../../core/protocol';
import { parseDevicePublicKey } from '../../integrity/device-keys';
import type { RouteModule } from '../app';
import { createEnrollmentCode, redeemEnrollmentCode, revokeCredentials } from '../../auth';
import { allowedStore, storeScope, userOf } from '../auth';
import { credRoom } from '../../socket';
import { errorBodySchema, HttpError } from '../errors';
import { text, toIso } from '../schemas';
import { keyset, listFilters, pageQuery, pageReply, SqlParams, storeFilter } from '../paging';

// Enrollment: HQ or store IT creates a one-time code for a store and terminal; the register
// exchanges it, once, for its own credential.

const enrollBody = z
  .object({
    code: text(40, 4).describe('the code as shown, e.g. ABCD-EFGH-JKMN'),
    public_key: devicePublicKeySchema.optional().describe("the register's own Ed25519 public key (base64 DER SubjectPublicKeyInfo); from then on every events.push of this credential must be signed with its private key (docs/sync-protocol.md 4.2a)"),
  })
  .strict();
const enrollReply = z.object({
  token: z.string(),
  store_id: z.string(),
  terminal_id: z.string(),
  /** A replacement code: the register must take over the terminal's chain (GET /api/register/handover) before it sells. */
  replacement: z.boolean(),
  /** The store's name and currency, for a device that has no config file of its own (the handheld, docs/handheld.md). */
  store_name: z.string(),
  currency: z.string(),
  /** The hub keeps the public key sent: this credential's pushes must be signed. */
  device_key: z.boolean(),
});
const codeBody = z
  .object({ store_id: storeIdSchema, terminal_id: terminalIdSchema, ttl_minutes: z.number().int().min(1).max(60 * 24 * 30).optional() })
  .strict();
const codeReply = z.object({
  code: z.string(),
  code_id: z.number().describe('to list and revoke the code by (the code itself is kept only as a hash)'),
  store_id: z.string(),
  terminal_id: z.string(),
  expires_at: z.string(),
  /** What the register pins (sha256 of the hub's CA or self-signed certificate); null when the hub itself serves no TLS (behind a proxy: store IT pins the proxy's). */
  pin: z.string().nullable(),
});

export const enrollmentRoutes: RouteModule = (app, deps) => {
  app.post('/api/enroll', {
    bodyLimit: 4096,
    schema: {
      tags: ['enrollment'],
      summary: "Exchange a one-time enrollment code for the register's credential (no authentication)",
      body: enrollBody,
      response: { 201: enrollReply, 400: errorBodySchema, 401: errorBodySchema, 409: errorBodySchema, 429: errorBodySchema },
    },
    handler: async (req, reply) => {
      deps.authGate?.check('enrollment_code', req.ip);
      try {
        if (req.body.public_key !== undefined) {
          const key = parseDevicePublicKey(req.body.public_key);
          if (key instanceof Error) throw new HttpError(400, 'BAD_REQUEST', key.message, 'public_key');
        }
        const { revoked, ...enrolled } = await redeemEnrollmentCode(deps.db, req.body.code, req.body.public_key);
        // The replaced credential's live sockets go now, on every hub (the Redis adapter carries it).
        for (const id of revoked) deps.io.in(credRoom(id)).disconnectSockets(true);
        const store = await deps.db.query<{ name: string; currency: string }>('SELECT name, currency FROM stores WHERE store_id = $1', [enrolled.store_id]);
        return reply.status(201).send({ ...enrolled, device_key: req.body.public_key !== undefined, store_name: store.rows[0]?.name ?? enrolled.store_id, currency: store.rows[0]?.currency ?? '' });
      } catch (err) {
        if ((err as { code?: string }).code === 'UNAUTHORIZED') deps.authGate?.failed('enrollment_code', req.ip);
        throw err;
      }
    },
  });

  app.post('/api/enrollment-codes', {
    bodyLimit: 4096,
    config: { auth: 'user' },
    schema: {
      tags: ['enrollment'],
      summary: 'Create a one-time enrollment code for a terminal of a store you manage',
      security: [{ bearer: [] }],
      body: codeBody,
      response: { 201: codeReply, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema },
    },
    handler: async (req, reply) => {
      const u = userOf(req);
      allowedStore(u, req.body.store_id);
      const created = await createEnrollmentCode(deps.db, { ...req.body, created_by: u.user_id });
      return reply.status(201).send({ ...created, pin: deps.tlsPin?.() ?? null });
    },
  });

  const ks = keyset('enrollment-codes', [{ sql: 'code_id', type: 'bigint' }], 'desc');
  app.get('/api/enrollment-codes', {
    config: { auth: 'user' },
    schema: {
      tags: ['enrollment'],
      summary: 'Enrollment codes of the stores you manage (never the code itself), newest first; paged, filtered by store and state',
      security: [{ bearer: [] }],
      querystring: z.object({ ...pageQuery(), store_id: listFilters.store_id, state: z.enum(['pending', 'used', 'expired', 'revoked', 'all']).default('all') }).strict(),
      response: { 200: pageReply('codes', codeRow), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const qs = req.query;
      const stores = storeScope(userOf(req), qs.store_id);
      const q = new SqlParams();
      const state = {
        pending: 'revoked_at IS NULL AND used_at IS NULL AND expires_at >= now()',
        used: 'revoked_at IS NULL AND used_at IS NOT NULL',
        expired: 'revoked_at IS NULL AND used_at IS NULL AND expires_at < now()',
        revoked: 'revoked_at IS NOT NULL',
        all: 'TRUE',
      }[qs.state];
      const { rows } = await deps.db.query<Record<string, unknown>>(
        `SELECT ${CODE_COLUMNS}, ${ks.select} FROM enrollment_codes WHERE ${storeFilter(q, 'store_id', stores)} AND ${state} AND ${ks.after(q, qs.cursor)}
          ORDER BY ${ks.orderBy} LIMIT ${q.p(qs.limit + 1)}`,
        q.values,
      );
      const page = ks.page(rows, qs.limit);
      return { codes: page.rows.map(toCodeRow), next_cursor: page.next_cursor };
    },
  });

  app.post('/api/enrollment-codes/:code_id/revoke', {
    bodyLimit: 4096,
    config: { auth: 'user' },
    schema: {
      tags: ['enrollment'],
      summary: "Revoke an enrollment code: unused, it can no longer be redeemed; used, the credential it gave the register is revoked and the register's sockets are dropped on every hub",
      security: [{ bearer: [] }],
      params: z.object({ code_id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }),
      response: { 200: codeRow.extend({ credentials_revoked: z.number() }), 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema },
    },
    handler: async (req) => {
      const u = userOf(req);
      const id = req.params.code_id;
      const found = await deps.db.query<{ store_id: string }>(`SELECT store_id FROM enrollment_codes WHERE code_id = $1`, [id]);
      if (!found.rows[0]) throw new HttpError(404, 'NOT_FOUND', `no enrollment code ${id}`, 'code_id');
      allowedStore(u, found.rows[0].store_id, 'code_id');
      const result = await deps.db.transaction(async (tx) => {
        const { rows } = await tx.query<Record<string, unknown>>(
          `UPDATE enrollment_codes SET revoked_at = now() WHERE code_id = $1 AND revoked_at IS NULL RETURNING ${CODE_COLUMNS}`,
          [id],
        );
        if (!rows[0]) throw new HttpError(409, 'ALREADY_REVOKED', `enrollment code ${id} is already revoked`, 'code_id');
        const row = toCodeRow(rows[0]);
        // A used code: the register it enrolled loses its credential (the latest enrollment of that terminal).
        const ids = row.used_at ? await revokeCredentials(tx, { terminal_id: row.terminal_id }) : [];
        return { row, ids };
      });
      for (const cid of result.ids) deps.io.in(credRoom(Number(cid))).disconnectSockets(true);
      deps.log.info({ code_id: id, credentials: result.ids.length, by: u.user_id }, 'enrollment code revoked');
      return { ...result.row, credentials_revoked: result.ids.length };
    },
  });
};

const codeRow = z.object({
  code_id: z.number(),
  store_id: z.string(),
  terminal_id: z.string(),
  created_by: z.string().nullable(),
  created_at: z.string(),
  expires_at: z.string(),
  used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  state: z.enum(['pending', 'used', 'expired', 'revoked']),
});
const CODE_COLUMNS = `code_id::text AS code_id, store_id, terminal_id, created_by, created_at, expires_at, used_at, revoked_at, expires_at < now() AS expired`;
function toCodeRow(r: Record<string, unknown>): z.infer<typeof codeRow> {
  return {
    code_id: Number(r.code_id),
    store_id: String(r.store_id),
    terminal_id: String(r.terminal_id),
    created_by: (r.created_by as string | null) ?? null,
    created_at: toIso(r.created_at)!,
    expires_at: toIso(r.expires_at)!,
    used_at: toIso(r.used_at),
    revoked_at: toIso(r.revoked_at),
    state: r.revoked_at ? 'revoked' : r.used_at ? 'used' : r.expired ? 'expired' : 'pending',
  };
}
