import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { COMMAND_MODULES, loadCommands } from '../../src/cli/commands/index';

// The CLI loads only the module a command line names, so each module's declared names must be
// exactly the top-level commands it registers.
describe('CLI command modules', () => {
  it('declare exactly the top-level commands they register', async () => {
    for (const m of COMMAND_MODULES) {
      const program = new Command();
      (await m.load()).register(program);
      expect(program.commands.map((c) => c.name()).sort()).toEqual([...m.names].sort());
    }
  });

  it('loads one module for a named command and all of them otherwise', async () => {
    expect(await loadCommands(['barcode', '4006381333931'])).toHaveLength(1);
    expect(await loadCommands(['--help'])).toHaveLength(COMMAND_MODULES.length);
    expect(await loadCommands(['no-such-command'])).toHaveLength(COMMAND_MODULES.length);
  });
});
