import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { randomUUID, X509Certificate } from 'node:crypto';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { createEnrollmentCode, createStore, startHub, type HubHandle } from '../../src/hub';
import { tlsInit, type TlsInitResult } from '../../src/hub/tls/init';
import { certFingerprint } from '../../src/hub/tls/pki';
import { deviceSigner, openJournal, SyncClient, hubEndpointProblem, type Journal } from '../../src/sync';
import { enrollRegister, parseRegisterConfig, redeemWithHub } from '../../src/main/register';
import { tempDir, waitFor } from '../sync/helpers';

// The hub on HTTPS/WSS from a private CA made by `hub tls init`; a register enrolled with the
// CA's pin syncs over it; a renewed certificate is taken without dropping the register; a
// register pinned to another CA refuses the hub and says why; plain http to another host is
// refused at the address check, before anything is sent.

const ADMIN = `admin-${randomUUID()}`;
const leafOf = (host: string, port: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const s = tls.connect({ host, port, rejectUnauthorized: false }, () => {
      const fp = certFingerprint(new X509Certificate(s.getPeerCertificate().raw).toString());
      s.destroy();
      resolve(fp);
    });
    s.on('error', reject);
  });

function shiftOpened(j: Journal) {
  return j.append('shift.opened', { shift_id: randomUUID(), store_id: 'store-001', terminal_id: j.terminalId, cashier_id: '1001', currency: 'USD', opening_float: 10_000, opened_at: new Date().toISOString() } as never);
}

