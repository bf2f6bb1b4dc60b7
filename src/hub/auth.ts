import { createHash, randomBytes } from 'node:crypto';
import type { Db, Queryable } from './db/db';
import { hashPassword } from './passwords';

// Credentials: random bearer tokens, stored only as SHA-256. A register's credential comes
// from redeeming a one-time enrollment code and binds it to one store and one terminal.

import type { Role } from '../core/access';

export type { Role };

export type Principal =
  | { kind: 'user'; credential_id: number; user_id: string; role: Role; store_ids: string[] }
  | {
      kind: 'register';
      credential_id: number;
      terminal_id: string;
      store_id: string;
      /**
       * The credential was enrolled with a device key (fixed for its life: a new key comes with
       * a new credential), so every batch it pushes must be signed. Absent: not known here.
       */
      device_key?: boolean;
    };

export class AuthError extends Error {
  constructor(
    readonly code: 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'BAD_REQUEST',
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

/** A unique violation (SQLSTATE 23505) from a row another request created at the same moment. */
export const isUniqueViolation = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === '23505';

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export function newToken(prefix: 'tsr' | 'tsu' | 'tss'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

// Crockford-ish alphabet without look-alikes, so a code can be read aloud or typed on a register.
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';
export function newEnrollmentCode(): string {
  const bytes = randomBytes(12);
  let s = '';
  for (const b of bytes) s += CODE_ALPHABET[b % CODE_ALPHABET.length];
  return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8, 12)}`;
}
const normalizeCode = (code: string): string => code.trim().toUpperCase().replace(/[\s-]/g, '');

/**
 * Who a secret belongs to. A bearer token (Authorization header, socket auth) finds user and
 * register credentials; the console's session cookie finds only sessions, which also end at
 * expires_at. A disabled user is nobody, whatever they present.
 */
export async function authenticate(db: Queryable, token: string | undefined | null, via: 'bearer' | 'session' = 'bearer'): Promise<Principal | null> {
  if (typeof token !== 'string' || token.length < 8 || token.length > 200) return null;
  const { rows } = await db.query<{
    credential_id: number;
    kind: 'user' | 'register' | 'session';
    user_id: string | null;
    terminal_id: string | null;
    store_id: string | null;
    role: Role | null;
    store_ids: string[] | null;
    device_key: boolean;
  }>(
    `SELECT c.credential_id, c.kind, c.user_id, c.terminal_id, c.store_id, u.role, u.store_ids, c.public_key IS NOT NULL AS device_key
       FROM credentials c LEFT JOIN users u ON u.user_id = c.user_id
      WHERE c.token_hash = $1 AND c.revoked_at IS NULL AND c.kind = ANY($2::text[])
        AND (c.expires_at IS NULL OR c.expires_at > now())
        AND (c.kind = 'register' OR u.disabled_at IS NULL)`,
    [hashToken(token), via === 'session' ? ['session'] : ['user', 'register']],
  );
  const r = rows[0];
  if (!r) return null;
  if (r.kind === 'register') return { kind: 'register', credential_id: Number(r.credential_id), terminal_id: r.terminal_id!, store_id: r.store_id!, device_key: r.device_key === true };
  return { kind: 'user', credential_id: Number(r.credential_id), user_id: r.user_id!, role: r.role!, store_ids: r.store_ids ?? [] };
}

/** Can this principal manage (read/write HQ data of) the store? */
export function canManageStore(p: Principal, storeId: string): boolean {
  if (p.kind === 'register') return false;
  return p.role === 'admin' || p.role === 'hq' || p.store_ids.includes(storeId);
}
export const isChainWide = (p: Principal): boolean => p.kind === 'user' && (p.role === 'admin' || p.role === 'hq');

export function requireRole(p: Principal, roles: Role[]): void {
  if (p.kind !== 'user' || !roles.includes(p.role)) throw new AuthError('FORBIDDEN', `requires role ${roles.join(' or ')}`);
}

/** Creates the bootstrap admin user and its token on first start (idempotent). */
export async function ensureBootstrapAdmin(db: Db, token: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`INSERT INTO users (user_id, name, role) VALUES ('admin', 'Bootstrap admin', 'admin') ON CONFLICT (user_id) DO NOTHING`);
    await tx.query(`INSERT INTO credentials (token_hash, kind, user_id) VALUES ($1, 'user', 'admin') ON CONFLICT (token_hash) DO NOTHING`, [hashToken(token)]);
  });
}

/**
 * Creates a user. With a password they can sign in to the console; an API token (shown once)
 * is made unless `token` is false, for scripts. Either or both; a user with neither can do
 * nothing until an admin sets a password.
 */
export async function createUser(
  db: Db,
  u: { user_id: string; name: string; role: Role; store_ids?: string[]; password?: string; token?: boolean },
): Promise<{ user_id: string; token: string | null; credential_id: number | null }> {
  const passwordHash = u.password === undefined ? null : await hashPassword(u.password);
  // Two requests creating the same user at once: the loser's INSERT meets the winner's row
  // in the unique index (23505) and gets the same CONFLICT as a later request would.
  return db.transaction(async (tx) => {
    const existing = await tx.query(`SELECT 1 FROM users WHERE user_id = $1`, [u.user_id]);
    if (existing.rows.length) throw new AuthError('CONFLICT', `user ${u.user_id} already exists`, 'user_id');
    for (const s of u.store_ids ?? []) {
      const st = await tx.query(`SELECT 1 FROM stores WHERE store_id = $1`, [s]);
      if (!st.rows.length) throw new AuthError('BAD_REQUEST', `unknown store ${s}`, 'store_ids');
    }
    await tx.query(
      `INSERT INTO users (user_id, name, role, store_ids, password_hash, password_changed_at) VALUES ($1, $2, $3, $4, $5, CASE WHEN $5::text IS NULL THEN NULL ELSE now() END)`,
      [u.user_id, u.name, u.role, u.store_ids ?? [], passwordHash],
    );
    if (u.token === false) return { user_id: u.user_id, token: null, credential_id: null };
    const token = newToken('tsu');
    const { rows } = await tx.query<{ credential_id: number }>(
      `INSERT INTO credentials (token_hash, kind, user_id) VALUES ($1, 'user', $2) RETURNING credential_id`,
      [hashToken(token), u.user_id],
    );
    return { user_id: u.user_id, token, credential_id: Number(rows[0]!.credential_id) };
  }).catch((err: unknown) => {
    if (isUniqueViolation(err)) throw new AuthError('CONFLICT', `user ${u.user_id} already exists (created by a concurrent request)`, 'user_id');
    throw err;
  });
}

export async function createEnrollmentCode(
  db: Queryable,
  o: { store_id: string; terminal_id: string; ttl_minutes?: number; created_by?: string },
): Promise<{ code: string; code_id: number; store_id: string; terminal_id: string; expires_at: string }> {
  const st = await db.query(`SELECT 1 FROM stores WHERE store_id = $1`, [o.store_id]);
  if (!st.rows.length) throw new AuthError('NOT_FOUND', `unknown store ${o.store_id}`, 'store_id');
  const term = await db.query<{ store_id: string }>(`SELECT store_id FROM terminals WHERE terminal_id = $1`, [o.terminal_id]);
  if (term.rows[0] && term.rows[0].store_id !== o.store_id) {
    throw new AuthError('CONFLICT', `terminal ${o.terminal_id} belongs to store ${term.rows[0].store_id}`, 'terminal_id');
  }
  const code = newEnrollmentCode();
  const ttl = o.ttl_minutes ?? 24 * 60;
  const { rows } = await db.query<{ expires_at: Date; code_id: string }>(
    `INSERT INTO enrollment_codes (code_hash, store_id, terminal_id, created_by, expires_at)
     VALUES ($1, $2, $3, $4, now() + make_interval(mins => $5)) RETURNING expires_at, code_id::text AS code_id`,
    [hashToken(normalizeCode(code)), o.store_id, o.terminal_id, o.created_by ?? null, ttl],
  );
  return { code, code_id: Number(rows[0]!.code_id), store_id: o.store_id, terminal_id: o.terminal_id, expires_at: new Date(rows[0]!.expires_at).toISOString() };
}

/**
 * Exchanges a code, once, for the register's own credential. Re-enrolling a terminal
 * (replacement hardware) revokes its earlier credentials.
 */
export async function redeemEnrollmentCode(
  db: Db,
  code: string,
  /** The register's Ed25519 public key (base64 SPKI DER, checked by the caller): kept on its credential. */
  publicKey?: string,
): Promise<{
  token: string;
  store_id: string;
  terminal_id: string;
  /** A replacement code: the device takes over the terminal's chain (GET /api/register/handover). */
  replacement: boolean;
  /** Credentials this revoked: drop their sockets. */
  revoked: number[];
}> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ store_id: string; terminal_id: string; used: boolean; expired: boolean; revoked: boolean; replacement: boolean }>(
      `SELECT store_id, terminal_id, used_at IS NOT NULL AS used, expires_at < now() AS expired, revoked_at IS NOT NULL AS revoked, replacement
         FROM enrollment_codes WHERE code_hash = $1 FOR UPDATE`,
      [hashToken(normalizeCode(code))],
    );
    const r = rows[0];
    if (!r) throw new AuthError('UNAUTHORIZED', 'unknown enrollment code', 'code');
    if (r.revoked) throw new AuthError('UNAUTHORIZED', 'enrollment code was revoked', 'code');
    if (r.used) throw new AuthError('UNAUTHORIZED', 'enrollment code was already used', 'code');
    if (r.expired) throw new AuthError('UNAUTHORIZED', 'enrollment code has expired', 'code');
    await tx.query(`UPDATE enrollment_codes SET used_at = now() WHERE code_hash = $1`, [hashToken(normalizeCode(code))]);
    const term = await tx.query<{ store_id: string }>(`SELECT store_id FROM terminals WHERE terminal_id = $1 FOR UPDATE`, [r.terminal_id]);
    if (term.rows[0] && term.rows[0].store_id !== r.store_id) throw new AuthError('CONFLICT', `terminal ${r.terminal_id} belongs to another store`, 'code');
    if (!term.rows[0]) await tx.query(`INSERT INTO terminals (terminal_id, store_id) VALUES ($1, $2)`, [r.terminal_id, r.store_id]);
    const revoked = await tx.query<{ credential_id: number }>(
      `UPDATE credentials SET revoked_at = now() WHERE kind = 'register' AND terminal_id = $1 AND revoked_at IS NULL RETURNING credential_id`,
      [r.terminal_id],
    );
    const token = newToken('tsr');
    await tx.query(`INSERT INTO credentials (token_hash, kind, terminal_id, store_id, public_key) VALUES ($1, 'register', $2, $3, $4)`, [
      hashToken(token),
      r.terminal_id,
      r.store_id,
      publicKey ?? null,
    ]);
    return { token, store_id: r.store_id, terminal_id: r.terminal_id, replacement: r.replacement === true, revoked: revoked.rows.map((x) => Number(x.credential_id)) };
  }).catch((err: unknown) => {
    // Several codes for one new terminal redeemed at once: one creates the terminal, the
    // others meet its row in the unique index. Their codes stay unused (the transaction rolled
    // back), so store IT can redeem again to replace the winner's credential on purpose.
    if (isUniqueViolation(err)) throw new AuthError('CONFLICT', 'this terminal was enrolled by another code at the same moment; try again to re-enroll it', 'code');
    throw err;
  });
}

/** Revokes credentials; returns the revoked credential ids (so live sockets can be dropped). */
export async function revokeCredentials(
  db: Queryable,
  target: { terminal_id: string } | { user_id: string } | { credential_id: number },
): Promise<number[]> {
  const [col, val] =
    'terminal_id' in target ? ['terminal_id', target.terminal_id] : 'user_id' in target ? ['user_id', target.user_id] : ['credential_id', target.credential_id];
  const { rows } = await db.query<{ credential_id: number }>(
    `UPDATE credentials SET revoked_at = now() WHERE ${col} = $1 AND revoked_at IS NULL RETURNING credential_id`,
    [val],
  );
  return rows.map((r) => r.credential_id);
}

export async function credentialStore(db: Queryable, credentialId: number): Promise<string | null> {
  const { rows } = await db.query<{ store_id: string | null }>(`SELECT store_id FROM credentials WHERE credential_id = $1`, [credentialId]);
  return rows[0]?.store_id ?? null;
}
