import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decimalToQty, qtyToDecimal } from './quantity';
import { ConfigError, loadHubConfig } from './config';
import { newEnrollmentCode, hashToken } from './auth';

describe('quantity <-> numeric text', () => {
  it('round-trips every quantity exactly (normalized scale)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 6 }), (units, scale) => {
        const back = decimalToQty(qtyToDecimal({ units, scale }));
        expect(back.units * 10 ** (scale - back.scale)).toBe(units === 0 ? 0 : units);
      }),
    );
  });
  it('formats and parses edge cases', () => {
    expect(qtyToDecimal({ units: -5, scale: 3 })).toBe('-0.005');
    expect(qtyToDecimal({ units: 1250, scale: 3 })).toBe('1.250');
    expect(decimalToQty('1.250')).toEqual({ units: 125, scale: 2 });
    expect(decimalToQty('-1.000000')).toEqual({ units: -1, scale: 0 });
    expect(decimalToQty('0')).toEqual({ units: 0, scale: 0 });
    expect(() => decimalToQty('1e3')).toThrow();
    expect(() => qtyToDecimal({ units: 1.5, scale: 0 })).toThrow();
    expect(() => qtyToDecimal({ units: 1, scale: 9 })).toThrow();
  });
});

describe('hub config', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tillstream-cfg-'));
  it('overlays file < env < overrides, with defaults', () => {
    const f = path.join(dir, 'ok.json');
    writeFileSync(f, JSON.stringify({ port: 9000, logLevel: 'warn', chart: 'eu' }));
    const c = loadHubConfig({ file: f, env: { TILLSTREAM_HUB_PORT: '9100' }, overrides: { host: '0.0.0.0' } });
    expect(c).toMatchObject({ port: 9100, logLevel: 'warn', chart: 'eu', host: '0.0.0.0', schedulerIntervalMs: 1000 });
  });
  it('takes the database named by a flag over one from the environment', () => {
    const env = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', TILLSTREAM_DATA_DIR: '/var/lib/tillstream' };
    const folder = loadHubConfig({ env, overrides: { dataDir: '/tmp/hub' } });
    expect([folder.dataDir, folder.databaseUrl]).toEqual(['/tmp/hub', undefined]);
    const server = loadHubConfig({ env, overrides: { databaseUrl: 'postgres://h/db' } });
    expect([server.databaseUrl, server.dataDir]).toEqual(['postgres://h/db', undefined]);
    expect(loadHubConfig({ env })).toMatchObject({ databaseUrl: env.DATABASE_URL, dataDir: env.TILLSTREAM_DATA_DIR });
  });
  it('names the bad field and its source', () => {
    const f = path.join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify({ port: 70000 }));
    expect(() => loadHubConfig({ file: f, env: {} })).toThrow(/config file .*bad\.json: port:/);
    writeFileSync(f, JSON.stringify({ prot: 1 }));
    expect(() => loadHubConfig({ file: f, env: {} })).toThrow(ConfigError);
    writeFileSync(f, '{not json');
    expect(() => loadHubConfig({ file: f, env: {} })).toThrow(/not valid JSON/);
    expect(() => loadHubConfig({ env: { TILLSTREAM_HUB_PORT: 'eighty' } })).toThrow(/TILLSTREAM_HUB_PORT/);
    expect(() => loadHubConfig({ env: { TILLSTREAM_ADMIN_TOKEN: 'short' } })).toThrow(/adminToken/);
  });
});

describe('credentials', () => {
  it('enrollment codes are readable and distinct; tokens are stored hashed', () => {
    const codes = new Set(Array.from({ length: 200 }, newEnrollmentCode));
    expect(codes.size).toBe(200);
    for (const c of codes) expect(c).toMatch(/^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);
    expect(hashToken('abc')).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken('abc')).not.toContain('abc');
  });
});
