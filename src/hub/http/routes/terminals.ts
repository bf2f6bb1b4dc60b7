import { z } from 'zod';
import type { RouteModule } from '../app';
import type { Principal } from '../../auth';
import { storeRoom } from '../../socket';
import { storeScope, userOf } from '../auth';
import { errorBodySchema } from '../errors';
import { toIso } from '../schemas';
import { statusReportRequestSchema } from '../../../core/protocol';
import { keyset, listFilters, pageQuery, pageReply, SqlParams, storeFilter } from '../paging';

// Registers as HQ and store IT see them: online now (a live socket on any hub: the Redis
// adapter answers fetchSockets across hubs), last contact, app version, the hub's mark of
// its journal, and how far its downlink is behind the store's change log.

export const terminalRow = z.object({
  terminal_id: z.string(),
  store_id: z.string(),
  online: z.boolean().describe('a socket of this register is connected to a hub now'),
  enrolled: z.boolean().describe('a live (unrevoked) credential exists'),
  last_seen_at: z.string().nullable(),
  app_version: z.string().nullable().describe('as sent in its last hello'),
  applied_through: z.number().describe('the hub’s mark: every seq up to it is applied or rejected'),
  change_cursor: z.number().describe('last store change the register reported applied (hello, changes.pull)'),
  change_cursor_at: z.string().nullable(),
  store_change_cursor: z.number().describe('latest change of the store’s change log'),
  changes_behind: z.number(),
  reported: z
    .object({
      at: z.string().describe('when the hub received it'),
      head_seq: z.number(),
      unsynced_count: z.number(),
      oldest_unsynced_at: z.string().nullable(),
      app_version: z.string().nullable(),
      open_shift: z.object({ shift_id: z.string(), opened_at: z.string() }).nullable(),
      devices: z.array(z.object({ kind: z.string(), state: z.enum(['ok', 'warning', 'error', 'absent']), message: z.string().nullable() })),
    })
    .nullable()
    .describe('the register’s last status.report (docs/sync-protocol.md 4.4c): unsynced events, open shift, devices; null when it never sent one'),
});
export type TerminalRow = z.infer<typeof terminalRow>;

/** Terminal ids with a live socket, for the given stores (null: all). */
export async function onlineTerminals(io: import('socket.io').Server, stores: string[] | null): Promise<Set<string>> {
  const sockets = stores === null ? await io.fetchSockets() : stores.length ? await io.in(stores.map(storeRoom)).fetchSockets() : [];
  const out = new Set<string>();
  for (const s of sockets) {
    const p = s.data?.principal as Principal | undefined;
    if (p?.kind === 'register') out.add(p.terminal_id);
  }
  return out;
}

/** The stored status.report, read back through its schema (null when none or unreadable). */
function reportedOf(raw: unknown, at: unknown): TerminalRow['reported'] {
  const r = statusReportRequestSchema.safeParse(raw);
  if (!r.success || !at) return null;
  const s = r.data;
  return {
    at: toIso(at)!,
    head_seq: s.head_seq,
    unsynced_count: s.unsynced_count,
    oldest_unsynced_at: s.oldest_unsynced_at,
    app_version: s.app_version ?? null,
    open_shift: s.open_shift,
    devices: s.devices.map((d) => ({ kind: d.kind, state: d.state, message: d.message ?? null })),
  };
}

const ks = keyset('terminals', [{ sql: 't.store_id', type: 'text' }, { sql: 't.terminal_id', type: 'text' }], 'asc');

export const terminalRoutes: RouteModule = (app, deps) => {
  app.get('/api/terminals', {
    config: { auth: 'user' },
    schema: {
      tags: ['terminals'],
      summary: 'Registers (all you manage, or one store): online, last seen, app version, journal mark, downlink cursor; paged by store and terminal id',
      security: [{ bearer: [] }],
      querystring: z
        .object({ ...pageQuery(100, 500), store_id: listFilters.store_id, status: z.enum(['online', 'offline', 'all']).default('all') })
        .strict(),
      response: { 200: pageReply('terminals', terminalRow), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const qs = req.query;
      const stores = storeScope(userOf(req), qs.store_id);
      const q = new SqlParams();
      const online = await onlineTerminals(deps.io, stores);
      const where = [storeFilter(q, 't.store_id', stores), ks.after(q, qs.cursor)];
      if (qs.status !== 'all') where.push(`${qs.status === 'offline' ? 'NOT ' : ''}(t.terminal_id = ANY(${q.p([...online])}::text[]))`);
      const { rows } = await deps.db.query<Record<string, unknown>>(
        `SELECT t.terminal_id, t.store_id, t.applied_through::text AS applied_through, t.last_seen_at, t.app_version,
                t.change_cursor::text AS change_cursor, t.change_cursor_at, t.reported_status, t.reported_at, s.change_cursor::text AS store_change_cursor,
                EXISTS (SELECT 1 FROM credentials c WHERE c.terminal_id = t.terminal_id AND c.revoked_at IS NULL) AS enrolled, ${ks.select}
           FROM terminals t JOIN stores s ON s.store_id = t.store_id
          WHERE ${where.join(' AND ')} ORDER BY ${ks.orderBy} LIMIT ${q.p(qs.limit + 1)}`,
        q.values,
      );
      const page = ks.page(rows, qs.limit);
      return {
        terminals: page.rows.map((r) => ({
          terminal_id: String(r.terminal_id),
          store_id: String(r.store_id),
          online: online.has(String(r.terminal_id)),
          enrolled: Boolean(r.enrolled),
          last_seen_at: toIso(r.last_seen_at),
          app_version: (r.app_version as string | null) ?? null,
          applied_through: Number(r.applied_through),
          change_cursor: Number(r.change_cursor),
          change_cursor_at: toIso(r.change_cursor_at),
          store_change_cursor: Number(r.store_change_cursor),
          changes_behind: Math.max(0, Number(r.store_change_cursor) - Number(r.change_cursor)),
          reported: reportedOf(r.reported_status, r.reported_at),
        })),
        next_cursor: page.next_cursor,
      };
    },
  });
};
