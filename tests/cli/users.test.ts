import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/hub/db/db';
import { startHub } from '../../src/hub/server';

// `tillstream users add|list|disable|passwd` on a hub's PGlite folder: the first admin is made
// from the command line before anyone can sign in, then signs in to the console's API with
// the password; a disabled user is refused.

const ROOT = path.resolve(__dirname, '../..');
function cli(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/tillstream.mjs', ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: '' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (err += String(d)));
    child.on('close', (code) => resolve({ code: code ?? 1, out, err }));
    child.stdin.end(stdin);
  });
}

async function signIn(url: string, user_id: string, password: string): Promise<number> {
  const s = await fetch(`${url}/api/session`);
  const cookie = s.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const { csrf_token } = (await s.json()) as { csrf_token: string };
  const r = await fetch(`${url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf_token }, body: JSON.stringify({ user_id, password }) });
  return r.status;
}

describe('tillstream users', { timeout: 600_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tillstream-users-cli-'));
  const data = ['--data-dir', path.join(dir, 'pg')];
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('adds the first admin, who signs in with the password; lists, resets and disables users', async () => {
    const weak = await cli(['users', 'add', 'boss', '--role', 'admin', '--password-stdin', ...data], 'short\n');
    expect(weak.code).toBe(1);
    expect(weak.err).toMatch(/at least 10 characters/);
    const add = await cli(['users', 'add', 'boss', '--role', 'admin', '--name', 'The Boss', '--password-stdin', '--json', ...data], 'first admin passphrase\n');
    expect(add.err).toBe('');
    expect(JSON.parse(add.out)).toEqual({ user_id: 'boss', token: null, credential_id: null });
    const noStores = await cli(['users', 'add', 'mia', '--role', 'store_manager', '--password-stdin', ...data], 'manager passphrase\n');
    expect(noStores.err).toMatch(/needs at least one store/);
    const list = await cli(['users', 'list', '--json', ...data]);
    expect(JSON.parse(list.out).users).toEqual([expect.objectContaining({ user_id: 'boss', name: 'The Boss', role: 'admin', has_password: true, disabled: false })]);

    const db = await openDb({ dataDir: path.join(dir, 'pg') });
    const hub = await startHub({ db, port: 0, host: '127.0.0.1', logLevel: 'silent' });
    try {
      expect(await signIn(hub.url, 'boss', 'first admin passphrase')).toBe(201);
      expect(await signIn(hub.url, 'boss', 'wrong passphrase')).toBe(401);
    } finally {
      await hub.close();
      await db.close();
    }

    const passwd = await cli(['users', 'passwd', 'boss', '--password-stdin', ...data], 'second admin passphrase\n');
    expect(passwd.out).toMatch(/Password of boss set; 1 session\(s\) ended/);
    // The last admin cannot be disabled; with a second admin, the first can.
    expect((await cli(['users', 'disable', 'boss', ...data])).err).toMatch(/last enabled admin/);
    await cli(['users', 'add', 'ops', '--role', 'admin', '--password-stdin', ...data], 'ops admin passphrase\n');
    expect((await cli(['users', 'disable', 'boss', ...data])).out).toBe('boss disabled\n');
    const table = await cli(['users', 'list', ...data]);
    expect(table.out).toMatch(/^boss\s+admin\s+disabled\s+set/m);
    expect(table.out).toMatch(/^ops\s+admin\s+enabled\s+set/m);

    const db2 = await openDb({ dataDir: path.join(dir, 'pg') });
    const hub2 = await startHub({ db: db2, port: 0, host: '127.0.0.1', logLevel: 'silent' });
    try {
      expect(await signIn(hub2.url, 'boss', 'second admin passphrase')).toBe(401);
      expect(await signIn(hub2.url, 'ops', 'ops admin passphrase')).toBe(201);
    } finally {
      await hub2.close();
      await db2.close();
    }
    expect((await cli(['users', 'disable', 'boss', '--enable', ...data])).out).toBe('boss enabled\n');
  });
});
