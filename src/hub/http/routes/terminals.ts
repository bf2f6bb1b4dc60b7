import { z } from 'zod';
import type { RouteModule } from '../app';
import { allowedStore, userOf } from '../auth';
import { errorBodySchema } from '../errors';
import { storeIdQuery, toIso } from '../schemas';

const terminalRow = z.object({ terminal_id: z.string(), applied_through: z.number(), last_seen_at: z.string().nullable(), enrolled: z.boolean() });

export const terminalRoutes: RouteModule = (app, deps) => {
  app.get('/api/terminals', {
    config: { auth: 'user' },
    schema: {
      tags: ['terminals'],
      summary: "A store's terminals: applied journal position, last contact, whether a live credential exists",
      security: [{ bearer: [] }],
      querystring: z.object({ store_id: storeIdQuery }).strict(),
      response: { 200: z.object({ terminals: z.array(terminalRow) }), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const s = allowedStore(userOf(req), req.query.store_id);
      const { rows } = await deps.db.query<{ terminal_id: string; applied_through: number; last_seen_at: Date | null; enrolled: boolean }>(
        `SELECT t.terminal_id, t.applied_through, t.last_seen_at,
                EXISTS (SELECT 1 FROM credentials c WHERE c.terminal_id = t.terminal_id AND c.revoked_at IS NULL) AS enrolled
           FROM terminals t WHERE t.store_id = $1 ORDER BY t.terminal_id`,
        [s],
      );
      return { terminals: rows.map((r) => ({ ...r, applied_through: Number(r.applied_through), last_seen_at: toIso(r.last_seen_at) })) };
    },
  });
};
