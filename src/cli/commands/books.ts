import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { parseStatementBytes, STATEMENT_FORMATS, StatementParseError, type StatementFormat } from '../../hub/books/statements';
import { userInfo } from 'node:os';
import { hubCharts, openHubDb, withDbOptions, type DbOpts } from './ledger';
import { BooksInputError } from '../../hub/books/errors';
import { postingUniverse } from '../../hub/books/posting-map';
import { mapCoverage } from '../../core/ledger/map-coverage';
import { importSettlement, importStatement, listItems, reconciliationReport, resolveItem, runReconciliation } from '../../hub/books/reconcile';
import { registerCorrectionCommands, registerExportCommands, registerHistoryCommands } from './books-export';
import { parseSettlementBytes, SETTLEMENT_FORMATS, SettlementParseError, type SettlementFormat } from '../../hub/books/settlement';

// `tillstream books …`: the finance team's tools (docs/books.md). `statement parse` reads a
// bank statement file and prints one JSON object; a file that does not parse prints one line
// on stderr naming the line or element, and exits 1.

function readProfile(arg: string): unknown {
  // --profile takes inline JSON or a path to a JSON file.
  const text = arg.trim().startsWith('{') ? arg : readFileSync(arg, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new StatementParseError('csv', 'profile', `not JSON: ${(e as Error).message}`);
  }
}

export function register(program: Command): void {
  const books = program.command('books').description('Books: bank statements, reconciliation, export batches, corrections, historical import');
  const statement = books.command('statement').description('Bank statements (camt.053, MT940, OFX, CSV)');
  statement
    .command('parse <file>')
    .description('Parse a bank statement file and print it as one JSON object')
    .option('--format <format>', `${STATEMENT_FORMATS.join(' | ')} (default: detected from the content)`)
    .option('--profile <json>', 'CSV column profile: inline JSON or a JSON file')
    .action((file: string, o: { format?: string; profile?: string }) => {
      try {
        if (o.format !== undefined && !STATEMENT_FORMATS.includes(o.format as StatementFormat)) {
          throw new StatementParseError('unknown', '--format', `must be one of ${STATEMENT_FORMATS.join(', ')}, got "${o.format}"`);
        }
        const bytes = readFileSync(file);
        const parsed = parseStatementBytes(bytes, { format: o.format as StatementFormat | undefined, profile: o.profile === undefined ? undefined : readProfile(o.profile) });
        process.stdout.write(`${JSON.stringify(parsed)}\n`);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        process.stderr.write(`${message.replace(/\s*\n\s*/g, ' ')}\n`);
        process.exitCode = 1;
      }
    });

  const settlement = books.command('settlement').description('Card processor settlement reports (generic CSV, Stripe, Adyen)');
  settlement
    .command('parse <file>')
    .description('Parse a settlement report and print its lines and payouts as one JSON object')
    .option('--format <format>', `${SETTLEMENT_FORMATS.join(' | ')} (default: detected from the header)`)
    .option('--processor <key>', 'processor key of a generic file, as the chart names it (e.g. worldpay)')
    .action((file: string, o: { format?: string; processor?: string }) => {
      try {
        if (o.format !== undefined && !SETTLEMENT_FORMATS.includes(o.format as SettlementFormat)) {
          throw new SettlementParseError('unknown', '--format', `must be one of ${SETTLEMENT_FORMATS.join(', ')}, got "${o.format}"`);
        }
        const report = parseSettlementBytes(readFileSync(file), { format: o.format as SettlementFormat | undefined, processor: o.processor });
        process.stdout.write(`${JSON.stringify(report)}\n`);
      } catch (e) {
        process.stderr.write(`${(e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ')}\n`);
        process.exitCode = 1;
      }
    });

  registerHubCommands(books);
  registerMapCommands(books);
  registerExportCommands(books, who);
  registerCorrectionCommands(books, who);
  registerHistoryCommands(books, who);
}

