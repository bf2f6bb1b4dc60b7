import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sealEvent, signedBatchText, type JournalEvent } from '../../src/core/protocol';
import { spawnCli } from '../cli/run-cli';
import { openDb } from '../../src/hub/db/db';
import { migrate } from '../../src/hub/db/migrate';
import { scratchDb, testBackends } from '../../src/hub/testing/test-db';
import { api, seedStore, startTestHub } from '../../src/hub/testing/hub-fixture';
import { RegisterSim } from '../../src/hub/testing/register-sim';
import { SyncClient, createDeviceKey, deviceSigner, openJournal } from '../../src/sync';
import { saleCompletedPayload } from '../sync/fixtures/sale-payload';
import { waitFor } from '../sync/helpers';

// Device-signed chain (issue 15): a register's batches are signed with the key it made at
// enrollment; the hub verifies before applying and keeps the signatures. Forged batches (no
// signature, another key, a replaced device's key) are refused BAD_SIGNATURE and change
// nothing; a register enrolled without a key keeps working until its store requires
// signatures. `tillstream audit verify` finds a chain rewritten after signing, and the export
// verifies with openssl in a script that imports nothing of ours (check-export.mjs).

const STORE = 'SIG';

function signed(terminal: string, events: JournalEvent[], sign: (t: string) => string) {
  const first = events[0]!.seq;
  const last = events[events.length - 1]!;
  return { alg: 'ed25519', first_seq: first, last_seq: last.seq, head_hash: last.hash, sig: sign(signedBatchText(terminal, first, last.seq, last.hash)) };
}

const cli = (args: string[]) => spawnCli(args);

