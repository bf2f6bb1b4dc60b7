import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// electron-builder.yml: validated with electron-builder's own schema (as `electron-builder`
// does before building), plus the things that matter for registers. The deb scripts are
// expanded the way electron-builder expands them and checked with `bash -n`.

const ROOT = path.resolve(__dirname, '../../..');
const require = createRequire(path.join(ROOT, 'package.json'));
const yaml = require('js-yaml') as { load(s: string): unknown };
const config = yaml.load(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- electron-builder config, checked below

describe('electron-builder.yml', () => {
  it('passes electron-builder schema validation', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as { validateConfiguration(c: unknown, l: unknown): Promise<void> };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...config, nsisx: 1 }, new DebugLogger(false))).rejects.toThrow(/unknown property 'nsisx'/);
  }, 60_000);

  it('targets AppImage + deb and NSIS, unpacks native modules, rebuilds them for Electron', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target[0].target).toBe('nsis');
    expect(config.asarUnpack).toContain('**/*.node');
    for (const m of ['better-sqlite3', '@serialport/bindings-cpp', 'node-hid', 'usb']) {
      expect(config.asarUnpack.some((p: string) => p.startsWith(`node_modules/${m}/`)), m).toBe(true);
      expect(existsSync(path.join(ROOT, 'node_modules', m)), m).toBe(true);
    }
    expect(config.npmRebuild).toBe(true);
    expect(config.files).toContain('dist/**/*');
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string };
    expect(pkg.main).toBe('dist/main/electron/main.cjs');
  });

  it('flips the Electron fuses that would let a local user run the binary as plain Node or inject options', () => {
    expect(config.electronFuses).toMatchObject({ runAsNode: false, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false, onlyLoadAppFromAsar: true, grantFileProtocolExtraPrivileges: false });
  });

  it('ships the udev rules and a generic update feed', () => {
    const udev = config.extraResources.find((r: { from: string }) => r.from === 'resources/udev');
    expect(udev).toBeDefined();
    expect(existsSync(path.join(ROOT, 'resources/udev/60-tillstream.rules'))).toBe(true);
    expect(config.publish[0]).toMatchObject({ provider: 'generic', url: expect.stringMatching(/^https:\/\//) });
  });

  it('deb scripts exist, expand with electron-builder macros only, and are valid bash', () => {
    const macros = { executable: 'tillstream-register', sanitizedProductName: 'tillstream-register', productFilename: 'Tillstream Register' } as Record<string, string>;
    const dir = mkdtempSync(path.join(tmpdir(), 'ts-deb-'));
    try {
      for (const key of ['afterInstall', 'afterRemove']) {
        const file = path.join(ROOT, config.deb[key]);
        // Same expansion as app-builder-lib's FpmTarget writeConfigFile: an unknown ${x} is an error.
        const text = readFileSync(file, 'utf8').replace(/\${([a-zA-Z]+)}/g, (_m, name: string) => {
          if (!(name in macros)) throw new Error(`${key}: macro \${${name}} is not defined`);
          return macros[name]!;
        });
        const out = path.join(dir, `${key}.sh`);
        writeFileSync(out, text);
        execFileSync('bash', ['-n', out]);
      }
      const install = readFileSync(path.join(ROOT, config.deb.afterInstall), 'utf8');
      expect(install).toMatch(/resources\/udev\/60-tillstream\.rules/);
      expect(install).toMatch(/udevadm control --reload-rules/);
      expect(install).toMatch(/usermod -aG plugdev,dialout/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
