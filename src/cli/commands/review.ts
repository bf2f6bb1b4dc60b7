import type { Command } from 'commander';
import { hubCharts, openHubDb, withDbOptions, type DbOpts } from './ledger';
import { clearReviewItem, REVIEW_COLUMNS, REVIEW_RULES, ReviewError, reviewRulesSchema, toReviewItem } from '../../hub/integrity/review';
import { readStoreIntegrity, writeStoreIntegrity } from '../../hub/integrity/store-settings';

// `tillstream review …`: the review queue (issue 15, docs/books.md "Review queue") read and
// cleared on the hub's database (a Postgres the hub uses, or the PGlite folder of a stopped
// hub). HQ's console does the same through GET /api/review and POST /api/review/:id/clear.

export function register(program: Command): void {
  const review = program.command('review').description('The review queue: flagged events whose revenue waits in suspense (list, clear)');

  withDbOptions(review.command('list').description('Review items, newest first, one JSON object a line'))
    .option('--store <id>', 'only this store')
    .option('--rule <rule>', REVIEW_RULES.join(' | '))
    .option('--status <status>', 'open | cleared | all', 'open')
    .option('--limit <n>', 'at most this many (default 1000)', '1000')
    .action(async (o: DbOpts & { store?: string; rule?: string; status: string; limit: string }) => {
      if (!['open', 'cleared', 'all'].includes(o.status)) throw new Error(`--status: open, cleared or all, got ${o.status}`);
      if (o.rule !== undefined && !(REVIEW_RULES as readonly string[]).includes(o.rule)) throw new Error(`--rule: ${REVIEW_RULES.join(' or ')}, got ${o.rule}`);
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new Error(`--limit: 1..100000, got ${o.limit}`);
      const db = await openHubDb(o);
      try {
        const { rows } = await db.query<Record<string, unknown>>(
          `SELECT ${REVIEW_COLUMNS} FROM review_items r
            WHERE ($1::text IS NULL OR r.store_id = $1) AND ($2::text IS NULL OR r.rule = $2) AND ($3 = 'all' OR r.status = $3)
            ORDER BY r.item_id DESC LIMIT $4`,
          [o.store ?? null, o.rule ?? null, o.status, limit],
        );
        for (const r of rows) process.stdout.write(`${JSON.stringify(toReviewItem(r))}\n`);
      } finally {
        await db.close();
      }
    });

  withDbOptions(review.command('clear <item_id>').description('Clear an item: records who, when and why and moves its amount from suspense to revenue (a release entry linked to the original)'))
    .requiredOption('--reason <text>', 'why it is in order (3 to 500 characters)')
    .requiredOption('--by <who>', 'who clears it (recorded)')
    .action(async (id: string, o: DbOpts & { reason: string; by: string }) => {
      if (!/^\d{1,15}$/.test(id) || Number(id) < 1) throw new Error(`item_id: a positive integer, got ${id}`);
      const db = await openHubDb(o);
      try {
        process.stdout.write(`${JSON.stringify(await clearReviewItem(db, hubCharts(o), Number(id), { by: o.by, reason: o.reason }))}\n`);
      } catch (e) {
        if (!(e instanceof ReviewError)) throw e;
        process.stderr.write(`${e.code}: ${e.message}\n`);
        process.exitCode = 1;
      } finally {
        await db.close();
      }
    });

  withDbOptions(review.command('rules <store_id>').description("A store's review rules as JSON; with --set, replace them first"))
    .option('--set <json>', 'the rules, e.g. \'{"duplicate_sale":{"window_seconds":30},"card_post_voided":{},"card_unresolved":{"min_amount":0},"refunds_per_shift":{"max":5},"no_sales_per_shift":{"max":5},"price_override":{"max_percent":20}}\' (a rule runs when its key is there; {} turns every rule off)')
    .action(async (storeId: string, o: DbOpts & { set?: string }) => {
      const db = await openHubDb(o);
      try {
        if (o.set !== undefined) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(o.set);
          } catch {
            throw new Error('--set: not JSON');
          }
          const rules = reviewRulesSchema.safeParse(parsed);
          if (!rules.success) throw new Error(`--set: ${rules.error.issues.map((i) => `${i.path.join('.') || '(rules)'}: ${i.message}`).join('; ')}`);
          if (!(await writeStoreIntegrity(db, storeId, { review_rules: rules.data }))) throw new Error(`no store ${storeId}`);
        }
        const r = await readStoreIntegrity(db, storeId);
        if (!r) throw new Error(`no store ${storeId}`);
        process.stdout.write(`${JSON.stringify(r.review_rules)}\n`);
      } finally {
        await db.close();
      }
    });
}
