import { z } from 'zod';
import { terminalIdSchema } from '../../../core/protocol';
import type { RouteModule } from '../app';
import { requireRole, revokeCredentials } from '../../auth';
import { credRoom } from '../../socket';
import { allowedStore, userOf } from '../auth';
import { errorBodySchema, HttpError } from '../errors';

const revokeBody = z.union([
  z.object({ terminal_id: terminalIdSchema }).strict(),
  z.object({ user_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/) }).strict(),
  z.object({ credential_id: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).strict(),
]);

export const credentialRoutes: RouteModule = (app, deps) => {
  app.post('/api/credentials/revoke', {
    bodyLimit: 4096,
    config: { auth: 'user' },
    schema: {
      tags: ['access'],
      summary: "Revoke a terminal's, a user's or one credential; live sockets are dropped on every hub",
      security: [{ bearer: [] }],
      body: revokeBody,
      response: { 201: z.object({ revoked: z.number() }), 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req, reply) => {
      const u = userOf(req);
      const body = req.body;
      if ('terminal_id' in body) {
        const { rows } = await deps.db.query<{ store_id: string }>(`SELECT store_id FROM terminals WHERE terminal_id = $1`, [body.terminal_id]);
        if (!rows[0]) throw new HttpError(404, 'NOT_FOUND', `unknown terminal ${body.terminal_id}`, 'terminal_id');
        allowedStore(u, rows[0].store_id, 'terminal_id');
      } else {
        requireRole(u, ['admin']);
      }
      const ids = await revokeCredentials(deps.db, body);
      for (const id of ids) deps.io.in(credRoom(Number(id))).disconnectSockets(true);
      return reply.status(201).send({ revoked: ids.length });
    },
  });
};
