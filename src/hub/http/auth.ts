import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/db';
import { authenticate, canManageStore, type Principal, type Role } from '../auth';
import { HttpError } from './errors';
import type { SecretKind } from '../auth-throttle';

// Who is calling: a bearer token resolved to a principal before the body is even read, so an
// unauthenticated client costs one hash and one indexed lookup. Each route declares what it
// needs in `config.auth`.

export type AuthNeed = 'public' | 'any' | 'user';
export type UserPrincipal = Extract<Principal, { kind: 'user' }>;

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** How the principal was found: a bearer token (scripts, registers) or the console's session cookie. */
    authVia: 'bearer' | 'session' | null;
  }
  interface FastifyContextConfig {
    auth?: AuthNeed;
    /** Only users with one of these roles (checked before the body is read). */
    roles?: Role[];
    /** Check the CSRF token even without a session (the sign-in form: no login CSRF). */
    csrf?: boolean;
  }
}

/** The console's session cookie: httpOnly, SameSite=Strict, Secure when the hub is reached over TLS. */
export { SESSION_COOKIE } from '../users';
import { SESSION_COOKIE } from '../users';
export const CSRF_COOKIE = 'tillstream_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export const cookieOptions = (req: FastifyRequest) => ({ path: '/', httpOnly: true, sameSite: 'strict' as const, secure: req.protocol === 'https' });

export function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m ? m[1]! : null;
}

/** The failed-secret throttle (auth-throttle.ts) as the HTTP layer uses it. */
export interface AuthGate {
  /** Throws LockedOutError while this source is locked out for this kind of secret. */
  check(kind: SecretKind, source: string): void;
  failed(kind: SecretKind, source: string): void;
}

export function authHook(db: Db, gate?: AuthGate) {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const need = req.routeOptions.config.auth ?? 'public';
    const token = bearer(req);
    // A bearer token wins over a cookie: scripts send tokens, and a token cannot be sent by
    // another site's page (no CORS), so it needs no CSRF check.
    let principal: Principal | null = null;
    if (token === null) {
      const sid = req.cookies?.[SESSION_COOKIE];
      // A session id is 256 random bits: an unknown or expired one is a signed-out browser,
      // not a guess, so it is not counted by the throttle.
      if (typeof sid === 'string' && sid) principal = await authenticate(db, sid, 'session');
      if (principal) {
        req.principal = principal;
        req.authVia = 'session';
      }
    }
    if (need === 'public') return;
    if (token !== null) {
      gate?.check('api_token', req.ip);
      principal = await authenticate(db, token);
      if (!principal) gate?.failed('api_token', req.ip);
    }
    if (!principal) {
      throw new HttpError(401, 'UNAUTHORIZED', token === null ? 'sign in, or send a bearer token' : 'missing, unknown or revoked bearer token', 'authorization');
    }
    if (need === 'user' && principal.kind !== 'user') throw new HttpError(403, 'FORBIDDEN', 'this route is for HQ and store IT users');
    const roles = req.routeOptions.config.roles;
    if (roles && (principal.kind !== 'user' || !roles.includes(principal.role))) throw new HttpError(403, 'FORBIDDEN', `requires role ${roles.join(' or ')}`);
    req.principal = principal;
    req.authVia ??= 'bearer';
  };
}

export function userOf(req: FastifyRequest): UserPrincipal {
  const p = req.principal;
  if (!p || p.kind !== 'user') throw new HttpError(403, 'FORBIDDEN', 'this route is for HQ and store IT users');
  return p;
}

/** The store a request may read: a register its own, a user the stores it manages. */
export function allowedStore(p: Principal, storeId: string, field = 'store_id'): string {
  const ok = p.kind === 'register' ? p.store_id === storeId : canManageStore(p, storeId);
  if (!ok) throw new HttpError(403, 'FORBIDDEN', `no access to store ${storeId}`, field);
  return storeId;
}

/** Stores a list may cover: the one asked for (checked), or all the user manages (null = every store). */
export function storeScope(u: UserPrincipal, storeId: string | undefined): string[] | null {
  if (storeId) return [allowedStore(u, storeId)];
  return u.role === 'admin' || u.role === 'hq' ? null : u.store_ids;
}
