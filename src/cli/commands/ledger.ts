import type { Command } from 'commander';
import { loadHubConfig, ConfigError } from '../../hub/config';
import { openDb } from '../../hub/db/db';
import { migrate } from '../../hub/db/migrate';
import { writeFileSync } from 'node:fs';
import { PostingMaps } from '../../hub/books/posting-map';
import { channelOfTerminals, loadEntries, trialBalance } from '../../hub/ledger-queries';
import { defaultChart, loadChart, toBeancount, toHledgerJournal, toQuickBooksCsv, toXeroCsv, type Chart } from '../../core/ledger';

// `tillstream ledger trial-balance`: debit and credit totals per account from the hub's
// database; exits 1 when any currency does not balance. `ledger export` writes the entries
// in a format accounting tools read.

export interface DbOpts {
  config?: string;
  databaseUrl?: string;
  dataDir?: string;
}

export function hubChart(o: DbOpts): Chart {
  const cfg = loadHubConfig({ file: o.config, overrides: { databaseUrl: o.databaseUrl, dataDir: o.dataDir } });
  return typeof cfg.chart === 'string' ? defaultChart(cfg.chart) : loadChart(cfg.chart);
}

/** The hub's versioned posting map (its configured chart is version 1 on a database that has none). */
export function hubCharts(o: DbOpts): PostingMaps {
  return new PostingMaps(hubChart(o));
}

export async function openHubDb(o: DbOpts) {
  const cfg = loadHubConfig({ file: o.config, overrides: { databaseUrl: o.databaseUrl, dataDir: o.dataDir } });
  if (!cfg.databaseUrl && !cfg.dataDir) throw new ConfigError('no database: pass --database-url or --data-dir (or set DATABASE_URL / TILLSTREAM_DATA_DIR)');
  const db = await openDb({ databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir, schema: cfg.schema });
  await migrate(db);
  return db;
}

export function withDbOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'hub JSON config file')
    .option('--database-url <url>', 'Postgres URL (default: env DATABASE_URL)')
    .option('--data-dir <dir>', 'PGlite data folder of a stopped hub (default: env TILLSTREAM_DATA_DIR)');
}

export function register(program: Command): void {
  const ledger = program.command('ledger').description("The hub's general ledger");
  withDbOptions(ledger.command('trial-balance').description('Debit and credit totals per account; exit 1 if they do not balance'))
    .option('--json', 'print JSON')
    .action(async (o: DbOpts & { json?: boolean }) => {
      const db = await openHubDb(o);
      try {
        const tb = await trialBalance(db);
        if (o.json) process.stdout.write(`${JSON.stringify(tb)}\n`);
        else {
          const w = Math.max(7, ...tb.rows.map((r) => r.account.length));
          process.stdout.write(`${'account'.padEnd(w)}  cur  ${'debit'.padStart(15)}  ${'credit'.padStart(15)}\n`);
          for (const r of tb.rows) process.stdout.write(`${r.account.padEnd(w)}  ${r.currency}  ${String(r.debit).padStart(15)}  ${String(r.credit).padStart(15)}\n`);
          for (const [cur, t] of Object.entries(tb.totals)) {
            process.stdout.write(`${'TOTAL'.padEnd(w)}  ${cur}  ${String(t.debit).padStart(15)}  ${String(t.credit).padStart(15)}  ${t.debit === t.credit ? 'balanced' : 'NOT BALANCED'}\n`);
          }
          if (tb.rows.length === 0) process.stdout.write('(no ledger lines)\n');
        }
        if (!tb.balanced) {
          process.stderr.write('ledger trial-balance: debits and credits do not balance\n');
          process.exitCode = 1;
        }
      } finally {
        await db.close();
      }
    });

  withDbOptions(ledger.command('export').description('Export ledger entries for accounting software (uses the hub chart: config "chart")'))
    .requiredOption('--format <format>', 'hledger | beancount | quickbooks-csv | xero-csv')
    .option('--from <date>', 'first accounting date YYYY-MM-DD')
    .option('--to <date>', 'last accounting date YYYY-MM-DD')
    .option('--currency <code>', 'xero-csv: the one currency to export')
    .option('--out <file>', 'write to a file (xero-csv: file-1.csv, file-2.csv… when split)')
    .action(async (o: DbOpts & { format: string; from?: string; to?: string; currency?: string; out?: string }) => {
      const formats = ['hledger', 'beancount', 'quickbooks-csv', 'xero-csv'];
      if (!formats.includes(o.format)) throw new Error(`--format: must be one of ${formats.join(', ')}, got ${o.format}`);
      for (const [k, v] of [['--from', o.from], ['--to', o.to]] as const) {
        if (v !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new Error(`${k}: must be YYYY-MM-DD, got ${v}`);
      }
      const db = await openHubDb(o);
      let files: string[];
      try {
        const { chart } = await hubCharts(o).current(db);
        const entries = await loadEntries(db, { from: o.from, to: o.to });
        if (o.format === 'hledger') files = [toHledgerJournal(entries, chart, { title: 'Tillstream hub ledger', channels: await channelOfTerminals(db) })];
        else if (o.format === 'beancount') files = [toBeancount(entries, chart, { title: 'Tillstream hub ledger' })];
        else if (o.format === 'quickbooks-csv') files = [toQuickBooksCsv(entries, chart)];
        else {
          const currency = o.currency ?? entries[0]?.lines[0]?.currency;
          if (!currency) throw new Error('xero-csv: no entries to export (or pass --currency)');
          files = toXeroCsv(entries, chart, { currency });
        }
      } finally {
        await db.close();
      }
      if (!o.out) {
        process.stdout.write(files.join('\n'));
      } else if (files.length === 1) {
        writeFileSync(o.out, files[0]!);
      } else {
        files.forEach((f, i) => writeFileSync(o.out!.replace(/(\.csv)?$/, `-${i + 1}.csv`), f));
      }
    });
}
