import { z } from 'zod';
import type { RouteModule } from '../app';
import { errorBodySchema } from '../errors';
import { roleSchema } from '../../../core/access';

const principalSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), credential_id: z.number(), user_id: z.string(), role: roleSchema, store_ids: z.array(z.string()) }),
  z.object({ kind: z.literal('register'), credential_id: z.number(), terminal_id: z.string(), store_id: z.string() }),
]);

export const meRoutes: RouteModule = (app) => {
  app.get('/api/me', {
    config: { auth: 'any' },
    schema: { tags: ['access'], summary: 'Who the bearer token belongs to', security: [{ bearer: [] }], response: { 200: principalSchema, 401: errorBodySchema } },
    handler: async (req) => {
      const p = req.principal!;
      return { ...p, credential_id: Number(p.credential_id) };
    },
  });
};
