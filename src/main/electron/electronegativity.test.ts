import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareWithAllowList, scanElectron, type AllowEntry } from './security-scan';

// Electronegativity over the Electron shell: any finding that is not in the allow-list (with
// its reason) fails, and so does an allow-list entry that no longer matches (keeps it honest).

const here = path.dirname(new URL(import.meta.url).pathname);
const allow = JSON.parse(readFileSync(path.join(here, 'electronegativity-allowlist.json'), 'utf8')) as AllowEntry[];

describe('shell sources (checks electronegativity does not make)', () => {
  const sources = readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  const text = (f: string) => readFileSync(path.join(here, f), 'utf8').replace(/^\s*\/\/.*$/gm, '');
  it('never opens external URLs, evaluates code in the page or exposes raw IPC', () => {
    for (const f of sources) {
      const t = text(f);
      expect(t, f).not.toMatch(/openExternal|executeJavaScript|insertCSS|@electron\/remote|loadFile\(|file:\/\//);
      expect(t, f).not.toMatch(/exposeInMainWorld\([^,]+,\s*ipcRenderer\s*\)/);
    }
    const preload = text('preload.ts');
    expect(preload.match(/exposeInMainWorld/g)).toHaveLength(1);
    expect(preload).toMatch(/exposeInMainWorld\('tillstream', createPreloadApi\(ipcRenderer\)\)/);
  });
  it('only the shell imports electron (and only main.ts and preload.ts do, so the rest is testable without it)', () => {
    const importers = sources.filter((f) => /from 'electron'/.test(text(f)));
    expect(importers.sort()).toEqual(['main.ts', 'preload.ts']);
  });
});

describe('electronegativity', () => {
  it('allow-list entries all carry a reason', () => {
    for (const a of allow) expect(a.reason.length, `${a.id}@${a.file}`).toBeGreaterThan(40);
  });

  it('finds nothing in src/main/electron beyond the allow-list', async () => {
    const r = await scanElectron(here);
    expect(r.errors.filter((e) => !e.tolerable)).toEqual([]);
    expect(r.checks).toBeGreaterThan(20);
    const { unexpected, stale } = compareWithAllowList(r.issues, allow);
    expect(unexpected, JSON.stringify(unexpected, null, 1)).toEqual([]);
    expect(stale).toEqual([]);
  }, 120_000);

  it('still catches an insecure window (the scanner is really running)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ts-eneg-'));
    try {
      writeFileSync(
        path.join(dir, 'bad.ts'),
        "import { BrowserWindow } from 'electron';\nconst w = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });\nw.loadURL('http://example.com/');\n",
      );
      const r = await scanElectron(dir);
      const ids = r.issues.map((i) => i.id);
      expect(ids).toContain('CONTEXT_ISOLATION_JS_CHECK');
      expect(ids).toContain('SANDBOX_JS_CHECK');
      expect(compareWithAllowList(r.issues, allow).unexpected.length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
