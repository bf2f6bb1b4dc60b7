import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAppAssets, serveApp, type AppAssets } from './app-protocol';

let dir: string;
let assets: AppAssets;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ts-app-'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="root"></div><script src="app.js"></script>');
  writeFileSync(path.join(dir, 'app.js'), 'console.log(1)');
  writeFileSync(path.join(dir, 'app.css'), 'body{}');
  writeFileSync(path.join(dir, 'secret.txt'), 'nope');
  assets = loadAppAssets(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('app:// protocol', () => {
  it('serves the three bundle files with the CSP and nosniff', () => {
    const r = serveApp('GET', 'app://register/index.html', assets);
    expect(r.status).toBe(200);
    expect(r.headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(r.headers['Content-Security-Policy']).toMatch(/script-src 'self'/);
    expect(r.headers['X-Content-Type-Options']).toBe('nosniff');
    expect(String(r.body)).toContain('root');
    expect(serveApp('GET', 'app://register/', assets).status).toBe(200);
    expect(serveApp('GET', 'app://register/app.js', assets).headers['Content-Type']).toMatch(/javascript/);
    expect(serveApp('GET', 'app://register/app.css?v=1', assets).status).toBe(200);
    expect(serveApp('HEAD', 'app://register/app.css', assets)).toMatchObject({ status: 200, body: '' });
  });
  it('serves nothing else: no other file, no traversal, no other host, no POST', () => {
    for (const u of ['app://register/secret.txt', 'app://register/../secret.txt', 'app://register/%2e%2e/secret.txt', 'app://register/constructor', 'app://register/__proto__']) {
      expect(serveApp('GET', u, assets).status, u).toBe(404);
    }
    expect(serveApp('GET', 'app://other/index.html', assets).status).toBe(403);
    expect(serveApp('GET', 'file:///etc/passwd', assets).status).toBe(403);
    expect(serveApp('POST', 'app://register/index.html', assets).status).toBe(405);
    expect(serveApp('GET', '::', assets).status).toBe(400);
  });
  it('refuses to start from an incomplete build', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'ts-app-empty-'));
    try {
      expect(() => loadAppAssets(empty)).toThrow(/index.html missing \(run the build first\)/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
