import type { Command } from 'commander';
import { loadHubConfig, ConfigError } from '../../hub/config';
import { openDb } from '../../hub/db/db';
import { migrate } from '../../hub/db/migrate';
import { trialBalance } from '../../hub/ledger-queries';

// `tillstream ledger trial-balance`: debit and credit totals per account from the hub's
// database; exits 1 when any currency does not balance. `ledger export` writes the entries
// in a format accounting tools read.

interface DbOpts {
  config?: string;
  databaseUrl?: string;
  dataDir?: string;
}

async function openHubDb(o: DbOpts) {
  const cfg = loadHubConfig({ file: o.config, overrides: { databaseUrl: o.databaseUrl, dataDir: o.dataDir } });
  if (!cfg.databaseUrl && !cfg.dataDir) throw new ConfigError('no database: pass --database-url or --data-dir (or set DATABASE_URL / TILLSTREAM_DATA_DIR)');
  const db = await openDb({ databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir, schema: cfg.schema });
  await migrate(db);
  return db;
}

function withDbOptions(cmd: Command): Command {
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
}
