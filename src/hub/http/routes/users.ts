import { z } from 'zod';
import { storeIdSchema } from '../../../core/protocol';
import type { RouteModule } from '../app';
import { createUser, requireRole } from '../../auth';
import { userOf } from '../auth';
import { errorBodySchema } from '../errors';
import { text } from '../schemas';

const createUserBody = z
  .object({
    user_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'must be 1-64 of letters, digits, . _ @ -'),
    name: text(200),
    role: z.enum(['admin', 'hq', 'store_manager']),
    store_ids: z.array(storeIdSchema).max(1000).default([]),
  })
  .strict()
  .refine((u) => u.role !== 'store_manager' || u.store_ids.length > 0, { message: 'a store_manager needs at least one store', path: ['store_ids'] });

export const userRoutes: RouteModule = (app, deps) => {
  app.post('/api/users', {
    bodyLimit: 64 * 1024,
    config: { auth: 'user', roles: ['admin'] },
    schema: {
      tags: ['access'],
      summary: 'Create a user and their first API token (admin); the token is shown once',
      security: [{ bearer: [] }],
      body: createUserBody,
      response: { 201: z.object({ user_id: z.string(), token: z.string(), credential_id: z.number() }), 400: errorBodySchema, 403: errorBodySchema, 409: errorBodySchema },
    },
    handler: async (req, reply) => {
      requireRole(userOf(req), ['admin']);
      const r = await createUser(deps.db, req.body);
      return reply.status(201).send({ ...r, credential_id: Number(r.credential_id) });
    },
  });
};
