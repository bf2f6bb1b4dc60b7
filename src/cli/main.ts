import { Command, CommanderError } from 'commander';
import { loadCommands } from './commands/index';

// The `tillstream` CLI used by store IT and HQ. Each area of the product registers its own
// commands in src/cli/commands/, so this file stays a list.
export async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('tillstream')
    .description('Tillstream point of sale: register, sync hub, devices and ledger tools')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const register of await loadCommands(argv)) register(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`tillstream: ${message}\n`);
    return 1;
  }
}
