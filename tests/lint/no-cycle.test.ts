import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCircular, parseDependencyTree } from 'dpdm';
import { describe, expect, it } from 'vitest';

// No import circles in the drivers, type-only imports included: a circle means a shared type
// lives too high (the registry ↔ device-test circle was one). dpdm reads the imports with the
// TypeScript compiler, so `import type` edges count.

async function circlesIn(dir: string, cwd: string): Promise<string[][]> {
  const tree = await parseDependencyTree(`${dir}/**/*.ts`, { cwd, context: cwd, transform: false, skipDynamicImports: false, include: /\.ts$/, exclude: /node_modules/, tsconfig: undefined });
  const inside = (f: string) => f.startsWith(`${dir}/`);
  return parseCircular(tree).filter((c) => c.every(inside));
}

describe('import circles', () => {
  it('src/drivers has none (type-only imports count)', async () => {
    const circles = await circlesIn('src/drivers', process.cwd());
    expect(circles.map((c) => c.join(' -> '))).toEqual([]);
  });

  it('the check finds a type-only circle', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'cycle-'));
    try {
      mkdirSync(path.join(root, 'm'));
      writeFileSync(path.join(root, 'm/a.ts'), "import { b } from './b';\nexport const a = b;\n");
      writeFileSync(path.join(root, 'm/b.ts'), "import type { A } from './c';\nexport const b: A = 1;\n");
      writeFileSync(path.join(root, 'm/c.ts'), "import { a } from './a';\nexport type A = typeof a;\n");
      const circles = await circlesIn('m', root);
      expect(circles).toHaveLength(1);
      expect([...circles[0]!].sort()).toEqual(['m/a.ts', 'm/b.ts', 'm/c.ts']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
