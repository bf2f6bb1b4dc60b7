import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient } from 'socket.io-client';
import { openTestDb, testBackends, type TestDb } from '../testing/test-db';
import { ADMIN_TOKEN, api, seedStore, startTestHub } from '../testing/hub-fixture';
import { createUser } from '../auth';
import type { HubHandle } from '../server';
import { hashPassword, verifyPassword } from '../passwords';

// The console's sign-in (issue 12): user name and password, a session cookie, CSRF tokens on
// every cookie-borne change, throttled failures, roles and store scopes enforced on the API
// exactly as for tokens, disabled users refused everywhere.

const PW = 'correct horse battery';

/** A browser as far as the hub can tell: a cookie jar, an Origin, and the console's CSRF header. */
class Browser {
  readonly jar = new Map<string, string>();
  csrf = '';
  lastSetCookie: string[] = [];
  constructor(
    private readonly hub: HubHandle,
    private readonly headers: Record<string, string> = {},
  ) {}
  get cookie(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  async call(method: string, path: string, body?: unknown, opts: { csrf?: string | null } = {}) {
    const csrf = opts.csrf === undefined ? this.csrf : opts.csrf;
    const res = await fetch(`${this.hub.url}${path}`, {
      method,
      headers: {
        ...this.headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.jar.size ? { cookie: this.cookie } : {}),
        ...(csrf ? { 'x-csrf-token': csrf } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    this.lastSetCookie = res.headers.getSetCookie();
    for (const c of this.lastSetCookie) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const k = pair!.slice(0, i);
      const v = pair!.slice(i + 1);
      if (v === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(c)) this.jar.delete(k);
      else this.jar.set(k, v);
    }
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }
  async signIn(user_id: string, password: string) {
    const s = await this.call('GET', '/api/session');
    this.csrf = s.body.csrf_token;
    const r = await this.call('POST', '/api/session', { user_id, password });
    if (r.status === 201) this.csrf = r.body.csrf_token;
    return r;
  }
}

function liveFeed(url: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    const s = ioClient(url, { transports: ['websocket'], extraHeaders: headers, reconnection: false, timeout: 10_000 });
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

describe('password hashing (scrypt)', () => {
  it('verifies the right password only, keeps its parameters in the hash, and refuses a short one', async () => {
    const h = await hashPassword(PW);
    expect(h).toMatch(/^scrypt\$N=32768,r=8,p=3\$/);
    expect((await verifyPassword(PW, h)).ok).toBe(true);
    expect((await verifyPassword(`${PW}!`, h)).ok).toBe(false);
    expect((await verifyPassword(PW, null)).ok).toBe(false);
    expect((await verifyPassword(PW, 'scrypt$N=1073741824,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).ok).toBe(false);
    await expect(hashPassword('short')).rejects.toThrow(/at least 10/);
    // Weaker stored parameters are upgraded at the next sign-in.
    const weak = await hashPassword(PW, { N: 1024, r: 8, p: 1 });
    expect(await verifyPassword(PW, weak)).toEqual({ ok: true, rehash: true });
  });
});

describe.each(testBackends())('console sign-in ($name)', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedStore(t.db, 'S1', { A: 5 });
    await seedStore(t.db, 'S2', { A: 5 });
    await createUser(t.db, { user_id: 'ada', name: 'Ada Admin', role: 'admin', password: PW, token: false });
    await createUser(t.db, { user_id: 'max', name: 'Max Manager', role: 'store_manager', store_ids: ['S1'], password: PW });
    // trustProxy: the tests speak for several addresses with X-Forwarded-For.
    hub = await startTestHub(t.db, { throttle: { perSource: 4, perTarget: 1000, windowMs: 60_000, lockoutMs: 60_000, maxSources: 100 }, trustProxy: true });
  }, 60_000);
  afterAll(async () => {
    await hub?.close();
    await t?.dispose();
  });

  it('signs in with a CSRF token, sets an httpOnly SameSite=Strict cookie (not Secure over plain HTTP), and the cookie is a user', async () => {
    const b = new Browser(hub, { 'x-forwarded-for': '10.0.0.1' });
    const s = await b.call('GET', '/api/session');
    expect(s.body.user).toBeNull();
    expect(b.lastSetCookie.join()).toMatch(/tillstream_csrf=.*HttpOnly.*SameSite=Strict/);
    // No CSRF token: refused before the password is even looked at (no login CSRF).
    const noCsrf = await b.call('POST', '/api/session', { user_id: 'ada', password: PW }, { csrf: null });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe('CSRF');
    const r = await b.signIn('ada', PW);
    expect(r.status).toBe(201);
    expect(r.body.user).toMatchObject({ user_id: 'ada', name: 'Ada Admin', role: 'admin' });
    const set = b.lastSetCookie.find((c) => c.startsWith('tillstream_session='))!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).not.toMatch(/Secure/);
    expect(set).toMatch(/Path=\//);
    const me = await b.call('GET', '/api/me');
    expect(me.body).toMatchObject({ kind: 'user', user_id: 'ada', role: 'admin' });
    const again = await b.call('GET', '/api/session');
    expect(again.body.user.user_id).toBe('ada');
    // The session id is not a bearer token.
    const sid = b.jar.get('tillstream_session')!;
    expect((await api(hub, 'GET', '/api/me', undefined, sid)).status).toBe(401);
  });

  it('refuses a cookie-borne change without the CSRF token, with a token of another session, and takes it with its own', async () => {
    const b = new Browser(hub, { 'x-forwarded-for': '10.0.0.2' });
    const pre = (await b.call('GET', '/api/session')).body.csrf_token as string;
    await b.signIn('ada', PW);
    const store = { store_id: 'S3', name: 'Third', currency: 'USD' };
    const none = await b.call('POST', '/api/stores', store, { csrf: null });
    expect(none.status).toBe(403);
    expect(none.body.error.code).toBe('CSRF');
    // A token made before sign-in (bound to no session) does not count after it.
    expect((await b.call('POST', '/api/stores', store, { csrf: pre })).body.error.code).toBe('CSRF');
    const other = new Browser(hub, { 'x-forwarded-for': '10.0.0.2' });
    await other.signIn('ada', PW);
    expect((await b.call('POST', '/api/stores', store, { csrf: other.csrf })).body.error.code).toBe('CSRF');
    expect((await t.db.query(`SELECT 1 FROM stores WHERE store_id = 'S3'`)).rows).toEqual([]);
    const ok = await b.call('POST', '/api/stores', store);
    expect(ok.status).toBe(201);
    // A bearer token needs no CSRF token (scripts).
    expect((await api(hub, 'POST', '/api/stores', { store_id: 'S4', name: 'Fourth', currency: 'USD' })).status).toBe(201);
  });

  it('a wrong password and an unknown user get the same answer; after 4 failures from one address even the right password is locked out', async () => {
    const b = new Browser(hub, { 'x-forwarded-for': '10.0.0.3' });
    const wrong = await b.signIn('ada', 'not the password');
    const unknown = await b.signIn('nobody', 'not the password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.code).toBe('SIGN_IN_FAILED');
    await b.signIn('max', 'wrong again!!');
    await b.signIn('max', 'and again!!!');
    const locked = await b.signIn('ada', PW);
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('LOCKED_OUT');
    // The alert is written after the refusal, not inside it (a lockout must not wait on the database).
    await expect
      .poll(async () => {
        const alerts = await t.db.query<{ data: { kind: string; source: string } }>(`SELECT data FROM alerts WHERE kind = 'auth_lockout'`);
        return alerts.rows.some((a) => a.data.kind === 'password' && a.data.source === '10.0.0.3');
      }, { timeout: 15_000, interval: 50 })
      .toBe(true);
    // Another address is not locked out.
    expect((await new Browser(hub, { 'x-forwarded-for': '10.0.0.4' }).signIn('ada', PW)).status).toBe(201);
  });

  it('guesses at one user name from many addresses lock that name, not the others', async () => {
    await createUser(t.db, { user_id: 'hugo', name: 'Hugo HQ', role: 'hq', password: PW, token: false });
    for (let i = 0; i < 4; i++) expect((await new Browser(hub, { 'x-forwarded-for': `10.1.0.${i}` }).signIn('hugo', `guess number ${i}`)).status).toBe(401);
    const locked = await new Browser(hub, { 'x-forwarded-for': '10.1.0.99' }).signIn('hugo', PW);
    expect(locked.status).toBe(429);
    expect(locked.body.error.message).toMatch(/for this user name/);
    expect((await new Browser(hub, { 'x-forwarded-for': '10.1.0.99' }).signIn('max', PW)).status).toBe(201);
  });

  it('a store manager signed in with a password is held to their stores, like their token', async () => {
    const b = new Browser(hub, { 'x-forwarded-for': '10.0.0.5' });
    expect((await b.signIn('max', PW)).status).toBe(201);
    expect((await b.call('GET', '/api/stock?store_id=S1')).status).toBe(200);
    const denied = await b.call('GET', '/api/stock?store_id=S2');
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('FORBIDDEN');
    const stores = await b.call('GET', '/api/stores');
    expect(stores.body.stores.map((s: { store_id: string }) => s.store_id)).toEqual(['S1']);
    const adjust = await b.call('POST', '/api/stock/adjustments', { store_id: 'S2', reason: 'count', items: [{ sku: 'A', quantity: { units: 1, scale: 0 } }] });
    expect(adjust.status).toBe(403);
    expect((await b.call('GET', '/api/users')).status).toBe(403);
    expect((await b.call('POST', '/api/users', { user_id: 'eve', name: 'Eve', role: 'admin', password: PW })).status).toBe(403);
  });

  it('users are managed by an admin: create with a password, change role and stores, reset the password; a disabled user is refused everywhere', async () => {
    const admin = new Browser(hub, { 'x-forwarded-for': '10.0.0.6' });
    await admin.signIn('ada', PW);
    const weak = await admin.call('POST', '/api/users', { user_id: 'sam', name: 'Sam', role: 'store_manager', store_ids: ['S2'], password: 'short' });
    expect(weak.body.error.code).toBe('WEAK_PASSWORD');
    const created = await admin.call('POST', '/api/users', { user_id: 'sam', name: 'Sam', role: 'store_manager', store_ids: ['S2'], password: PW, token: true });
    expect(created.status).toBe(201);
    const samToken = created.body.token as string;
    const sam = new Browser(hub, { 'x-forwarded-for': '10.0.0.7' });
    expect((await sam.signIn('sam', PW)).status).toBe(201);
    expect((await sam.call('GET', '/api/stock?store_id=S2')).status).toBe(200);

    // Moving Sam to S1 ends the session granted for S2.
    const moved = await admin.call('PATCH', '/api/users/sam', { store_ids: ['S1'] });
    expect(moved.body.user.store_ids).toEqual(['S1']);
    expect((await sam.call('GET', '/api/me')).status).toBe(401);
    await sam.signIn('sam', PW);
    expect((await sam.call('GET', '/api/stock?store_id=S2')).status).toBe(403);

    // A reset password: the old one no longer works, the open session ended.
    expect((await admin.call('PUT', '/api/users/sam/password', { password: 'a brand new passphrase' })).body).toEqual({ ok: true, sessions_ended: 1 });
    expect((await sam.call('GET', '/api/me')).status).toBe(401);
    expect((await sam.signIn('sam', PW)).status).toBe(401);
    expect((await sam.signIn('sam', 'a brand new passphrase')).status).toBe(201);

    // Disabled: session, password and API token all refused; the live feed too.
    const feedHeaders = { cookie: sam.cookie, origin: hub.url };
    expect(await liveFeed(hub.url, feedHeaders)).toBe('connected');
    const off = await admin.call('PATCH', '/api/users/sam', { disabled: true });
    expect(off.body.user.disabled).toBe(true);
    expect((await sam.call('GET', '/api/me')).status).toBe(401);
    expect((await new Browser(hub, { 'x-forwarded-for': '10.0.0.8' }).signIn('sam', 'a brand new passphrase')).body.error.code).toBe('SIGN_IN_FAILED');
    expect((await api(hub, 'GET', '/api/me', undefined, samToken)).status).toBe(401);
    expect(await liveFeed(hub.url, feedHeaders)).toBe('UNAUTHORIZED');
    // Enabled again: the token works again, the password too.
    await admin.call('PATCH', '/api/users/sam', { disabled: false });
    expect((await api(hub, 'GET', '/api/me', undefined, samToken)).status).toBe(200);

    const list = await admin.call('GET', '/api/users');
    expect(list.body.users.find((u: { user_id: string }) => u.user_id === 'sam')).toMatchObject({ role: 'store_manager', has_password: true, disabled: false, tokens: 1 });
    // The last enabled admin cannot be disabled or demoted (the bootstrap admin counts too).
    await admin.call('PATCH', '/api/users/admin', { disabled: true });
    const last = await admin.call('PATCH', '/api/users/ada', { role: 'hq' });
    expect(last.status).toBe(409);
    await admin.call('PATCH', '/api/users/admin', { disabled: false });
  });

  it('a user changes their own password only with the current one', async () => {
    const max = new Browser(hub, { 'x-forwarded-for': '10.0.0.9' });
    await max.signIn('max', PW);
    expect((await max.call('PUT', '/api/users/ada/password', { password: 'takeover attempt' })).status).toBe(403);
    expect((await max.call('PUT', '/api/users/max/password', { password: 'my new passphrase', current_password: 'wrong one' })).status).toBe(401);
    expect((await max.call('PUT', '/api/users/max/password', { password: 'my new passphrase', current_password: PW })).status).toBe(200);
    // Their own session stays open.
    expect((await max.call('GET', '/api/me')).status).toBe(200);
  });

  it('signs out: the session ends, the cookie is cleared, the live feed is refused; a cross-site socket is refused', async () => {
    const b = new Browser(hub, { 'x-forwarded-for': '10.0.0.10' });
    await b.signIn('ada', PW);
    const cookie = b.cookie;
    expect(await liveFeed(hub.url, { cookie, origin: 'https://evil.example' })).toBe('UNAUTHORIZED');
    expect(await liveFeed(hub.url, { cookie, origin: hub.url })).toBe('connected');
    const out = await b.call('DELETE', '/api/session');
    expect(out.status).toBe(200);
    expect(b.jar.has('tillstream_session')).toBe(false);
    expect((await fetch(`${hub.url}/api/me`, { headers: { cookie } })).status).toBe(401);
    expect(await liveFeed(hub.url, { cookie, origin: hub.url })).toBe('UNAUTHORIZED');
    // The bootstrap admin's token still works for scripts.
    expect((await api(hub, 'GET', '/api/me', undefined, ADMIN_TOKEN)).status).toBe(200);
  });
});
