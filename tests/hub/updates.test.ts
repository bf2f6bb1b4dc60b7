import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
// @ts-expect-error -- js-yaml (electron-updater's own YAML parser) ships no types; the test reads the feed as electron-updater does
import { load as parseYaml } from 'js-yaml';
import { startHub, createStore, createEnrollmentCode, redeemEnrollmentCode, type HubHandle } from '../../src/hub';
import { stageBucket } from '../../src/hub/lifecycle/updates';

// The hub's update feed as electron-updater's generic provider reads it: a fake release is
// published (its file in the hub's updatesDir); a 50 % stage gives it to exactly the
// terminals whose bucket is below 50 and the previous version to the rest; a pinned store
// gets its pin; a rollback sends every terminal back; the file downloads with the register's
// credential and matches the sha512 in the feed.

const ADMIN = `admin-${randomBytes(12).toString('hex')}`;
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('base64');

describe('fleet update feed', { timeout: 120_000 }, () => {
  let hub: HubHandle;
  let dir: string;
  const tokens = new Map<string, string>();
  const v1 = Buffer.from('fake installer 1.0.0');
  const v2 = Buffer.from('fake installer 1.1.0 ' + 'x'.repeat(1000));

  const api = async (method: string, p: string, body?: unknown, token = ADMIN) => {
    const res = await fetch(`${hub.url}${p}`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, text, headers: res.headers, json: (() => { try { return JSON.parse(text); } catch { return null; } })() };
  };
  const feedFor = async (terminal: string) => {
    const r = await api('GET', '/updates/latest-linux.yml', undefined, tokens.get(terminal)!);
    return { status: r.status, why: r.headers.get('x-tillstream-update'), info: r.status === 200 ? (parseYaml(r.text) as { version: string; path: string; sha512: string; files: { url: string; size: number }[] }) : null };
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tillstream-updates-'));
    for (const [v, b] of [['1.0.0', v1], ['1.1.0', v2]] as const) {
      mkdirSync(path.join(dir, v));
      writeFileSync(path.join(dir, v, `Tillstream-${v}.AppImage`), b);
    }
    hub = await startHub({ port: 0, host: '127.0.0.1', logLevel: 'silent', adminToken: ADMIN, updatesDir: dir });
    await createStore(hub.db, { store_id: 'north-1', name: 'North 1', currency: 'USD', groups: ['north'] });
    await createStore(hub.db, { store_id: 'north-2', name: 'North 2 (pinned)', currency: 'USD', groups: ['north'] });
    for (let i = 0; i < 20; i++) {
      const t = `N1-${String(i).padStart(2, '0')}`;
      const { code } = await createEnrollmentCode(hub.db, { store_id: 'north-1', terminal_id: t });
      tokens.set(t, (await redeemEnrollmentCode(hub.db, code)).token);
    }
    const { code } = await createEnrollmentCode(hub.db, { store_id: 'north-2', terminal_id: 'N2-01' });
    tokens.set('N2-01', (await redeemEnrollmentCode(hub.db, code)).token);
    for (const [v, b] of [['1.0.0', v1], ['1.1.0', v2]] as const) {
      const name = `Tillstream-${v}.AppImage`;
      const r = await api('POST', '/api/updates/releases', { version: v, platform: 'linux', files: [{ url: name, sha512: sha512(b), size: b.length }], path: name, sha512: sha512(b) });
      expect(r.status).toBe(201);
    }
  });
  afterAll(async () => {
    await hub?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a 50 % stage: terminals in the stage get the new release, the others stay; a pinned store does not move; rollback sends all back', async () => {
    expect((await api('PUT', '/api/updates/channels/north', { version: '1.0.0' })).status).toBe(200);
    expect((await feedFor('N1-00')).info!.version).toBe('1.0.0');
    const staged = await api('PUT', '/api/updates/channels/north', { version: '1.1.0', staged_percent: 50 });
    expect(staged.json).toMatchObject({ version: '1.1.0', previous_version: '1.0.0', staged_percent: 50 });
    expect((await api('PUT', '/api/updates/pins/north-2', { version: '1.0.0' })).status).toBe(200);

    const got = new Map<string, string>();
    for (const t of [...tokens.keys()].filter((x) => x.startsWith('N1-'))) {
      const f = await feedFor(t);
      got.set(t, f.info!.version);
      expect(f.why).toBe(stageBucket(t, '1.1.0') < 50 ? 'staged' : 'not_staged');
      expect(f.info!.version).toBe(stageBucket(t, '1.1.0') < 50 ? '1.1.0' : '1.0.0');
    }
    const inStage = [...got.values()].filter((v) => v === '1.1.0').length;
    expect(inStage).toBeGreaterThan(0);
    expect(inStage).toBeLessThan(20);
    const pinned = await feedFor('N2-01');
    expect([pinned.info!.version, pinned.why]).toEqual(['1.0.0', 'pinned']);

    // The download: the register's credential, the bytes the feed's sha512 names.
    const inside = [...got.entries()].find(([, v]) => v === '1.1.0')![0];
    const info = (await feedFor(inside)).info!;
    const file = await fetch(`${hub.url}/updates/${info.path}`, { headers: { authorization: `Bearer ${tokens.get(inside)}` } });
    expect(file.status).toBe(200);
    const bytes = Buffer.from(await file.arrayBuffer());
    expect(sha512(bytes)).toBe(info.sha512);
    expect((await fetch(`${hub.url}/updates/${info.path}`)).status).toBe(401);
    expect((await api('GET', '/updates/latest-linux.yml')).status).toBe(403); // a user token is not a register

    const back = await api('POST', '/api/updates/channels/north/rollback');
    expect(back.json).toMatchObject({ version: '1.0.0', previous_version: null, staged_percent: 100 });
    for (const t of got.keys()) expect((await feedFor(t)).info!.version).toBe('1.0.0');
    expect((await api('POST', '/api/updates/channels/north/rollback')).status).toBe(409);
    expect((await api('PUT', '/api/updates/channels/north', { version: '9.9.9' })).status).toBe(404);
    expect((await api('PUT', '/api/updates/pins/north-2', { version: null })).status).toBe(200);
    expect((await feedFor('N2-01')).why).toBe('channel');
  });
});
