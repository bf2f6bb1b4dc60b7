import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

// Proves the runtime-layer rule of DESIGN.md actually fails on forbidden imports, using the
// project's own eslint.config.js on virtual files placed in each layer.
const eslint = new ESLint({ cwd: process.cwd() });

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'boundaries/dependencies').map((m) => m.message);
}

describe('runtime layer rule', () => {
  it.each([
    ['src/core/money/probe.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", 'node:fs'],
    ['src/core/money/probe.ts', "import { createHash } from 'crypto';\nexport const x = createHash;\n", 'crypto'],
    ['src/renderer/probe.ts', "import Database from 'better-sqlite3';\nexport const x = Database;\n", 'better-sqlite3'],
    ['src/renderer/probe.ts', "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n", 'electron'],
    ['src/main/probe.ts', "import { app } from 'electron';\nexport const x = app;\n", 'electron'],
    ['src/core/probe.ts', "import { Journal } from '../sync/journal';\nexport const x = Journal;\n", ''],
    ['src/hq/probe.ts', "import { readFile } from 'node:fs/promises';\nexport const x = readFile;\n", 'node:fs'],
  ])('rejects %s importing %j', async (file, code, source) => {
    const errors = await layerErrors(file, code);
    expect(errors.length).toBe(1);
    expect(errors[0]).toMatch(/no policy allowing|are not allowed/);
    if (source) expect(errors[0]).toContain(source);
  });

  it.each([
    ['src/renderer/probe.ts', "import { money } from '../core/money/money';\nimport { z } from 'zod';\nexport const x = [money, z];\n"],
    ['src/core/tax/probe.ts', "import { money } from '../money/money';\nexport const x = money;\n"],
    ['src/main/electron/probe.ts', "import { app } from 'electron';\nexport const x = app;\n"],
    ['src/drivers/probe.ts', "import { createConnection } from 'node:net';\nexport const x = createConnection;\n"],
    ['src/core/money/probe.test.ts', "import { createHash } from 'node:crypto';\nimport { it } from 'vitest';\nexport const x = [createHash, it];\n"],
  ])('allows %s', async (file, code) => {
    expect(await layerErrors(file, code)).toEqual([]);
  });
});
