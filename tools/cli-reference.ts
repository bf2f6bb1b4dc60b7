import { Command } from 'commander';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadCommands } from '../src/cli/commands/index';

const COMMANDS = await loadCommands();

// Writes docs/cli.md from the commands themselves, so the reference cannot drift from the
// code. tests/docs/cli-reference.test.ts fails when the committed file is out of date.
export function cliReference(): string {
  const program = new Command().name('tillstream').description('Tillstream point of sale: register, sync hub, devices and ledger tools');
  for (const register of COMMANDS) register(program);
  program.configureHelp({ helpWidth: 100 });
  const out: string[] = [
    '# The `tillstream` command',
    '',
    'Store IT and HQ use one command, `tillstream` (`npx tillstream …` in a checkout, or',
    '`node bin/tillstream.mjs …`). This page is generated from the commands themselves by',
    '`node bin/run-ts.mjs tools/cli-reference.ts > docs/cli.md`; do not edit it by hand.',
    '',
  ];
  const walk = (cmd: Command, path: string[]): void => {
    const name = [...path, cmd.name()].join(' ');
    out.push(`## \`${name}\``, '', '```text', cmd.helpInformation({ error: false }).trimEnd(), '```', '');
    for (const sub of cmd.commands) walk(sub, [...path, cmd.name()]);
  };
  walk(program, []);
  return out.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) process.stdout.write(cliReference());
