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
  }
  interface FastifyContextConfig {
    auth?: AuthNeed;
    /** Only users with one of these roles (checked before the body is read). */
    roles?: Role[];
  }
}

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
    if (need === 'public') return;
    const token = bearer(req);
    gate?.check('api_token', req.ip);
    const principal = await authenticate(db, token);
    if (!principal) {
      // A request without any token is a client that forgot it, not a guess.
      if (token !== null) gate?.failed('api_token', req.ip);
      throw new HttpError(401, 'UNAUTHORIZED', 'missing, unknown or revoked bearer token', 'authorization');
    }
    if (need === 'user' && principal.kind !== 'user') throw new HttpError(403, 'FORBIDDEN', 'this route is for HQ and store IT users');
    const roles = req.routeOptions.config.roles;
    if (roles && (principal.kind !== 'user' || !roles.includes(principal.role))) throw new HttpError(403, 'FORBIDDEN', `requires role ${roles.join(' or ')}`);
    req.principal = principal;
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
