import { z } from 'zod';
import { journalEventSchema, terminalIdSchema } from '../../../core/protocol';
import type { RouteModule } from '../app';
import { canManageStore } from '../../auth';
import { credRoom, publishAlerts, publishChanges } from '../../socket';
import { userOf } from '../auth';
import { errorBodySchema, HttpError } from '../errors';
import { handoverPage, HANDOVER_PAGE, markReplaced } from '../../lifecycle/replacement';
import { journalExportSchema, salvageImport } from '../../lifecycle/salvage';

// Replacing a broken register: mark it replaced (credentials revoked, sockets dropped, a
// replacement code issued), the new device's handover, and HQ's salvage import of what the
// old device never delivered (src/hub/lifecycle).

const head = z.object({ seq: z.number(), hash: z.string() });
const replaceReply = z.object({
  terminal_id: z.string(),
  store_id: z.string(),
  code: z.string(),
  expires_at: z.string(),
  pin: z.string().nullable(),
  revoked: z.number().describe('credentials revoked (their sockets were dropped)'),
  chain_head: z.object({ seq: z.number(), hash: z.string().nullable() }).describe('where the replacement device continues the chain'),
});
const handoverReply = z.object({
  terminal_id: z.string(),
  store_id: z.string(),
  head,
  base: head,
  events: z.array(journalEventSchema),
  next_after_seq: z.number().nullable(),
});
const outcome = z.enum(['applied', 'conflict', 'rejected', 'already_imported']);
const salvageReply = z.object({
  terminal_id: z.string(),
  salvage_terminal: z.string(),
  counts: z.record(outcome, z.number()),
  results: z.array(z.object({ seq: z.number(), event_id: z.string(), type: z.string(), outcome, reason: z.string().nullable(), salvage_seq: z.number().nullable() })),
});

export const replacementRoutes: RouteModule = (app, deps) => {
  app.post('/api/terminals/:terminal_id/replace', {
    bodyLimit: 4096,
    config: { auth: 'user' },
    schema: {
      tags: ['terminals'],
      summary: "Mark a register replaced: revoke its credentials at once (sockets dropped) and issue a replacement code for the new device",
      security: [{ bearer: [] }],
      params: z.object({ terminal_id: terminalIdSchema }).strict(),
      body: z.object({ ttl_minutes: z.number().int().min(1).max(60 * 24 * 30).optional() }).strict(),
      response: { 201: replaceReply, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req, reply) => {
      const u = userOf(req);
      const r = await markReplaced(deps.db, { terminal_id: req.params.terminal_id, by: u.user_id, ttl_minutes: req.body.ttl_minutes, canManage: (s) => canManageStore(u, s) });
      for (const id of r.revoked) deps.io.in(credRoom(id)).disconnectSockets(true);
      deps.log.warn({ terminal: r.terminal_id, by: u.user_id, revoked: r.revoked.length }, 'terminal marked replaced');
      return reply.status(201).send({ terminal_id: r.terminal_id, store_id: r.store_id, code: r.code, expires_at: r.expires_at, pin: deps.tlsPin?.() ?? null, revoked: r.revoked.length, chain_head: r.chain_head });
    },
  });

  app.get('/api/register/handover', {
    config: { auth: 'any' },
    schema: {
      tags: ['terminals'],
      summary: "A register's own chain from the base of its handover (before its open shift and recent receipts) to the hub's head, a page at a time: what a replacement device takes over",
      security: [{ bearer: [] }],
      querystring: z.object({ after_seq: z.coerce.number().int().min(0).optional(), limit: z.coerce.number().int().min(1).max(HANDOVER_PAGE).optional() }).strict(),
      response: { 200: handoverReply, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req) => {
      const p = req.principal;
      if (!p || p.kind !== 'register') throw new HttpError(403, 'FORBIDDEN', 'only a register reads its handover, with its own credential');
      return handoverPage(deps.db, p.terminal_id, p.store_id, req.query.after_seq ?? null, req.query.limit);
    },
  });

  app.post('/api/salvage', {
    config: { auth: 'user' },
    schema: {
      tags: ['terminals'],
      summary: "Import a retired register's unsynced events (tillstream journal export): applied once where they do not conflict with the replacement, the rest reported",
      security: [{ bearer: [] }],
      body: journalExportSchema,
      response: { 201: salvageReply, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema },
    },
    handler: async (req, reply) => {
      const u = userOf(req);
      if (!deps.processor) throw new HttpError(503, 'UNAVAILABLE', 'this hub has no event processor');
      const r = await deps.track(salvageImport(deps.db, { file: req.body, by: u.user_id, canManage: (s) => canManageStore(u, s), processor: deps.processor, log: deps.log }));
      publishChanges(deps.io, r.changes);
      publishAlerts(deps.io, r.alerts);
      deps.log.warn({ terminal: r.terminal_id, by: u.user_id, counts: r.counts }, 'salvage imported');
      return reply.status(201).send({ terminal_id: r.terminal_id, salvage_terminal: r.salvage_terminal, counts: r.counts, results: r.results });
    },
  });
};
