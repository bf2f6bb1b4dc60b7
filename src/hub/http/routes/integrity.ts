import { z } from 'zod';
import { terminalIdSchema } from '../../../core/protocol';
import type { RouteModule } from '../app';
import { allowedStore, userOf } from '../auth';
import { errorBodySchema, HttpError } from '../errors';
import { checkRange, keyset, listFilters, pageQuery, pageReply, SqlParams } from '../paging';
import { SYNC_AUDIT_COLUMNS, SYNC_AUDIT_KINDS, toSyncAuditRow } from '../../integrity/audit-log';

// Integrity watch (issue 15) over HTTP: a register's sync audit log for HQ and store IT.

export const syncAuditRow = z.object({
  audit_id: z.number().describe('increases in the order the hub recorded the rows'),
  terminal_id: z.string(),
  store_id: z.string(),
  at: z.string().describe('when the hub recorded it (hub clock)'),
  kind: z.enum(SYNC_AUDIT_KINDS).describe('connect, hello, push (seqs, bytes, duration), ack (applied_through), rejection (seq, code, reason), disconnect (reason), error (code, message)'),
  sid: z.string().nullable().describe('the socket session'),
  first_seq: z.number().nullable(),
  last_seq: z.number().nullable(),
  events: z.number().nullable().describe('push: events in the batch; ack: events rejected'),
  bytes: z.number().nullable().describe('push: the message size'),
  duration_ms: z.number().nullable().describe('push: from receipt to the ack'),
  applied_through: z.number().nullable().describe('hello and ack: the hub’s mark'),
  code: z.string().nullable().describe('rejection or error code'),
  detail: z.string().nullable(),
});

const ks = keyset('sync-audit', [{ sql: 'sync_audit.audit_id', type: 'bigint' }], 'asc');

export const integrityRoutes: RouteModule = (app, deps) => {
  app.get('/api/terminals/:terminal_id/sync-audit', {
    config: { auth: 'user' },
    schema: {
      tags: ['integrity'],
      summary: "A register's sync audit log (connect, hello, push, ack, rejection, disconnect, error) in the order the hub recorded it, oldest first; paged, by time",
      security: [{ bearer: [] }],
      params: z.object({ terminal_id: terminalIdSchema }),
      querystring: z.object({ ...pageQuery(200, 1000), from: listFilters.from, to: listFilters.to }).strict(),
      response: { 200: pageReply('rows', syncAuditRow), 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req) => {
      const u = userOf(req);
      const { terminal_id } = req.params;
      const qs = req.query;
      checkRange(qs.from, qs.to);
      const t = await deps.db.query<{ store_id: string }>(`SELECT store_id FROM terminals WHERE terminal_id = $1`, [terminal_id]);
      if (!t.rows[0]) throw new HttpError(404, 'NOT_FOUND', `no terminal ${terminal_id}`, 'terminal_id');
      allowedStore(u, t.rows[0].store_id, 'terminal_id');
      await deps.audit?.flush();
      const q = new SqlParams();
      const where = [`terminal_id = ${q.p(terminal_id)}`, ks.after(q, qs.cursor)];
      if (qs.from) where.push(`at >= ${q.p(qs.from)}::timestamptz`);
      if (qs.to) where.push(`at < ${q.p(qs.to)}::timestamptz`);
      const { rows } = await deps.db.query<Record<string, unknown>>(
        `SELECT ${SYNC_AUDIT_COLUMNS}, ${ks.select} FROM sync_audit WHERE ${where.join(' AND ')} ORDER BY ${ks.orderBy} LIMIT ${q.p(qs.limit + 1)}`,
        q.values,
      );
      const page = ks.page(rows, qs.limit);
      return { rows: page.rows.map(toSyncAuditRow), next_cursor: page.next_cursor };
    },
  });
};
