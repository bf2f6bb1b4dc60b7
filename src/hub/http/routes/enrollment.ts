import { z } from 'zod';
import { storeIdSchema, terminalIdSchema } from '../../../core/protocol';
import type { RouteModule } from '../app';
import { createEnrollmentCode, redeemEnrollmentCode } from '../../auth';
import { allowedStore, userOf } from '../auth';
import { credRoom } from '../../socket';
import { errorBodySchema } from '../errors';
import { text } from '../schemas';

// Enrollment: HQ or store IT creates a one-time code for a store and terminal; the register
// exchanges it, once, for its own credential.

const enrollBody = z.object({ code: text(40, 4).describe('the code as shown, e.g. ABCD-EFGH-JKMN') }).strict();
const enrollReply = z.object({ token: z.string(), store_id: z.string(), terminal_id: z.string() });
const codeBody = z
  .object({ store_id: storeIdSchema, terminal_id: terminalIdSchema, ttl_minutes: z.number().int().min(1).max(60 * 24 * 30).optional() })
  .strict();
const codeReply = z.object({
  code: z.string(),
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
        const { revoked, ...enrolled } = await redeemEnrollmentCode(deps.db, req.body.code);
        // The replaced credential's live sockets go now, on every hub (the Redis adapter carries it).
        for (const id of revoked) deps.io.in(credRoom(id)).disconnectSockets(true);
        return reply.status(201).send(enrolled);
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
};
