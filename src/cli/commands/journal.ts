import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { verifyJournalFile } from '../../sync';

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
}