describe.each(testBackends())('device-signed chain on $name', (backend) => {
  const scratch = scratchDb(backend, 'sig');
  const { dir, dbOpts } = scratch;
  const configFile = path.join(dir, 'hub.json');
  writeFileSync(configFile, JSON.stringify(dbOpts));
  afterAll(async () => {
    await scratch.dispose();
  });

  it('signs, refuses forgeries and retired keys, keeps legacy registers, verifies and exports', { timeout: 400_000 }, async () => {
    let db = await openDb(dbOpts);
    await migrate(db);
    await seedStore(db, STORE, { A: 1000 });
    const hub = await startTestHub(db);
    const enroll = async (terminal: string, publicKey?: string) => {
      const code = await api(hub, 'POST', '/api/enrollment-codes', { store_id: STORE, terminal_id: terminal });
      const r = await api(hub, 'POST', '/api/enroll', { code: code.body.code, ...(publicKey ? { public_key: publicKey } : {}) }, '');
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body as { token: string; device_key: boolean };
    };
    const sims: RegisterSim[] = [];
    try {
      // A key that is not an Ed25519 public key is refused at enrollment.
      expect((await api(hub, 'POST', '/api/enroll', { code: 'AAAA-BBBB-CCCC', public_key: 'not a key' }, '')).status).toBe(400);

      // Device A: a real register (journal + SyncClient) signing with the key made at enrollment.
      const keyA = createDeviceKey();
      const credA = await enroll('SIG-1', keyA.publicKey);
      expect(credA.device_key).toBe(true);
      const journal = openJournal(path.join(dir, 'sig1.db'), { terminalId: 'SIG-1', storeId: STORE });
      const client = new SyncClient({ journal, url: hub.url, token: credA.token, appVersion: 't', monitorIntervalMs: 50, batchSize: 2, backoff: { baseMs: 20, maxMs: 200 }, sign: deviceSigner(keyA.privateKeyPem) });
      client.start();
      for (let i = 0; i < 5; i++) journal.append('sale.completed', saleCompletedPayload({ sale_id: randomUUID(), lines: [{ sku: 'A', qty: 1, price: 250 }] }, STORE, 'SIG-1', new Date().toISOString()));
      await waitFor('signed batches applied', () => client.status.unsyncedCount === 0, 60_000);
      client.stop();
      const sigRows = await db.query<{ first_seq: string; last_seq: string }>(`SELECT first_seq::text, last_seq::text FROM batch_signatures WHERE terminal_id = 'SIG-1' ORDER BY last_seq`);
      expect(sigRows.rows.length).toBeGreaterThanOrEqual(3);
      expect(Number(sigRows.rows.at(-1)!.last_seq)).toBe(5);

      // A forger with A's token but not its key: the chain links, the signature does not.
      const sim = new RegisterSim(STORE, 'SIG-1', credA.token);
      sims.push(sim);
      for (const e of journal.eventsAfter(0, 100)) {
        sim.journal.push(e);
        sim.seq = e.seq;
        sim.prevHash = e.hash;
      }
      journal.close();
      await sim.connect(hub.url);
      expect((await sim.hello()).applied_through).toBe(5);
      const forged = sim.sell([{ sku: 'A', units: 50, unit_price: 1 }]);
      const otherKey = createDeviceKey();
      const unsignedAck = await sim.push([forged]);
      expect(unsignedAck).toMatchObject({ ok: false, error: { code: 'BAD_SIGNATURE' } });
      const wrongKey = await sim.request('events.push', { terminal_id: 'SIG-1', events: [forged], signature: signed('SIG-1', [forged], deviceSigner(otherKey.privateKeyPem)) });
      expect(wrongKey).toMatchObject({ ok: false, error: { code: 'BAD_SIGNATURE' } });
      expect(wrongKey.error.message).toMatch(/does not verify/);
      // A's real signature of its own head does not cover another batch.
      const stolen = signed('SIG-1', [journalLast(sim)], deviceSigner(keyA.privateKeyPem));
      expect(await sim.request('events.push', { terminal_id: 'SIG-1', events: [forged], signature: stolen })).toMatchObject({ ok: false, error: { code: 'BAD_SIGNATURE' } });
      expect(Number((await db.query<{ n: string }>(`SELECT applied_through::text AS n FROM terminals WHERE terminal_id = 'SIG-1'`)).rows[0]!.n)).toBe(5);

      // Device A is replaced by device B (enrolled again): A's credential and key are retired.
      const keyB = createDeviceKey();
      const credB = await enroll('SIG-1', keyB.publicKey);
      await waitFor('A dropped', () => !sim.socket?.connected, 10_000);
      await expect(sim.connect(hub.url)).rejects.toThrow(/UNAUTHORIZED/);
      sim.token = credB.token;
      await sim.connect(hub.url);
      await sim.hello();
      // A batch signed with A's (retired) key over B's credential is refused; B's signature applies it.
      const byRetired = await sim.request('events.push', { terminal_id: 'SIG-1', events: [forged], signature: signed('SIG-1', [forged], deviceSigner(keyA.privateKeyPem)) });
      expect(byRetired).toMatchObject({ ok: false, error: { code: 'BAD_SIGNATURE' } });
      const byB = await sim.request('events.push', { terminal_id: 'SIG-1', events: [forged], signature: signed('SIG-1', [forged], deviceSigner(keyB.privateKeyPem)) });
      expect(byB).toMatchObject({ ok: true, applied_through: 6, rejected: [] });
      sim.close();

      // A register enrolled without a key keeps working, until its store requires signatures.
      const legacy = new RegisterSim(STORE, 'SIG-2', (await enroll('SIG-2')).token);
      sims.push(legacy);
      await legacy.connect(hub.url);
      await legacy.hello();
      expect(await legacy.push([legacy.sell([{ sku: 'A', units: 1, unit_price: 100 }])])).toMatchObject({ ok: true, applied_through: 1 });
      // HQ turns it on over the API (admin or hq only).
      const on = await api(hub, 'PUT', `/api/stores/${STORE}/integrity`, { require_signatures: true });
      expect(on.status, JSON.stringify(on.body)).toBe(200);
      expect(on.body).toEqual({ store_id: STORE, require_signatures: true, review_rules: {} });
      expect((await api(hub, 'GET', `/api/stores/${STORE}/integrity`)).body.require_signatures).toBe(true);
      expect((await api(hub, 'PUT', `/api/stores/${STORE}/integrity`, { require_signatures: 'yes' })).status).toBe(400);
      expect((await api(hub, 'PUT', `/api/stores/NOPE/integrity`, { require_signatures: true })).status).toBe(404);
      const refused = await legacy.push([legacy.sell([{ sku: 'A', units: 1, unit_price: 100 }])]);
      expect(refused).toMatchObject({ ok: false, error: { code: 'BAD_SIGNATURE' } });
      expect(refused.error.message).toMatch(/requires device-signed batches/);
      expect((await api(hub, 'PUT', `/api/stores/${STORE}/integrity`, { require_signatures: false })).body.require_signatures).toBe(false);
      expect(await legacy.push([legacy.sell([{ sku: 'A', units: 1, unit_price: 100 }])])).toMatchObject({ ok: true });
      legacy.close();

      // HQ heard of the refusals; the sync audit log has them.
      let alerts = 0;
      for (let i = 0; i < 100 && alerts === 0; i++) {
        alerts = Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM alerts WHERE kind = 'signature_refused' AND terminal_id = 'SIG-1'`)).rows[0]!.n);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(alerts).toBeGreaterThanOrEqual(1);
      const log = await api(hub, 'GET', '/api/terminals/SIG-1/sync-audit?limit=1000');
      expect(log.body.rows.filter((r: { code: string | null }) => r.code === 'BAD_SIGNATURE').length).toBe(4);
    } finally {
      for (const s of sims) s.close();
      await hub.close();
      await db.close();
    }

    // Verify: the hub's copy is intact; the refused pushes are reported.
    const ok = cli(['audit', 'verify', '--terminal', 'SIG-1', '--config', configFile]);
    expect(ok.err).toBe('');
    expect(ok.out).toMatch(/seqs 1-6, 6 events .* device-signed through seq 6/);
    expect(ok.out).toMatch(/refused: 4 pushes with a bad signature/);
    expect(ok.out).toMatch(/chain ok/);
    expect(ok.code).toBe(0);

    // Export, and check it as an outsider would: plain node + openssl, nothing of ours.
    const out = path.join(dir, 'export');
    const ex = cli(['audit', 'export', '--terminal', 'SIG-1', '--out', out, '--config', configFile]);
    expect(ex.err).toBe('');
    expect(ex.out).toMatch(/wrote 6 events, \d+ signed batches and 2 device keys/);
    const check = spawnSync(process.execPath, [path.join(__dirname, 'check-export.mjs'), out], { encoding: 'utf8' });
    const verdict = JSON.parse(check.stdout);
    expect(verdict, check.stderr).toMatchObject({ ok: true, events: 6, problems: [] });
    expect(verdict.signatures).toBeGreaterThanOrEqual(4);
    expect(check.status).toBe(0);

    // Someone with the database rewrites sale 2 and re-hashes the chain after it: the links
    // hold, the device's signatures do not.
    db = await openDb(dbOpts);
    const { rows } = await db.query<{ seq: string; event_id: string; type: string; occurred_at: string; payload: Record<string, unknown>; prev_hash: string }>(
      `SELECT seq::text AS seq, event_id::text AS event_id, type, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at, payload, prev_hash FROM journal_events WHERE terminal_id = 'SIG-1' ORDER BY seq`,
    );
    await db.exec(`ALTER TABLE journal_events DISABLE TRIGGER journal_events_append_only`);
    let prev = rows[0]!.prev_hash;
    for (const r of rows) {
      const payload = Number(r.seq) === 2 ? { ...r.payload, cashier_id: 'emp-forger' } : r.payload;
      const e = sealEvent(prev, { version: 1, terminal_id: 'SIG-1', store_id: STORE, seq: Number(r.seq), event_id: r.event_id, type: r.type, occurred_at: r.occurred_at, payload });
      await db.query(`UPDATE journal_events SET payload = $3, prev_hash = $4, hash = $5 WHERE terminal_id = $1 AND seq = $2`, ['SIG-1', Number(r.seq), JSON.stringify(payload), e.prev_hash, e.hash]);
      prev = e.hash;
    }
    await db.exec(`ALTER TABLE journal_events ENABLE TRIGGER journal_events_append_only`);
    await db.close();
    const broken = cli(['audit', 'verify', '--terminal', 'SIG-1', '--config', configFile]);
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(/first broken link: seq [2-3]: batch \d-[2-3] \(key #\d+\): the device signed head hash .* changed after they were signed/);
    const tamperedOut = path.join(dir, 'export2');
    expect(cli(['audit', 'export', '--terminal', 'SIG-1', '--out', tamperedOut, '--config', configFile]).code).toBe(0);
    const check2 = spawnSync(process.execPath, [path.join(__dirname, 'check-export.mjs'), tamperedOut], { encoding: 'utf8' });
    expect(check2.status).toBe(1);
    expect(JSON.parse(check2.stdout).problems.join('\n')).toMatch(/signed head hash is not the hash of seq/);
  });
});

function journalLast(sim: RegisterSim): JournalEvent {
  return sim.journal[sim.journal.length - 2]!;
}
