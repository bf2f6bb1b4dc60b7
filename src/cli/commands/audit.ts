import type { Command } from 'commander';
import { openHubDb, withDbOptions, type DbOpts } from './ledger';
import { formatAuditRow, querySyncAudit } from '../../hub/integrity/audit-log';
import { exportTerminalChain, formatChainReport, verifyTerminalChain } from '../../hub/integrity/chain-audit';
import { readStoreIntegrity, writeStoreIntegrity } from '../../hub/integrity/store-settings';

function seqOption(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,15}$/.test(v) || Number(v) < 1) throw new Error(`${flag}: a seq (1 or more), got ${v}`);
  return Number(v);
}

// `tillstream audit …`: the integrity watch read from the hub's database (a Postgres the hub
// uses, or the PGlite folder of a stopped hub). HQ's console reads the same through the HTTP
// API (GET /api/terminals/:terminal_id/sync-audit).

const TIME = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

function checkTime(flag: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!TIME.test(v) || Number.isNaN(Date.parse(v))) throw new Error(`${flag}: must be an ISO 8601 time or a date (2026-12-01), got ${v}`);
  return v.length === 10 ? `${v}T00:00:00Z` : v;
}

export function register(program: Command): void {
  const audit = program.command('audit').description("Integrity watch: a register's sync audit log, its signed chain (verify, export)");

  withDbOptions(audit.command('log').description("A register's sync audit log in the order the hub recorded it: connect, hello, push (seqs, bytes, ms), ack, rejection, disconnect, error"))
    .requiredOption('--terminal <id>', 'the terminal')
    .option('--since <time>', 'from this time on (ISO 8601 or a date)')
    .option('--until <time>', 'before this time')
    .option('--limit <n>', 'at most this many rows (default 1000)', '1000')
    .option('--json', 'one JSON object a line')
    .action(async (o: DbOpts & { terminal: string; since?: string; until?: string; limit: string; json?: boolean }) => {
      const since = checkTime('--since', o.since);
      const until = checkTime('--until', o.until);
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new Error(`--limit: 1..100000, got ${o.limit}`);
      const db = await openHubDb(o);
      try {
        let after = 0;
        let left = limit;
        while (left > 0) {
          const rows = await querySyncAudit(db, { terminal_id: o.terminal, since, until, after_id: after, limit: Math.min(left, 1000) });
          for (const r of rows) process.stdout.write(`${o.json ? JSON.stringify(r) : formatAuditRow(r)}\n`);
          if (rows.length === 0) break;
          after = rows[rows.length - 1]!.audit_id;
          left -= rows.length;
        }
        if (after === 0 && !o.json) process.stdout.write(`(no sync audit rows for ${o.terminal}${since ? ` since ${since}` : ''})\n`);
      } finally {
        await db.close();
      }
    });

  withDbOptions(audit.command('require-signatures <store_id> [on_off]').description("Whether a store refuses batches of registers enrolled without a device key (BAD_SIGNATURE); prints the setting, changes it with on or off"))
    .action(async (storeId: string, onOff: string | undefined, o: DbOpts) => {
      if (onOff !== undefined && onOff !== 'on' && onOff !== 'off') throw new Error(`on or off, got ${onOff}`);
      const db = await openHubDb(o);
      try {
        const r = onOff === undefined ? await readStoreIntegrity(db, storeId) : await writeStoreIntegrity(db, storeId, { require_signatures: onOff === 'on' });
        if (!r) throw new Error(`no store ${storeId}`);
        process.stdout.write(`${storeId} require_signatures ${r.require_signatures ? 'on' : 'off'}\n`);
      } finally {
        await db.close();
      }
    });

  withDbOptions(audit.command('verify').description("Check the hub's copy of a terminal's chain: seqs, hash links, hashes recomputed, device signatures; prints the first broken link (exit 1)"))
    .requiredOption('--terminal <id>', 'the terminal')
    .option('--from <seq>', 'first seq (default 1)')
    .option('--to <seq>', "last seq (default the hub's mark)")
    .option('--json', 'print the report as JSON')
    .action(async (o: DbOpts & { terminal: string; from?: string; to?: string; json?: boolean }) => {
      const range = { from: seqOption('--from', o.from), to: seqOption('--to', o.to) };
      const db = await openHubDb(o);
      try {
        const report = await verifyTerminalChain(db, o.terminal, range);
        process.stdout.write(o.json ? `${JSON.stringify(report)}\n` : formatChainReport(report));
        if (report.breaks.length) process.exitCode = 1;
      } finally {
        await db.close();
      }
    });

  withDbOptions(audit.command('export').description("Write a terminal's chain, device signatures and public keys into a folder an auditor checks with openssl (docs/audit.md)"))
    .requiredOption('--terminal <id>', 'the terminal')
    .requiredOption('--out <dir>', 'folder to write (created)')
    .option('--from <seq>', 'first seq (default 1)')
    .option('--to <seq>', "last seq (default the hub's mark)")
    .action(async (o: DbOpts & { terminal: string; out: string; from?: string; to?: string }) => {
      const range = { from: seqOption('--from', o.from), to: seqOption('--to', o.to) };
      const db = await openHubDb(o);
      try {
        const r = await exportTerminalChain(db, o.terminal, o.out, range);
        process.stdout.write(`wrote ${r.events} events, ${r.signatures} signed batches and ${r.keys} device keys to ${o.out}\n`);
      } finally {
        await db.close();
      }
    });
}
