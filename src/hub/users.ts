import { randomBytes } from 'node:crypto';
import type { Db, Queryable } from './db/db';
import { AuthError, hashToken, newToken, type Principal, type Role } from './auth';
import type { UserRow } from '../core/access';
import { hashPassword, verifyPassword } from './passwords';

// People of the chain (admin, hq, store managers scoped to stores): password sign-in to the
// console, sessions, and the changes an admin makes to users. Every change that takes access
// away (disable, new password, role or stores) ends the user's sessions, and the caller drops
// their live sockets with the credential ids returned.

export const USER_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** The console's session cookie (http/auth.ts sets it; the socket reads it for the live feed). */
export const SESSION_COOKIE = 'tillstream_session';
/** A console session lasts this long from sign-in, then the person signs in again. */
export const SESSION_TTL_MS = 12 * 60 * 60_000;

export type { UserRow };

export async function listUsers(db: Queryable): Promise<UserRow[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT u.user_id, u.name, u.role, u.store_ids, u.disabled_at IS NOT NULL AS disabled, u.password_hash IS NOT NULL AS has_password,
            u.created_at, u.password_changed_at,
            (SELECT count(*) FROM credentials c WHERE c.user_id = u.user_id AND c.kind = 'user' AND c.revoked_at IS NULL)::int AS tokens,
            (SELECT count(*) FROM credentials c WHERE c.user_id = u.user_id AND c.kind = 'session' AND c.revoked_at IS NULL AND c.expires_at > now())::int AS sessions
       FROM users u ORDER BY u.user_id LIMIT 10000`,
  );
  return rows.map((r) => ({
    user_id: String(r.user_id),
    name: String(r.name),
    role: r.role as Role,
    store_ids: (r.store_ids as string[]) ?? [],
    disabled: r.disabled === true,
    has_password: r.has_password === true,
    tokens: Number(r.tokens),
    sessions: Number(r.sessions),
    created_at: new Date(r.created_at as string).toISOString(),
    password_changed_at: r.password_changed_at ? new Date(r.password_changed_at as string).toISOString() : null,
  }));
}

async function revokeUserSessions(db: Queryable, userId: string, except?: number): Promise<number[]> {
  const { rows } = await db.query<{ credential_id: string }>(
    `UPDATE credentials SET revoked_at = now() WHERE user_id = $1 AND kind = 'session' AND revoked_at IS NULL AND credential_id <> $2
     RETURNING credential_id::text AS credential_id`,
    [userId, except ?? 0],
  );
  return rows.map((r) => Number(r.credential_id));
}

/** Every live credential of the user (tokens and sessions): their sockets are dropped when the user is disabled. */
async function liveCredentials(db: Queryable, userId: string): Promise<number[]> {
  const { rows } = await db.query<{ credential_id: string }>(`SELECT credential_id::text AS credential_id FROM credentials WHERE user_id = $1 AND revoked_at IS NULL`, [userId]);
  return rows.map((r) => Number(r.credential_id));
}

/** The chain keeps at least one enabled admin: nobody could manage users otherwise. */
async function assertAnotherAdmin(tx: Queryable, userId: string): Promise<void> {
  const { rows } = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND disabled_at IS NULL AND user_id <> $1`, [userId]);
  if (Number(rows[0]!.n) === 0) throw new AuthError('CONFLICT', 'this is the last enabled admin; make another admin first', 'user_id');
}

export interface UserChange {
  name?: string;
  role?: Role;
  store_ids?: string[];
  disabled?: boolean;
}

/** An admin changes a user; returns credential ids whose sockets must be dropped. */
export async function updateUser(db: Db, userId: string, change: UserChange, by: string): Promise<{ user: UserRow; dropped: number[] }> {
  const dropped = await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ role: Role; store_ids: string[]; disabled: boolean }>(
      `SELECT role, store_ids, disabled_at IS NOT NULL AS disabled FROM users WHERE user_id = $1 FOR UPDATE`,
      [userId],
    );
    const cur = rows[0];
    if (!cur) throw new AuthError('NOT_FOUND', `unknown user ${userId}`, 'user_id');
    const role = change.role ?? cur.role;
    const storeIds = change.store_ids ?? (role === 'store_manager' ? cur.store_ids : []);
    if (role === 'store_manager' && storeIds.length === 0) throw new AuthError('BAD_REQUEST', 'a store_manager needs at least one store', 'store_ids');
    for (const s of storeIds) {
      const st = await tx.query(`SELECT 1 FROM stores WHERE store_id = $1`, [s]);
      if (!st.rows.length) throw new AuthError('BAD_REQUEST', `unknown store ${s}`, 'store_ids');
    }
    const losesAdmin = cur.role === 'admin' && !cur.disabled && (role !== 'admin' || change.disabled === true);
    if (losesAdmin) await assertAnotherAdmin(tx, userId);
    await tx.query(
      `UPDATE users SET name = COALESCE($2, name), role = $3, store_ids = $4,
              disabled_at = CASE WHEN $5::boolean IS NULL THEN disabled_at WHEN $5 THEN COALESCE(disabled_at, now()) ELSE NULL END,
              disabled_by = CASE WHEN $5::boolean IS NULL THEN disabled_by WHEN $5 THEN $6 ELSE NULL END
        WHERE user_id = $1`,
      [userId, change.name ?? null, role, storeIds, change.disabled ?? null, by],
    );
    // Less access than before: the open sessions were granted for the old role and stores.
    const narrowed = role !== cur.role || storeIds.join(',') !== cur.store_ids.join(',');
    if (change.disabled === true) return [...(await revokeUserSessions(tx, userId)), ...(await liveCredentials(tx, userId))];
    if (narrowed) return revokeUserSessions(tx, userId);
    return [];
  });
  const user = (await listUsers(db)).find((u) => u.user_id === userId)!;
  return { user, dropped: [...new Set(dropped)] };
}

