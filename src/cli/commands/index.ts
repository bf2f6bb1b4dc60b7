import type { Command } from 'commander';

// Each module adds its commands to the program. Areas append their module here, with the
// top-level command names it registers: the CLI loads only the module a command line names
// (`tillstream barcode …` never loads the hub, Postgres or the drivers), which is most of
// its start-up time. tests/cli/commands-index.test.ts checks the names against the modules.
export type RegisterCommands = (program: Command) => void;

export interface CommandModule {
  /** Top-level command names the module registers. */
  names: readonly string[];
  load(): Promise<{ register: RegisterCommands }>;
}

export const COMMAND_MODULES: readonly CommandModule[] = [
  { names: ['journal'], load: () => import('./journal') },
  { names: ['barcode'], load: () => import('./barcode') },
  { names: ['hub'], load: () => import('./hub') },
  { names: ['ledger'], load: () => import('./ledger') },
  { names: ['simulate'], load: () => import('./simulate') },
  { names: ['devices'], load: () => import('./devices') },
  { names: ['register'], load: () => import('./register') },
  { names: ['demo'], load: () => import('./demo') },
  { names: ['books'], load: () => import('./books') },
  { names: ['prices', 'stock', 'terminals'], load: () => import('./hq') },
  { names: ['audit'], load: () => import('./audit') },
  { names: ['review'], load: () => import('./review') },
  { names: ['updates'], load: () => import('./updates') },
  { names: ['users'], load: () => import('./users') },
  { names: ['loyalty'], load: () => import('./loyalty') },
];

/**
 * The modules a command line needs: the one its first word names, or all of them when it names
 * none (help, an unknown command, whose error then lists every command).
 */
export async function loadCommands(argv: readonly string[] = []): Promise<RegisterCommands[]> {
  const first = argv.find((a) => !a.startsWith('-'));
  const named = COMMAND_MODULES.filter((m) => first !== undefined && m.names.includes(first));
  const mods = await Promise.all((named.length ? named : COMMAND_MODULES).map((m) => m.load()));
  return mods.map((m) => m.register);
}
