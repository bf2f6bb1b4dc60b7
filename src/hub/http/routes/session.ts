import { z } from 'zod';
import type { RouteModule } from '../app';
import { csrfToken } from '../app';
import { cookieOptions, SESSION_COOKIE } from '../auth';
import { errorBodySchema, HttpError } from '../errors';
import { roleSchema } from '../../../core/access';
import { SESSION_TTL_MS, signIn, signOut, SignInError } from '../../users';
import { credRoom } from '../../socket';

// The console's sign-in (docs/security.md): user name and password → a session in an
// httpOnly, SameSite=Strict cookie (Secure over TLS) and a CSRF token the console sends back
// in x-csrf-token with every change. Failures are throttled per address and per user name
// (auth-throttle.ts) and answer one message whatever the cause.

const sessionUser = z.object({ user_id: z.string(), name: z.string(), role: roleSchema, store_ids: z.array(z.string()) });
const sessionReply = z.object({
  user: sessionUser.nullable().describe('who is signed in with this browser; null when nobody'),
  expires_at: z.string().nullable(),
  csrf_token: z.string().describe('send back in the x-csrf-token header with every POST, PUT, PATCH and DELETE made with the session cookie'),
});
const signInBody = z.object({ user_id: z.string().min(1).max(64), password: z.string().min(1).max(1024) }).strict();

export const sessionRoutes: RouteModule = (app, deps) => {
  app.get('/api/session', {
    config: { auth: 'public' },
    schema: { tags: ['access'], summary: "This browser's console session (if any) and a CSRF token for it", response: { 200: sessionReply } },
    handler: async (req, reply) => {
      const p = req.authVia === 'session' && req.principal?.kind === 'user' ? req.principal : null;
      let user: z.infer<typeof sessionUser> | null = null;
      let expires: string | null = null;
      if (p) {
        const { rows } = await deps.db.query<{ name: string; expires_at: Date }>(
          `SELECT u.name, c.expires_at FROM credentials c JOIN users u ON u.user_id = c.user_id WHERE c.credential_id = $1`,
          [p.credential_id],
        );
        user = { user_id: p.user_id, name: rows[0]?.name ?? p.user_id, role: p.role, store_ids: p.store_ids };
        expires = rows[0] ? new Date(rows[0].expires_at).toISOString() : null;
      }
      return { user, expires_at: expires, csrf_token: await csrfToken(reply, req) };
    },
  });

  app.post('/api/session', {
    bodyLimit: 4096,
    config: { auth: 'public', csrf: true },
    schema: {
      tags: ['access'],
      summary: 'Sign in with user name and password (the console); sets the session cookie',
      description: 'Needs the CSRF token from GET /api/session in x-csrf-token. Too many failures from one address or for one user name answer 429 LOCKED_OUT.',
      body: signInBody,
      response: { 201: sessionReply, 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 429: errorBodySchema, 503: errorBodySchema },
    },
    handler: async (req, reply) => {
      const gate = deps.authGate;
      const account = req.body.user_id.toLowerCase();
      gate?.check('password', req.ip);
      gate?.check('password_account', account);
      let s;
      try {
        s = await signIn(deps.db, req.body.user_id, req.body.password);
      } catch (err) {
        if (err instanceof SignInError) {
          gate?.failed('password', req.ip);
          gate?.failed('password_account', account);
        }
        throw err;
      }
      reply.setCookie(SESSION_COOKIE, s.token, { ...cookieOptions(req), maxAge: Math.floor(SESSION_TTL_MS / 1000) });
      const { rows } = await deps.db.query<{ name: string }>(`SELECT name FROM users WHERE user_id = $1`, [s.principal.user_id]);
      const user = { user_id: s.principal.user_id, name: rows[0]?.name ?? s.principal.user_id, role: s.principal.role, store_ids: s.principal.store_ids };
      return reply.status(201).send({ user, expires_at: s.expires_at, csrf_token: await csrfToken(reply, req, `session:${s.credential_id}`) });
    },
  });

  app.delete('/api/session', {
    config: { auth: 'any' },
    schema: {
      tags: ['access'],
      summary: "Sign out: ends this browser's session and its live feed",
      response: { 200: z.object({ ok: z.literal(true) }), 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req, reply) => {
      if (req.authVia !== 'session' || !req.principal) throw new HttpError(400, 'BAD_REQUEST', 'no console session in this request; revoke a token with POST /api/credentials/revoke');
      await signOut(deps.db, req.principal.credential_id);
      deps.io.in(credRoom(req.principal.credential_id)).disconnectSockets(true);
      reply.clearCookie(SESSION_COOKIE, cookieOptions(req));
      return { ok: true as const };
    },
  });
};
