import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

// The HQ console is a static page in src/hq/ (browser code, no build step), served as is.
const PAGE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'hq', 'index.html');
let cached: string | null = null;

export function hqPage(): string {
  cached ??= readFileSync(PAGE, 'utf8');
  return cached;
}
