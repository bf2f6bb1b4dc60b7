import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BootGuard } from './boot-guard';

// The boot guard with real files; the start of the previous version is observed through the
// `start` hook here (tests/hub/register-updates.test.ts starts real processes).

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(o: { maxAttempts?: number; readyTimeoutMs?: number } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'ts-guard-'));
  dirs.push(dir);
  const appImage = path.join(dir, 'TillstreamRegister.AppImage');
  writeFileSync(appImage, 'v1.0.0', { mode: 0o755 });
  const started: string[] = [];
  const log: string[] = [];
  const make = () => new BootGuard({ file: path.join(dir, 'guard.json'), keepDir: path.join(dir, 'previous'), start: (f, env) => started.push(`${readFileSync(f, 'utf8')} from ${env.TILLSTREAM_ROLLED_BACK_FROM}`), log: (m) => log.push(m), ...o });
  return { dir, appImage, started, log, make };
}

describe('boot guard', () => {
  it('a start that reaches ready clears the update and queues an "installed" report', () => {
    const { appImage, make } = setup();
    make().prepareInstall({ from: '1.0.0', to: '1.1.0', appImage });
    writeFileSync(appImage, 'v1.1.0');
    const g = make();
    const s = g.supervise('1.1.0', { running: appImage, exit: () => { throw new Error('no exit'); } });
    expect(s.decision).toMatchObject({ action: 'watch', attempt: 1 });
    expect(s.ready()).toMatchObject({ version: '1.1.0', from_version: '1.0.0', outcome: 'installed' });
    expect(make().onStart('1.1.0')).toEqual({ action: 'run' });
    expect(make().pendingReports()).toHaveLength(1);
    expect(make().refused()).toEqual([]);
  });

  it('crashes before ready: the start after maxAttempts rolls back at once and starts the kept previous version', () => {
    const { appImage, make, started } = setup({ maxAttempts: 2 });
    make().prepareInstall({ from: '1.0.0', to: '1.1.0', appImage });
    writeFileSync(appImage, 'v1.1.0');
    expect(make().onStart('1.1.0')).toMatchObject({ action: 'watch', attempt: 1 }); // crashed
    expect(make().onStart('1.1.0')).toMatchObject({ action: 'watch', attempt: 2 }); // crashed again
    const exits: string[] = [];
    const s = make().supervise('1.1.0', { running: appImage, exit: (code, m) => exits.push(`${code}: ${m}`) });
    expect(s.decision).toEqual({ action: 'rollback', reason: 'version 1.1.0 ended before it was ready 2 times' });
    expect(exits).toEqual(['0: rolled back from 1.1.0 to 1.0.0: version 1.1.0 ended before it was ready 2 times']);
    expect(readFileSync(appImage, 'utf8')).toBe('v1.0.0');
    expect(started).toEqual(['v1.0.0 from 1.1.0']);
    expect(make().refused()).toEqual(['1.1.0']);
    expect(make().pendingReports()).toMatchObject([{ version: '1.1.0', outcome: 'failed_start' }]);
    // The previous version starts normally.
    expect(make().onStart('1.0.0')).toEqual({ action: 'run' });
  });

  it('without a kept copy (not an AppImage) the failure is recorded and reported, and the shell exits non-zero', () => {
    const { make, started } = setup();
    make().prepareInstall({ from: '1.0.0', to: '1.1.0' });
    expect(make().onStart('1.1.0')).toMatchObject({ action: 'watch' });
    const r = make().rollback('did not reach ready', '/nonexistent');
    expect(r).toMatchObject({ started: false, message: expect.stringMatching(/no copy of 1.0.0 on this terminal to start \(not an AppImage\)/) });
    expect(started).toEqual([]);
    expect(make().refused()).toEqual(['1.1.0']);
    expect(make().rollback('again')).toMatchObject({ started: false, message: /nothing to roll back/ });
  });

  it('the old version starting again means the installer did not replace it: "not_installed"', () => {
    const { appImage, make } = setup();
    make().prepareInstall({ from: '1.0.0', to: '1.1.0', appImage });
    expect(make().onStart('1.0.0')).toMatchObject({ action: 'run', report: { version: '1.1.0', outcome: 'not_installed' } });
    expect(make().onStart('1.0.0')).toEqual({ action: 'run' });
  });

  it('a damaged state file is an empty state (logged), never a crash; lists stay bounded; only one previous copy is kept', () => {
    const { dir, appImage, make, log } = setup();
    writeFileSync(path.join(dir, 'guard.json'), '{"pending": 42');
    expect(make().onStart('1.0.0')).toEqual({ action: 'run' });
    expect(log.some((l) => /unreadable/.test(l))).toBe(true);
    for (let i = 0; i < 30; i++) {
      make().prepareInstall({ from: `1.0.${i}`, to: `1.1.${i}`, appImage });
      make().rollback('boom');
    }
    expect(make().refused()).toHaveLength(20);
    expect(make().pendingReports()).toHaveLength(20);
    expect(make().refused().at(-1)).toBe('1.1.29');
    expect(() => make().prepareInstall({ from: '../../etc', to: '1.1.0', appImage })).toThrow();
    const kept = JSON.parse(readFileSync(path.join(dir, 'guard.json'), 'utf8'));
    expect(kept.pending).toBeNull();
    make().reportsSent(make().pendingReports().slice(0, 5));
    expect(make().pendingReports()).toHaveLength(15);
  });
});