/**
 * Sets a user's password (an admin's reset, the CLI, or the user with their current one);
 * ends their other sessions.
 */
export async function setPassword(db: Db, userId: string, password: string, keepSession?: number): Promise<{ dropped: number[] }> {
  const hash = await hashPassword(password);
  return db.transaction(async (tx) => {
    const { rowCount } = await tx.query(`UPDATE users SET password_hash = $2, password_changed_at = now() WHERE user_id = $1`, [userId, hash]);
    if (!rowCount) throw new AuthError('NOT_FOUND', `unknown user ${userId}`, 'user_id');
    return { dropped: await revokeUserSessions(tx, userId, keepSession) };
  });
}

export class SignInError extends Error {
  constructor() {
    // One message for every cause (no such user, no password, wrong password, disabled), so
    // the answer does not tell a guesser which user names exist.
    super('user name or password is wrong, or the user is disabled');
    this.name = 'SignInError';
  }
}

export interface Session {
  token: string;
  credential_id: number;
  expires_at: string;
  principal: Extract<Principal, { kind: 'user' }>;
}

/** Checks a user name and password and opens a session; SignInError when anything is wrong. */
export async function signIn(db: Db, userId: string, password: string, ttlMs = SESSION_TTL_MS): Promise<Session> {
  const { rows } = await db.query<{ password_hash: string | null; role: Role; store_ids: string[]; disabled: boolean }>(
    `SELECT password_hash, role, store_ids, disabled_at IS NOT NULL AS disabled FROM users WHERE user_id = $1`,
    [USER_ID_RE.test(userId) ? userId : ''],
  );
  const u = rows[0];
  const { ok, rehash } = await verifyPassword(password, u?.password_hash ?? null);
  if (!u || !ok || u.disabled) throw new SignInError();
  if (rehash) await db.query(`UPDATE users SET password_hash = $2 WHERE user_id = $1`, [userId, await hashPassword(password)]);
  const token = newToken('tss');
  const { rows: ins } = await db.query<{ credential_id: string; expires_at: Date }>(
    `INSERT INTO credentials (token_hash, kind, user_id, expires_at) VALUES ($1, 'session', $2, now() + make_interval(secs => $3))
     RETURNING credential_id::text AS credential_id, expires_at`,
    [hashToken(token), userId, Math.round(ttlMs / 1000)],
  );
  const credential_id = Number(ins[0]!.credential_id);
  // Expired and revoked sessions are kept a day for the record, then dropped; bounded per sign-in.
  await db.query(
    `DELETE FROM credentials WHERE credential_id IN (SELECT credential_id FROM credentials WHERE kind = 'session'
       AND COALESCE(revoked_at, expires_at) < now() - interval '1 day' LIMIT 100)`,
  );
  return { token, credential_id, expires_at: new Date(ins[0]!.expires_at).toISOString(), principal: { kind: 'user', credential_id, user_id: userId, role: u.role, store_ids: u.store_ids ?? [] } };
}

export async function signOut(db: Queryable, credentialId: number): Promise<void> {
  await db.query(`UPDATE credentials SET revoked_at = now() WHERE credential_id = $1 AND kind = 'session' AND revoked_at IS NULL`, [credentialId]);
}

/** A secret shared by every hub process of the chain, made once (see hub_secrets in migration 018). */
export async function hubSecret(db: Queryable, name: string): Promise<string> {
  await db.query(`INSERT INTO hub_secrets (name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [name, randomBytes(32).toString('base64url')]);
  const { rows } = await db.query<{ secret: string }>(`SELECT secret FROM hub_secrets WHERE name = $1`, [name]);
  return rows[0]!.secret;
}
