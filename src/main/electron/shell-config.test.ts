import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { credentialFileWarning, loadShellConfig, parseShellConfig, resolveConfigPath } from './shell-config';

const base = {
  terminal_id: 'T-01', store_id: 'S-01', store_name: 'Shop', currency: 'EUR', journal_path: 'journal.db',
  cashiers: [{ cashier_id: 'c1', name: 'Ann', role: 'cashier', pin_hash: 'scrypt$16384$x$y' }],
};

describe('shell config', () => {
  it('defaults to a kiosk window with updates on', () => {
    const c = parseShellConfig(base, '/etc/tillstream/register.json');
    expect(c.shell).toEqual({
      window: { mode: 'kiosk', width: 1280, height: 800, devtools: false },
      updates: { enabled: true, check_interval_minutes: 60, require_closed_shift: false, ready_timeout_seconds: 120 },
    });
    expect(c.register.journal_path).toBe('/etc/tillstream/journal.db');
    expect(c.register.terminal_id).toBe('T-01');
  });

  it('reads the shell block and resolves relative paths against the config file', () => {
    const c = parseShellConfig(
      { ...base, journal_path: '/var/lib/tillstream/j.db', receipt_dir: 'receipts', device_config: 'devices.json', shell: { window: { mode: 'windowed', width: 1024, height: 768, devtools: true }, updates: { url: 'https://u.example/r', require_closed_shift: true } } },
      '/srv/reg/register.json',
    );
    expect(c.shell.window).toEqual({ mode: 'windowed', width: 1024, height: 768, devtools: true });
    expect(c.shell.updates).toMatchObject({ url: 'https://u.example/r', require_closed_shift: true });
    expect(c.register.journal_path).toBe('/var/lib/tillstream/j.db');
    expect(c.register.receipt_dir).toBe('/srv/reg/receipts');
    expect(c.register.device_config).toBe('/srv/reg/devices.json');
  });

  it('refuses bad shell settings naming the field', () => {
    expect(() => parseShellConfig({ ...base, shell: { window: { mode: 'tv' } } }, 'r.json')).toThrow(/shell\.window\.mode/);
    expect(() => parseShellConfig({ ...base, shell: { updates: { url: 'http://u.example/' } } }, 'r.json')).toThrow(/shell\.updates\.url: must be an https/);
    expect(() => parseShellConfig({ ...base, shell: { window: { width: 100 } } }, 'r.json')).toThrow(/shell\.window\.width/);
    expect(() => parseShellConfig({ ...base, shell: { updates: { window: { from: '25:00', to: '04:00' } } } }, 'r.json')).toThrow(/shell\.updates\.window\.from/);
    expect(parseShellConfig({ ...base, shell: { updates: { window: { from: '22:00', to: '04:00' } } } }, 'r.json').shell.updates.window).toEqual({ from: '22:00', to: '04:00' });
    expect(() => parseShellConfig({ ...base, shell: { nodeIntegration: true } }, 'r.json')).toThrow(/shell\./);
    expect(() => parseShellConfig({ ...base, currency: 'euro' }, 'r.json')).toThrow(/currency/);
    expect(() => parseShellConfig([], 'r.json')).toThrow(/JSON object/);
  });

  it('finds the config file: --config, then $TILLSTREAM_CONFIG, then user data', () => {
    expect(resolveConfigPath(['electron', '.', '--config', '/a/r.json'], {}, '/home/u/.config/T')).toBe('/a/r.json');
    expect(resolveConfigPath(['x', '--config=/b/r.json'], { TILLSTREAM_CONFIG: '/c.json' }, '/u')).toBe('/b/r.json');
    expect(resolveConfigPath(['x'], { TILLSTREAM_CONFIG: '/c.json' }, '/u')).toBe('/c.json');
    expect(resolveConfigPath(['x'], {}, '/u')).toBe('/u/register.json');
  });

  it('warns when the file holding the hub credential is readable by others', () => {
    expect(credentialFileWarning('/r.json', 0o100644, 'linux', true)).toMatch(/chmod 600 '\/r.json'/);
    expect(credentialFileWarning('/r.json', 0o100640, 'linux', true)).toMatch(/mode 640/);
    expect(credentialFileWarning('/r.json', 0o100600, 'linux', true)).toBeNull();
    expect(credentialFileWarning('/r.json', 0o100644, 'linux', false)).toBeNull();
    expect(credentialFileWarning('C:/r.json', 0o100666, 'win32', true)).toBeNull();
  });

  it('a file that is not JSON names the file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ts-shellcfg-'));
    try {
      const f = path.join(dir, 'register.json');
      writeFileSync(f, '{ nope');
      expect(() => loadShellConfig(f)).toThrow(new RegExp(`register config ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      expect(() => loadShellConfig(path.join(dir, 'missing.json'))).toThrow(/ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
