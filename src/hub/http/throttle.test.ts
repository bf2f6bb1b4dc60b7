import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient } from 'socket.io-client';
import { openTestDb, type TestDb } from '../testing/test-db';
import { ADMIN_TOKEN, api, enrollRegister, seedStore, startTestHub } from '../testing/hub-fixture';
import { createEnrollmentCode } from '../auth';
import { AuthThrottle, type LockoutNotice } from '../auth-throttle';
import type { HubHandle } from '../server';

// Issue 9 item 12: guessing enrollment codes, API tokens or register credentials is throttled
// per source and per target, locks out after repeated failures, and raises an alert to HQ.

const LIMITS = { perSource: 5, perTarget: 1000, windowMs: 60_000, lockoutMs: 60_000, maxSources: 100 };

function connectError(url: string, token: string): Promise<string> {
  return new Promise((resolve) => {
    const s = ioClient(url, { transports: ['websocket'], auth: { token }, reconnection: false, timeout: 10_000 });
    s.on('connect', () => {
      s.close();
      resolve('connected');
    });
    s.on('connect_error', (err) => {
      s.close();
      resolve(err.message);
    });
  });
}

describe('failed-secret throttle against a real hub', () => {
  let t: TestDb;
  let hub: HubHandle;
  beforeAll(async () => {
    t = await openTestDb({ name: 'pglite' });
    await seedStore(t.db, 'S', {});
    hub = await startTestHub(t.db, { throttle: LIMITS });
  });
  afterAll(async () => {
    await hub?.close();
    await t?.dispose();
  });
  const lockoutAlerts = async () =>
    (await t.db.query<{ message: string; data: LockoutNotice }>(`SELECT message, data FROM alerts WHERE kind = 'auth_lockout' ORDER BY alert_id`)).rows;

  it('enrollment codes: 5 wrong guesses, then even a right code is refused with 429 LOCKED_OUT, and HQ gets one alert', async () => {
    const { code } = await createEnrollmentCode(t.db, { store_id: 'S', terminal_id: 'S-9' });
    for (let i = 0; i < 5; i++) {
      const r = await api(hub, 'POST', '/api/enroll', { code: `WRONG-CODE-${i}` }, '');
      expect(r.status).toBe(401);
    }
    const locked = await api(hub, 'POST', '/api/enroll', { code }, '');
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('LOCKED_OUT');
    const creds = await t.db.query(`SELECT 1 FROM credentials WHERE terminal_id = 'S-9'`);
    expect(creds.rows).toEqual([]);
    const alerts = await lockoutAlerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.data).toMatchObject({ kind: 'enrollment_code', scope: 'source', failures: 5 });
    const seen = await api(hub, 'GET', '/api/alerts');
    expect(seen.body.alerts.some((a: { kind: string }) => a.kind === 'auth_lockout')).toBe(true);
  });

  it('register credentials over socket.io: 5 bad tokens, then the good one is refused LOCKED_OUT', async () => {
    const reg = await enrollRegister(t.db, 'S', 'S-1');
    expect(await connectError(hub.url, reg.token)).toBe('connected');
    for (let i = 0; i < 5; i++) expect(await connectError(hub.url, `tsr_guess_${i}_xxxxxxxxxxxxxxxx`)).toBe('UNAUTHORIZED');
    expect(await connectError(hub.url, reg.token)).toBe('LOCKED_OUT');
    const alerts = await lockoutAlerts();
    expect(alerts.map((a) => a.data.kind)).toContain('register_credential');
  });

  it('API tokens: 5 bad bearer tokens lock the source out of the API, the admin token included', async () => {
    expect((await api(hub, 'GET', '/api/me')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await api(hub, 'GET', '/api/me', undefined, `tsu_guess_${i}_xxxxxxxx`)).status).toBe(401);
    const locked = await api(hub, 'GET', '/api/me', undefined, ADMIN_TOKEN);
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('LOCKED_OUT');
    const alerts = await lockoutAlerts();
    expect(alerts.map((a) => a.data.kind)).toContain('api_token');
  });
});

describe('AuthThrottle', () => {
  it('locks per source and kind, expires, and keeps locked sources when memory is bounded', () => {
    let now = 0;
    const notices: LockoutNotice[] = [];
    const th = new AuthThrottle({ perSource: 3, perTarget: 50, windowMs: 1000, lockoutMs: 5000, maxSources: 10 }, (n) => notices.push(n), () => now);
    for (let i = 0; i < 3; i++) th.failed('api_token', 'evil');
    expect(() => th.check('api_token', 'evil')).toThrow(/locked/);
    expect(() => th.check('enrollment_code', 'evil')).not.toThrow();
    expect(() => th.check('api_token', 'other')).not.toThrow();
    // 1,000 other sources fail once each: memory stays bounded and the locked source is not forgotten.
    for (let i = 0; i < 1000; i++) th.failed('api_token', `s${i}`);
    expect(th.trackedSources).toBeLessThanOrEqual(11);
    expect(() => th.check('api_token', 'evil')).toThrow(/locked/);
    now += 5001;
    expect(() => th.check('api_token', 'evil')).not.toThrow();
    // Failures spread beyond the window do not add up.
    for (let i = 0; i < 10; i++) {
      now += 600;
      th.failed('api_token', 'slow');
    }
    expect(() => th.check('api_token', 'slow')).not.toThrow();
    expect(notices.filter((n) => n.scope === 'source').map((n) => n.source)).toEqual(['evil']);
    expect(notices.some((n) => n.scope === 'target')).toBe(true); // > 50 failures chain-wide
  });

  it('enrollment codes lock chain-wide after too many failures from all sources', () => {
    const th = new AuthThrottle({ perSource: 100, perTarget: 20, windowMs: 60_000, lockoutMs: 60_000, maxSources: 1000 });
    for (let i = 0; i < 20; i++) th.failed('enrollment_code', `10.0.0.${i}`);
    expect(() => th.check('enrollment_code', '10.9.9.9')).toThrow(/chain-wide/);
    for (let i = 0; i < 20; i++) th.failed('api_token', `10.0.0.${i}`);
    expect(() => th.check('api_token', '10.9.9.9')).not.toThrow();
  });
});
