import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { publishedSchemaFiles, schemaFileText } from '../src/core/schemas';

// `npm run schemas`: writes docs/schemas/ from core's zod schemas. The folder of the current
// protocol version is rewritten whole, so a removed message or event type disappears too.
// tests/docs/schemas.test.ts fails when the committed files differ from what this writes.
export function writeSchemas(root = 'docs/schemas'): string[] {
  const files = publishedSchemaFiles();
  const versions = new Set(files.map((f) => f.path.split('/')[0]!));
  for (const v of versions) rmSync(path.join(root, v), { recursive: true, force: true });
  for (const f of files) {
    const out = path.join(root, f.path);
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, schemaFileText(f));
  }
  return files.map((f) => f.path);
}

/** Every file under root, relative, sorted (for the staleness test). */
export function listSchemaFiles(root = 'docs/schemas'): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.json')) out.push(rel);
    }
  };
  walk('');
  return out.sort();
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const written = writeSchemas();
  process.stdout.write(`wrote ${written.length} schema files under docs/schemas/\n`);
}