describe('hub TLS and pinned registers', { timeout: 180_000 }, () => {
  const tmp = tempDir('tillstream-tls-');
  let a: TlsInitResult;
  let b: TlsInitResult;
  let hubA: HubHandle;
  let hubB: HubHandle;

  beforeAll(async () => {
    a = await tlsInit({ dir: path.join(tmp.dir, 'a'), names: ['localhost', '127.0.0.1'] });
    b = await tlsInit({ dir: path.join(tmp.dir, 'b'), names: ['localhost', '127.0.0.1'] });
    hubA = await startHub({ port: 0, host: '127.0.0.1', logLevel: 'silent', adminToken: ADMIN, tls: { certFile: a.cert, keyFile: a.key } });
    hubB = await startHub({ port: 0, host: '127.0.0.1', logLevel: 'silent', adminToken: ADMIN, tls: { certFile: b.cert, keyFile: b.key } });
    for (const h of [hubA, hubB]) await createStore(h.db, { store_id: 'store-001', name: 'Main', currency: 'USD' });
  });
  afterAll(async () => {
    await hubA?.close();
    await hubB?.close();
    tmp.cleanup();
  });

  it('serves HTTPS with the tls init certificate, and the enrollment code carries the CA pin', async () => {
    expect(hubA.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(hubA.tlsPin()).toBe(a.pin);
    expect(a.pin).not.toBe(b.pin);
    const body = await new Promise<{ status: number; json: { pin: string; code: string } }>((resolve, reject) => {
      const req = https.request(`${hubA.url}/api/enrollment-codes`, { method: 'POST', ca: readFileSync(a.caCert), headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' } }, (res) => {
        let t = '';
        res.on('data', (c) => (t += c));
        res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(t) }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ store_id: 'store-001', terminal_id: 'T01' }));
    });
    expect(body.status).toBe(201);
    expect(body.json.pin).toBe(a.pin);
  });

  it('enrolls with the pin, syncs over wss, and keeps its socket while the hub takes a renewed certificate', async () => {
    const { code } = await createEnrollmentCode(hubA.db, { store_id: 'store-001', terminal_id: 'T02' });
    const enrolled = await redeemWithHub({ hub: hubA.url, code, pin: a.pin });
    expect(enrolled.hub.pin).toBe(a.pin);
    expect(certFingerprint(enrolled.hub.ca!)).toBe(a.pin);
    const journal = openJournal(path.join(tmp.dir, 't02.sqlite'), { terminalId: 'T02', storeId: 'store-001' });
    const sync = new SyncClient({ journal, url: enrolled.hub.url, token: enrolled.hub.token, ...(enrolled.hub.device_key ? { sign: deviceSigner(enrolled.hub.device_key) } : {}), trust: enrolled.hub, appVersion: 'test', monitorIntervalMs: 50, backoff: { baseMs: 20, maxMs: 200 } });
    const errors: string[] = [];
    sync.on('error', (e) => errors.push(e.message));
    try {
      sync.start();
      shiftOpened(journal);
      await waitFor('first event synced over wss', () => sync.status.appliedThrough === 1);
      const socketId = [...hubA.io.sockets.sockets.keys()];
      expect(socketId).toHaveLength(1);

      const before = await leafOf('127.0.0.1', hubA.port);
      await tlsInit({ dir: path.join(tmp.dir, 'a'), names: ['localhost', '127.0.0.1'], force: true });
      // The folder watch reloads it; a fresh handshake sees the new leaf (same CA, same pin).
      let after = before;
      await waitFor('renewed certificate served', () => {
        void leafOf('127.0.0.1', hubA.port).then((f) => (after = f));
        return after !== before;
      }, 30_000, 200);
      expect(hubA.tlsPin()).toBe(a.pin);
      shiftOpened(journal);
      await waitFor('second event synced on the same socket', () => sync.status.appliedThrough === 2);
      expect([...hubA.io.sockets.sockets.keys()]).toEqual(socketId);
      expect(errors).toEqual([]);

      // A key that does not belong to the certificate is refused; the hub keeps serving the last good pair.
      const good = readFileSync(a.key);
      writeFileSync(a.key, readFileSync(path.join(tmp.dir, 'b', 'server-key.pem')));
      expect(hubA.reloadTls()).toBe(false);
      expect(await leafOf('127.0.0.1', hubA.port)).toBe(after);
      writeFileSync(a.key, good);
    } finally {
      sync.stop();
      journal.close();
    }
  });

  it('a register pinned to another certificate refuses the hub and says why; its code is not spent', async () => {
    // Enrollment: the pinned certificate is fetched first; the code never leaves the register.
    const { code } = await createEnrollmentCode(hubB.db, { store_id: 'store-001', terminal_id: 'T03' });
    await expect(redeemWithHub({ hub: hubB.url, code, pin: a.pin })).rejects.toThrow(/none of them the pin sha256:[0-9a-f]{64}: wrong hub/);
    const again = await redeemWithHub({ hub: hubB.url, code, pin: b.pin });
    expect(again.terminal_id).toBe('T03');

    // A register enrolled with hub A's CA, pointed at hub B (another certificate at the same kind of address).
    const { code: codeA } = await createEnrollmentCode(hubA.db, { store_id: 'store-001', terminal_id: 'T03' });
    const atA = await redeemWithHub({ hub: hubA.url, code: codeA, pin: a.pin });
    const journal = openJournal(path.join(tmp.dir, 't03.sqlite'), { terminalId: 'T03', storeId: 'store-001' });
    const sync = new SyncClient({ journal, url: hubB.url, token: again.hub.token, trust: atA.hub, appVersion: 'test', monitorIntervalMs: 50, backoff: { baseMs: 20, maxMs: 200 } });
    try {
      sync.start();
      shiftOpened(journal);
      await waitFor('refusal recorded', () => sync.status.lastError !== null);
      expect(sync.status.lastError).toMatch(/refusing the hub: its certificate (chain does not lead to|was not issued by) the certificate pinned at enrollment/);
      expect(sync.status.connected).toBe(false);
      expect(sync.status.appliedThrough).toBe(0);
      const t = await hubB.db.query<{ applied_through: string }>(`SELECT applied_through::text FROM terminals WHERE terminal_id = 'T03'`);
      expect(Number(t.rows[0]!.applied_through)).toBe(0);
    } finally {
      sync.stop();
      journal.close();
    }
  });

  it('refuses plain http and unpinned https to a non-loopback host unless store IT passes insecure', async () => {
    // hub.invalid never resolves (RFC 6761): a refusal here happened before any connection.
    expect(hubEndpointProblem({ url: 'http://hub.invalid:8080' })?.code).toBe('INSECURE_URL');
    expect(hubEndpointProblem({ url: 'https://hub.invalid' })?.code).toBe('NO_PIN');
    expect(hubEndpointProblem({ url: 'http://10.1.2.3' })?.code).toBe('INSECURE_URL');
    expect(hubEndpointProblem({ url: 'http://127.0.0.2:9' })).toBeNull();
    expect(hubEndpointProblem({ url: 'http://localhost:9' })).toBeNull();
    expect(hubEndpointProblem({ url: 'http://[::1]:9' })).toBeNull();
    expect(hubEndpointProblem({ url: 'http://hub.invalid', insecure: true })).toBeNull();
    expect(hubEndpointProblem({ url: 'https://hub.invalid', pin: 'sha256:zz' })?.code).toBe('BAD_PIN');

    const example = path.resolve('resources/register.example.json');
    const file = path.join(tmp.dir, 'register.json');
    copyFileSync(example, file);
    const before = readFileSync(file, 'utf8');
    await expect(enrollRegister({ hub: 'http://hub.invalid:8080', code: 'ABCD-EFGH-JKMN', config: file })).rejects.toThrow(/plain http:\/\/ to hub\.invalid is refused/);
    await expect(enrollRegister({ hub: 'https://hub.invalid', code: 'ABCD-EFGH-JKMN', config: file })).rejects.toThrow(/no pinned certificate for hub\.invalid/);
    expect(readFileSync(file, 'utf8')).toBe(before);

    // A config carrying such a hub does not load, and the sync client will not open it.
    const cfg = JSON.parse(before) as Record<string, unknown>;
    expect(() => parseRegisterConfig({ ...cfg, hub: { url: 'http://hub.invalid', token: 'tsr_x' } })).toThrow(/plain http/);
    expect(parseRegisterConfig({ ...cfg, hub: { url: 'http://hub.invalid', token: 'tsr_x', insecure: true } }).hub?.insecure).toBe(true);
    const journal = openJournal(path.join(tmp.dir, 't09.sqlite'), { terminalId: 'T09', storeId: 'store-001' });
    try {
      expect(() => new SyncClient({ journal, url: 'http://hub.invalid', token: 'tsr_x', appVersion: 't' })).toThrow(/plain http/);
    } finally {
      journal.close();
    }
  });
});
