import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEnrollmentCode, createStore, startHub, type HubHandle } from '../../src/hub';
import { loadRegisterConfig } from '../../src/main/register';
import { enrollRegister } from '../../src/cli/commands/register';

// Store IT's path for a new terminal: HQ makes a one-time code, the terminal exchanges it
// for its own credential with `tillstream register enroll`, against a real hub over HTTP.
describe('tillstream register enroll', { timeout: 120_000 }, () => {
  let hub: HubHandle;
  let dir: string;
  const example = path.resolve('resources/register.example.json');

  beforeAll(async () => {
    hub = await startHub({ logLevel: 'silent' });
    await createStore(hub.db, { store_id: 'store-007', name: 'Riverside', currency: 'USD' });
    dir = mkdtempSync(path.join(tmpdir(), 'tillstream-enroll-'));
  });
  afterAll(async () => {
    await hub?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships an example config that loads', () => {
    expect(loadRegisterConfig(example).hub).toBeNull();
  });

  it('writes the credential into the config once, and the hub accepts it', async () => {
    const file = path.join(dir, 'register.json');
    copyFileSync(example, file);
    const { code } = await createEnrollmentCode(hub.db, { store_id: 'store-007', terminal_id: 'T07' });

    expect(await enrollRegister({ hub: hub.url, code, config: file })).toEqual({ store_id: 'store-007', terminal_id: 'T07' });
    const cfg = loadRegisterConfig(file);
    expect(cfg).toMatchObject({ store_id: 'store-007', terminal_id: 'T07', hub: { url: new URL(hub.url).origin } });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The register made its own device key: the private half in its config, the public half at the hub.
    expect(cfg.hub!.device_key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const keys = await hub.db.query<{ public_key: string | null }>(`SELECT public_key FROM credentials WHERE terminal_id = 'T07' AND revoked_at IS NULL`);
    expect(keys.rows[0]!.public_key).toMatch(/^MCowBQYDK2VwAyEA/);

    const me = await fetch(new URL('/api/me', hub.url), { headers: { authorization: `Bearer ${cfg.hub!.token}` } });
    expect(me.status).toBe(200);
    expect(JSON.stringify(await me.json())).toContain('T07');

    // The code is spent: a second use is refused and the file is left exactly as it was.
    const before = readFileSync(file, 'utf8');
    await expect(enrollRegister({ hub: hub.url, code, config: file })).rejects.toThrow(/already used/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('refuses a broken config file or a bad hub address without writing anything', async () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{ "store_name": ');
    const { code } = await createEnrollmentCode(hub.db, { store_id: 'store-007', terminal_id: 'T08' });
    await expect(enrollRegister({ hub: hub.url, code, config: file })).rejects.toThrow(/broken\.json/);
    expect(readFileSync(file, 'utf8')).toBe('{ "store_name": ');
    await expect(enrollRegister({ hub: 'ftp://hub', code, config: file })).rejects.toThrow(/--hub/);
    await expect(enrollRegister({ hub: hub.url, code, config: path.join(dir, 'missing.json') })).rejects.toThrow(/register\.example\.json/);
  });
});
