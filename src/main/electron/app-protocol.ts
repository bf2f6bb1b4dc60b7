import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { APP_HOST, APP_SCHEME, SECURITY_HEADERS } from './policy';

// Serves the bundled cashier UI on app://register/ from a fixed in-memory set of three files
// (read once at start). There is no path from a URL to the file system, so no traversal.

export const MAX_ASSET_BYTES = 32 * 1024 * 1024;

const FILES = {
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
} as const;
type AssetPath = keyof typeof FILES;

export type AppAssets = ReadonlyMap<AssetPath, { body: Buffer; type: string }>;

/** Reads index.html, app.js and app.css from the renderer build folder (dist/renderer). */
export function loadAppAssets(dir: string): AppAssets {
  const assets = new Map<AssetPath, { body: Buffer; type: string }>();
  for (const [p, f] of Object.entries(FILES) as [AssetPath, (typeof FILES)[AssetPath]][]) {
    const file = path.join(dir, f.file);
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      throw new Error(`renderer bundle incomplete: ${file} missing (run the build first)`);
    }
    if (size > MAX_ASSET_BYTES) throw new Error(`renderer bundle: ${file} is larger than ${MAX_ASSET_BYTES} bytes`);
    assets.set(p, { body: readFileSync(file), type: f.type });
  }
  return assets;
}

export interface AppResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

export function serveApp(method: string, url: string, assets: AppAssets): AppResponse {
  const headers = { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { status: 400, headers, body: 'bad url' };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return { status: 403, headers, body: 'forbidden' };
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, headers, body: 'method not allowed' };
  const p = (u.pathname === '/' ? '/index.html' : u.pathname) as AssetPath;
  const asset = Object.hasOwn(FILES, p) ? assets.get(p) : undefined;
  if (!asset) return { status: 404, headers, body: 'not found' };
  return { status: 200, headers: { ...headers, 'Content-Type': asset.type }, body: method === 'HEAD' ? '' : asset.body };
}
