import { z } from 'zod';
import type { RouteModule } from '../app';
import { errorBodySchema } from '../errors';

// Liveness and readiness: no authentication.

const healthSchema = z.object({ ok: z.boolean(), closing: z.boolean(), db: z.enum(['pg', 'pglite']) });
const readySchema = z.object({
  ready: z.boolean(),
  db: z.object({ kind: z.enum(['pg', 'pglite']), reachable: z.boolean(), latency_ms: z.number().nullable(), error: z.string().optional() }),
  closing: z.boolean(),
});

export const systemRoutes: RouteModule = (app, deps) => {
  app.get('/health', {
    config: { rateLimit: false },
    schema: { tags: ['system'], summary: 'Liveness: the process answers and the database answers a query', response: { 200: healthSchema, 503: errorBodySchema } },
    handler: async () => {
      await deps.db.query('SELECT 1');
      return { ok: true, closing: deps.isClosing(), db: deps.db.kind };
    },
  });

  app.get('/ready', {
    config: { rateLimit: false },
    schema: {
      tags: ['system'],
      summary: 'Readiness for a load balancer or systemd: 200 when the database is reachable and the hub is not shutting down, else 503',
      response: { 200: readySchema, 503: readySchema },
    },
    handler: async (_req, reply) => {
      const t0 = performance.now();
      let reachable = true;
      let error: string | undefined;
      try {
        await Promise.race([deps.db.query('SELECT 1'), new Promise((_, rej) => setTimeout(() => rej(new Error('database did not answer within 2 s')), 2000).unref())]);
      } catch (err) {
        reachable = false;
        error = (err as Error).message.slice(0, 200);
      }
      const ready = reachable && !deps.isClosing();
      reply.status(ready ? 200 : 503);
      return {
        ready,
        closing: deps.isClosing(),
        db: { kind: deps.db.kind, reachable, latency_ms: reachable ? Math.round((performance.now() - t0) * 10) / 10 : null, ...(error ? { error } : {}) },
      };
    },
  });

  app.get('/', {
    schema: { tags: ['system'], summary: 'Redirects to the HQ console', response: { 302: z.null().describe('Location: /hq/') } },
    handler: async (_req, reply) => reply.redirect('/hq/', 302),
  });
};