function who(o: { by?: string }): string {
  return o.by ?? process.env.TILLSTREAM_USER ?? userInfo().username;
}

function dateOpt(name: string, v: string | undefined): string | undefined {
  if (v !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new Error(`${name}: must be YYYY-MM-DD, got ${v}`);
  return v;
}

async function withDb<T>(o: DbOpts, fn: (db: Awaited<ReturnType<typeof openHubDb>>) => Promise<T>): Promise<T> {
  const db = await openHubDb(o);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

function printOneLine(e: unknown): void {
  const code = e instanceof BooksInputError ? `${e.code}: ` : '';
  process.stderr.write(`${code}${(e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ')}\n`);
  process.exitCode = 1;
}

/** Commands that read and write the hub's database (a stopped hub's PGlite folder, or Postgres). */
function registerHubCommands(books: Command): void {
  const imp = books.command('import').description('Import bank statements and settlement reports into the hub (the same file twice is recognised)');
  withDbOptions(imp.command('statement <file>').description('Import a bank statement; nothing is stored from a file that does not parse whole'))
    .option('--format <format>', STATEMENT_FORMATS.join(' | '))
    .option('--profile <json>', 'CSV column profile: inline JSON or a JSON file')
    .option('--by <user>', 'who imports (default: TILLSTREAM_USER or the login name)')
    .action(async (file: string, o: DbOpts & { format?: string; profile?: string; by?: string }) => {
      try {
        const bytes = readFileSync(file);
        const r = await withDb(o, (db) =>
          importStatement(db, { bytes, file_name: file, by: who(o), format: o.format as StatementFormat | undefined, profile: o.profile === undefined ? undefined : readProfile(o.profile) }),
        );
        process.stdout.write(`${JSON.stringify({ import_id: r.import_id, already_imported: r.already_imported, lines: r.lines, statements: r.parsed.statements.map((s) => ({ account: s.account, balance_check: s.balance_check, entries: s.entries.length })) })}\n`);
      } catch (e) {
        printOneLine(e);
      }
    });
  withDbOptions(imp.command('settlement <file>').description('Import a processor settlement report and post its payouts and fees'))
    .option('--format <format>', SETTLEMENT_FORMATS.join(' | '))
    .option('--processor <key>', 'processor key of a generic file')
    .option('--by <user>', 'who imports (default: TILLSTREAM_USER or the login name)')
    .action(async (file: string, o: DbOpts & { format?: string; processor?: string; by?: string }) => {
      try {
        const bytes = readFileSync(file);
        const charts = hubCharts(o);
        const r = await withDb(o, (db) => importSettlement(db, charts, { bytes, file_name: file, by: who(o), format: o.format as SettlementFormat | undefined, processor: o.processor }));
        process.stdout.write(`${JSON.stringify({ import_id: r.import_id, already_imported: r.already_imported, lines: r.lines, payouts: r.report.payouts, posted_entries: r.posted_entries })}\n`);
      } catch (e) {
        printOneLine(e);
      }
    });

  const recon = books.command('recon').description('Reconciliation: match, list open items, resolve, report');
  withDbOptions(recon.command('run').description('Match settlements to card sales, payouts and cash drops to bank lines; store the items'))
    .option('--from <date>', 'first date YYYY-MM-DD')
    .option('--to <date>', 'last date YYYY-MM-DD')
    .action(async (o: DbOpts & { from?: string; to?: string }) => {
      const items = await withDb(o, (db) => runReconciliation(db, { from: dateOpt('--from', o.from), to: dateOpt('--to', o.to) }));
      const open = items.filter((i) => i.status === 'open');
      process.stdout.write(`${JSON.stringify({ items: items.length, matched: items.length - open.length, open: open.length })}\n`);
    });
  withDbOptions(recon.command('items').description('List reconciliation items with their reason and resolution'))
    .option('--open', 'only open, unresolved items')
    .option('--from <date>', 'first date YYYY-MM-DD')
    .option('--to <date>', 'last date YYYY-MM-DD')
    .action(async (o: DbOpts & { open?: boolean; from?: string; to?: string }) => {
      const items = await withDb(o, (db) => listItems(db, { open_only: o.open ?? false, from: dateOpt('--from', o.from), to: dateOpt('--to', o.to) }));
      for (const i of items) process.stdout.write(`${JSON.stringify(i)}\n`);
    });
  withDbOptions(recon.command('resolve <item_key>').description('Record who resolved an item, when and why (the item is kept)'))
    .requiredOption('--note <text>', 'why (1-1000 characters)')
    .option('--by <user>', 'who resolves (default: TILLSTREAM_USER or the login name)')
    .action(async (key: string, o: DbOpts & { note: string; by?: string }) => {
      const r = await withDb(o, (db) => resolveItem(db, { item_key: key, by: who(o), note: o.note }));
      process.stdout.write(`${JSON.stringify(r)}\n`);
    });
  withDbOptions(recon.command('report').description('Expected, received, difference and open items per day and store'))
    .option('--from <date>', 'first date YYYY-MM-DD')
    .option('--to <date>', 'last date YYYY-MM-DD')
    .action(async (o: DbOpts & { from?: string; to?: string }) => {
      const rows = await withDb(o, (db) => reconciliationReport(db, { from: dateOpt('--from', o.from), to: dateOpt('--to', o.to) }));
      for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
    });
}

/** The chart of accounts and posting map: versions in the hub's database (docs/books.md). */
function registerMapCommands(books: Command): void {
  const map = books.command('map').description('The chart of accounts and posting map, versioned in the hub (show, set a new version)');
  withDbOptions(map.command('show').description('Print the current version (or --version N) as one JSON object, or list versions'))
    .option('--version <n>', 'a given version instead of the current one')
    .option('--versions', 'list the versions, newest first, one JSON line each')
    .action(async (o: DbOpts & { version?: string; versions?: boolean }) => {
      try {
        if (o.version !== undefined && !/^[1-9]\d{0,8}$/.test(o.version)) throw new Error(`--version: must be a version number, got ${o.version}`);
        const charts = hubCharts(o);
        await withDb(o, async (db) => {
          if (o.versions) {
            for (const v of await charts.list(db, { limit: 1000 })) process.stdout.write(`${JSON.stringify(v)}\n`);
            return;
          }
          const v = await charts.get(db, o.version !== undefined ? Number(o.version) : (await charts.current(db)).version);
          const coverage = mapCoverage(v.chart, await postingUniverse(db, v.chart));
          process.stdout.write(`${JSON.stringify({ version: v.version, note: v.note, created_by: v.created_by, created_at: v.created_at, chart: v.chart.config, ...coverage })}\n`);
        });
      } catch (e) {
        printOneLine(e);
      }
    });
  withDbOptions(map.command('set <file>').description('Save a JSON chart as a new version; refused naming what has no account'))
    .option('--note <text>', 'why (kept with the version)')
    .option('--by <user>', 'who saves (default: TILLSTREAM_USER or the login name)')
    .action(async (file: string, o: DbOpts & { note?: string; by?: string }) => {
      try {
        let input: unknown;
        try {
          input = JSON.parse(readFileSync(file, 'utf8')) as unknown;
        } catch (e) {
          throw new BooksInputError('BAD_MAP', `${file}: not JSON: ${(e as Error).message}`);
        }
        const charts = hubCharts(o);
        const r = await withDb(o, (db) => charts.save(db, input, { by: who(o), ...(o.note !== undefined ? { note: o.note } : {}) }));
        process.stdout.write(`${JSON.stringify({ version: r.version, unchanged: r.unchanged, to_suspense: r.coverage.to_suspense })}\n`);
      } catch (e) {
        printOneLine(e);
      }
    });
}
