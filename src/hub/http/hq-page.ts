import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

// The HQ console is a static page in src/hq/ (browser code, no build step), served as is.
// Its inline <script> and <style> blocks are allowed by hash in the page's CSP, so nothing
// else inline (an injected script) can run.
const PAGE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'hq', 'index.html');
let cached: { html: string; csp: string } | null = null;

function hashes(html: string, tag: 'script' | 'style'): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g');
  for (const m of html.matchAll(re)) out.push(`'sha256-${createHash('sha256').update(m[1]!, 'utf8').digest('base64')}'`);
  return out;
}

export function hqPage(): { html: string; csp: string } {
  if (cached) return cached;
  const html = readFileSync(PAGE, 'utf8');
  const csp = [
    "default-src 'self'",
    `script-src 'self' ${hashes(html, 'script').join(' ')}`,
    `style-src 'self' ${hashes(html, 'style').join(' ')}`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
  cached = { html, csp };
  return cached;
}
