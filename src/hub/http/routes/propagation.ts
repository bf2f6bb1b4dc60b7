import { z } from 'zod';
import { storeIdSchema } from '../../../core/protocol';
import type { RouteModule } from '../app';
import { allowedStore, userOf } from '../auth';
import { errorBodySchema } from '../errors';
import { toIso } from '../schemas';
import { onlineTerminals } from './terminals';

// Where a change has arrived: for a store's change cursor (as a price, promotion, catalog or
// tax change answered it), every register of the store and whether it reported having
// applied that cursor (hello, changes.pull, changes.applied). Live updates come on HQ
// sockets as 'terminal.applied'.

const MAX_CHANGES = 200;
const changeRef = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}:\d{1,15}$/, 'must be <store_id>:<cursor>')
  .transform((s) => {
    const i = s.lastIndexOf(':');
    return { store_id: s.slice(0, i), cursor: Number(s.slice(i + 1)) };
  })
  .pipe(z.object({ store_id: storeIdSchema, cursor: z.number().int().min(1) }));

const propagationRow = z.object({
  store_id: z.string(),
  cursor: z.number(),
  kind: z.string().nullable().describe('null: the store has no change at this cursor yet'),
  created_at: z.string().nullable(),
  applied_count: z.number(),
  terminal_count: z.number(),
  terminals: z.array(
    z.object({ terminal_id: z.string(), online: z.boolean(), applied: z.boolean(), change_cursor: z.number(), change_cursor_at: z.string().nullable(), last_seen_at: z.string().nullable() }),
  ),
});

export const propagationRoutes: RouteModule = (app, deps) => {
  app.get('/api/propagation', {
    config: { auth: 'user' },
    schema: {
      tags: ['changes'],
      summary: 'Which registers have applied given store changes (store:cursor pairs from a change reply), with their reported downlink cursors',
      security: [{ bearer: [] }],
      querystring: z
        .object({
          changes: z
            .string()
            .max(20_000)
            .transform((s) => s.split(','))
            .pipe(z.array(changeRef).min(1).max(MAX_CHANGES))
            .describe(`comma-separated <store_id>:<cursor>, at most ${MAX_CHANGES}`),
        })
        .strict(),
      response: { 200: z.object({ changes: z.array(propagationRow) }), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const u = userOf(req);
      const refs = req.query.changes;
      for (const r of refs) allowedStore(u, r.store_id, 'changes');
      const stores = [...new Set(refs.map((r) => r.store_id))];
      const online = await onlineTerminals(deps.io, stores);
      const [terms, logs] = await Promise.all([
        deps.db.query<{ store_id: string; terminal_id: string; change_cursor: string; change_cursor_at: Date | null; last_seen_at: Date | null }>(
          `SELECT store_id, terminal_id, change_cursor::text AS change_cursor, change_cursor_at, last_seen_at FROM terminals
            WHERE store_id = ANY($1::text[]) AND EXISTS (SELECT 1 FROM credentials c WHERE c.terminal_id = terminals.terminal_id AND c.revoked_at IS NULL)
            ORDER BY store_id, terminal_id`,
          [stores],
        ),
        deps.db.query<{ store_id: string; cursor: string; kind: string; created_at: Date }>(
          `SELECT c.store_id, c.cursor::text AS cursor, c.kind, c.created_at FROM change_log c
             JOIN jsonb_to_recordset($1::jsonb) AS x(store_id text, cursor bigint) ON x.store_id = c.store_id AND x.cursor = c.cursor`,
          [JSON.stringify(refs)],
        ),
      ]);
      return {
        changes: refs.map((r) => {
          const log = logs.rows.find((l) => l.store_id === r.store_id && Number(l.cursor) === r.cursor);
          const terminals = terms.rows
            .filter((t) => t.store_id === r.store_id)
            .map((t) => ({
              terminal_id: t.terminal_id,
              online: online.has(t.terminal_id),
              applied: Number(t.change_cursor) >= r.cursor,
              change_cursor: Number(t.change_cursor),
              change_cursor_at: toIso(t.change_cursor_at),
              last_seen_at: toIso(t.last_seen_at),
            }));
          return {
            store_id: r.store_id,
            cursor: r.cursor,
            kind: log?.kind ?? null,
            created_at: toIso(log?.created_at ?? null),
            applied_count: terminals.filter((t) => t.applied).length,
            terminal_count: terminals.length,
            terminals,
          };
        }),
      };
    },
  });
};
