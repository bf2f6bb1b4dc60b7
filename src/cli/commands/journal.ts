import type { Command } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import { exportUnsynced, readJournalStatus, verifyJournalFile } from '../../sync';

// `tillstream journal verify <db>`: walks the register journal's hash chain. Exit 0 with the
// count and head hash when intact; exit 1 naming the first broken link otherwise.
export function register(program: Command): void {
  const journal = program.command('journal').description('Register journal (SQLite) tools');
  journal
    .command('verify')
    .description('Walk the hash chain of a register database and report the first broken link')
    .argument('<db>', 'path to the register SQLite file')
    .option('--json', 'print the result as JSON')
    .action((db: string, opts: { json?: boolean }) => {
      if (!existsSync(db)) {
        process.stderr.write(`journal verify: no such file: ${db}\n`);
        process.exitCode = 2;
        return;
      }
      let r: ReturnType<typeof verifyJournalFile>;
      try {
        r = verifyJournalFile(db);
      } catch (err) {
        process.stderr.write(`journal verify: cannot read ${db} as a register journal: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      if (r.ok) {
        if (!opts.json) process.stdout.write(`OK ${r.count} events, terminal ${r.terminalId ?? '?'}, head seq ${r.headSeq} hash ${r.headHash}\n`);
        process.exitCode = 0;
      } else {
        if (!opts.json) process.stdout.write(`BROKEN after ${r.count} good events: ${r.message}\n`);
        process.exitCode = 1;
      }
    });

  journal
    .command('status')
    .description('Show what a register has not synced yet: journal head, hub mark, unsynced count and age, rejections')
    .argument('<db>', 'path to the register SQLite file')
    .option('--json', 'print the status as JSON')
    .action((db: string, opts: { json?: boolean }) => {
      if (!existsSync(db)) {
        process.stderr.write(`journal status: no such file: ${db}\n`);
        process.exitCode = 2;
        return;
      }
      let s: ReturnType<typeof readJournalStatus>;
      try {
        s = readJournalStatus(db);
      } catch (err) {
        process.stderr.write(`journal status: cannot read ${db} as a register journal: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(s)}\n`);
        return;
      }
      const pending = s.rejections.filter((r) => r.acknowledged_at === null);
      const lines = [
        `terminal ${s.terminalId ?? '?'} of store ${s.storeId ?? '?'}`,
        `journal head seq ${s.head.seq} hash ${s.head.hash}`,
        `hub has applied through seq ${s.appliedThrough}; unsynced ${s.unsyncedCount}${s.oldestUnsyncedAt ? `, oldest from ${s.oldestUnsyncedAt}` : ''}`,
        `last synced ${s.lastSyncedAt ?? 'never'}${s.lastError ? `; last error: ${s.lastError}` : ''}`,
        `store change cursor ${s.changeCursor}; open sale: ${s.openSale ? 'yes' : 'no'}`,
        `rejected by the hub: ${s.rejections.length} (${pending.length} not acknowledged by a manager)`,
        ...pending.slice(0, 20).map((r) => `  seq ${r.seq} ${r.code}: ${r.reason}`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  journal
    .command('export')
    .description("Write the events a register never delivered to the hub (after the hub's last mark) as JSON, for HQ's salvage import when the device is retired")
    .argument('<db>', 'path to the register SQLite file')
    .option('--out <file>', 'write here instead of standard output')
    .action((db: string, opts: { out?: string }) => {
      if (!existsSync(db)) {
        process.stderr.write(`journal export: no such file: ${db}\n`);
        process.exitCode = 2;
        return;
      }
      const x = exportUnsynced(db);
      const text = `${JSON.stringify(x)}\n`;
      if (opts.out) {
        writeFileSync(opts.out, text, { mode: 0o600 });
        process.stderr.write(`exported ${x.events.length} unsynced events of ${x.terminal_id} (after seq ${x.applied_through}) to ${opts.out}\n`);
      } else process.stdout.write(text);
    });
}
