import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../src/hub/testing/test-db';
import { ADMIN_TOKEN, enrollRegister, seedStore, startTestHub } from '../../src/hub/testing/hub-fixture';
import type { HubHandle } from '../../src/hub/server';
import { stageBucket } from '../../src/hub/lifecycle/updates';

// `tillstream updates publish | promote | rollback | pin | status` as store IT runs them: a real
// child process, electron-builder-shaped output (latest-linux.yml beside its file), a running
// hub whose updatesDir the publish copies into, and the feed a register then reads.

const ROOT = path.resolve(__dirname, '../..');
function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/tillstream.mjs', ...args], { cwd: ROOT, env: { ...process.env, TILLSTREAM_TOKEN: ADMIN_TOKEN }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr });
    });
  });
}
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('base64');

describe('tillstream updates', { timeout: 240_000 }, () => {
  let t: TestDb;
  let hub: HubHandle;
  const dir = mkdtempSync(path.join(tmpdir(), 'tillstream-upd-cli-'));
  const updatesDir = path.join(dir, 'hub-updates');
  const tokens: Record<string, string> = {};

  /** What electron-builder writes to out/: the AppImage and latest-linux.yml naming it. */
  const build = (v: string, body = `AppImage ${v} `.repeat(50)) => {
    const out = path.join(dir, `out-${v}`);
    mkdirSync(out, { recursive: true });
    const name = `Tillstream Register-${v}-x86_64.AppImage`;
    const bytes = Buffer.from(body);
    writeFileSync(path.join(out, name), bytes);
    writeFileSync(path.join(out, 'latest-linux.yml'), `version: ${v}\nfiles:\n  - url: ${name}\n    sha512: ${sha512(bytes)}\n    size: ${bytes.length}\n    blockMapSize: 1234\npath: ${name}\nsha512: ${sha512(bytes)}\nreleaseDate: '2026-11-30T10:00:00.000Z'\n`);
    return { yml: path.join(out, 'latest-linux.yml'), name, bytes };
  };
  const feed = async (terminal: string) => {
    const r = await fetch(`${hub.url}/updates/latest-linux.yml`, { headers: { authorization: `Bearer ${tokens[terminal]}` } });
    return { status: r.status, why: r.headers.get('x-tillstream-update'), text: await r.text() };
  };

  beforeAll(async () => {
    t = await openTestDb({ name: 'pglite' });
    await seedStore(t.db, 'S1', {}, ['north']);
    await seedStore(t.db, 'S2', {}, ['north']);
    hub = await startTestHub(t.db, { updatesDir });
    for (const [s, term] of [['S1', 'S1-T1'], ['S1', 'S1-T2'], ['S1', 'S1-T3'], ['S1', 'S1-T4'], ['S2', 'S2-T1']]) tokens[term!] = (await enrollRegister(t.db, s!, term!)).token;
  }, 120_000);
  afterAll(async () => {
    await hub?.close();
    await t?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publish checks the files, copies them into updatesDir and sends the metadata; promote stages; status, pin and rollback', async () => {
    const v1 = build('1.0.0');
    const v2 = build('1.1.0');
    const hubUrl = ['--hub-url', hub.url];
    for (const v of [v1, v2]) {
      const r = await cli(['updates', 'publish', v.yml, '--copy-to', updatesDir, ...hubUrl]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^Published \d\.\d\.\d \(linux\)/);
    }
    expect(readFileSync(path.join(updatesDir, '1.1.0', v2.name)).equals(v2.bytes)).toBe(true);

    // A file that is not the one the yml names never reaches the hub.
    const bad = build('1.2.0');
    writeFileSync(path.join(path.dirname(bad.yml), bad.name), Buffer.from('x'.repeat(bad.bytes.length)));
    const refused = await cli(['updates', 'publish', bad.yml, '--copy-to', updatesDir, ...hubUrl]);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/sha512 does not match latest-linux.yml/);

    expect((await cli(['updates', 'promote', '1.0.0', '--channel', 'north', ...hubUrl])).code).toBe(0);
    const staged = await cli(['updates', 'promote', '1.1.0', '--channel', 'north', '--percent', '50', ...hubUrl]);
    expect(staged.out).toBe('Channel north: 1.1.0 to 50 % of its registers; the others stay on 1.0.0\n');
    expect((await cli(['updates', 'promote', '1.1.0', '--channel', 'north', '--percent', '150', ...hubUrl])).err).toMatch(/--percent must be/);
    expect((await cli(['updates', 'promote', '9.9.9', '--channel', 'north', ...hubUrl])).err).toMatch(/404 NOT_FOUND: no release 9.9.9/);

    // What a register's feed serves is what status says it is offered, and the file downloads whole.
    const st = JSON.parse((await cli(['updates', 'status', '--json', ...hubUrl])).out);
    expect(st.channels).toEqual([{ channel: 'north', version: '1.1.0', previous_version: '1.0.0', staged_percent: 50 }]);
    expect(st.releases.map((r: { version: string }) => r.version).sort()).toEqual(['1.0.0', '1.1.0']);
    for (const term of Object.keys(tokens)) {
      const row = st.terminals.find((x: { terminal_id: string }) => x.terminal_id === term);
      const inStage = stageBucket(term, '1.1.0') < 50;
      expect(row.offered).toEqual(inStage ? { version: '1.1.0', why: 'staged' } : { version: '1.0.0', why: 'not_staged' });
      const f = await feed(term);
      expect(f.why).toBe(row.offered.why);
      expect(f.text).toContain(`version: "${row.offered.version}"`);
    }
    const file = await fetch(`${hub.url}/updates/files/1.1.0/${encodeURIComponent(v2.name)}`, { headers: { authorization: `Bearer ${tokens['S1-T1']}` } });
    expect(sha512(Buffer.from(await file.arrayBuffer()))).toBe(sha512(v2.bytes));

    expect((await cli(['updates', 'pin', 'S2', '1.0.0', ...hubUrl])).out).toBe('Store S2 pinned to 1.0.0\n');
    expect((await feed('S2-T1')).why).toBe('pinned');
    const text = (await cli(['updates', 'status', '--store', 'S2', ...hubUrl])).out;
    expect(text).toMatch(/Channels:\n {2}north {2}1\.1\.0 at 50 %, others 1\.0\.0/);
    expect(text).toMatch(/Pins: S2=1\.0\.0/);
    expect(text).toMatch(/S2\tS2-T1\t-\t1\.0\.0 \(pinned\)\t-/);
    expect(text).not.toMatch(/S1-T1/);
    expect((await cli(['updates', 'pin', 'S2', 'none', ...hubUrl])).out).toBe('Store S2: pin removed (its channel decides)\n');

    expect((await cli(['updates', 'rollback', '--channel', 'north', ...hubUrl])).out).toBe('Channel north rolled back to 1.0.0 for all its registers\n');
    for (const term of Object.keys(tokens)) expect((await feed(term)).text).toContain('version: "1.0.0"');
    expect((await cli(['updates', 'rollback', '--channel', 'north', ...hubUrl])).err).toMatch(/409 CONFLICT/);
  });
});
