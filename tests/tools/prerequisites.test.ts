import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { findChromium, missingPrerequisites, PREREQUISITES } from '../../tools/prerequisites.mjs';
import { pathWithout } from '../path-without';

// `npm test` first runs `node tools/prerequisites.mjs check` (pretest). When a program is
// hidden from it, it must name that program and the one command that installs it.

const SCRIPT = path.resolve('tools/prerequisites.mjs');
const check = (env: NodeJS.ProcessEnv) => spawnSync(process.execPath, [SCRIPT, 'check'], { env: { ...env, TILLSTREAM_SKIP_PREREQUISITES: '' }, encoding: 'utf8' });

describe('test prerequisites check', () => {
  const noSocat = pathWithout(['socat']);
  afterAll(() => noSocat.dispose());

  it.skipIf(!!process.env.TILLSTREAM_SKIP_PREREQUISITES)('passes when everything is installed (as on this machine)', () => {
    const missing = missingPrerequisites(process.env);
    expect(missing.map((m) => m.name)).toEqual([]);
    expect(check(process.env).status).toBe(0);
  });

  it('names socat and the command that installs it when socat is hidden from PATH', () => {
    const r = check({ ...process.env, PATH: noSocat.PATH });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/- socat \(virtual serial devices[^\n]*`socat` is not on PATH; install: (sudo )?apt-get install -y socat\n/);
    expect(r.stderr).toContain('npm run setup');
    expect(r.stderr).not.toMatch(/- (zbarimg|hledger|ledger|bean-check|Chromium) /); // only what is missing
  });

  it('names Chromium when the browser it was told to use does not exist', () => {
    const r = check({ ...process.env, TILLSTREAM_CHROMIUM: '/nonexistent/chromium' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('- Chromium');
    expect(r.stderr).toContain('TILLSTREAM_CHROMIUM=/nonexistent/chromium is not an executable file');
    expect(r.stderr).toMatch(/apt-get install -y chromium/);
  });

  it('finds Chromium by TILLSTREAM_CHROMIUM, CHROME_PATH, or the usual places', () => {
    const usual = findChromium({ PATH: '' });
    expect(usual.path).toBeTruthy();
    expect(findChromium({ CHROME_PATH: usual.path! }).path).toBe(usual.path);
    expect(findChromium({ TILLSTREAM_CHROMIUM: process.execPath, CHROME_PATH: '/nope' }).path).toBe(process.execPath);
  });

  it('keeps one list: every package has an apt name, and .ci/run installs through setup.sh', async () => {
    const { readFileSync } = await import('node:fs');
    expect(PREREQUISITES.every((p) => /^[a-z0-9.+-]+$/.test(p.apt))).toBe(true);
    const ci = readFileSync('.ci/run', 'utf8');
    expect(ci).toContain('bash tools/setup.sh');
    expect(ci).not.toMatch(/apt-get install/);
  });
});
