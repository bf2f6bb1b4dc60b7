import { z } from 'zod';
import type { RouteModule } from '../app';
import { requireRole } from '../../auth';
import { trialBalance } from '../../ledger-queries';
import { userOf } from '../auth';
import { errorBodySchema } from '../errors';

const tbRow = z.object({ account: z.string(), currency: z.string(), debit: z.number(), credit: z.number() });

export const ledgerRoutes: RouteModule = (app, deps) => {
  app.get('/api/ledger/trial-balance', {
    config: { auth: 'user', roles: ['admin', 'hq'] },
    schema: {
      tags: ['ledger'],
      summary: 'Debit and credit totals per account and currency (admin, hq)',
      security: [{ bearer: [] }],
      response: {
        200: z.object({ rows: z.array(tbRow), balanced: z.boolean(), totals: z.record(z.string(), z.object({ debit: z.number(), credit: z.number() })) }),
        403: errorBodySchema,
      },
    },
    handler: async (req) => {
      requireRole(userOf(req), ['admin', 'hq']);
      return trialBalance(deps.db);
    },
  });
};
