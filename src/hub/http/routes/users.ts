import { z } from 'zod';
import { storeIdSchema } from '../../../core/protocol';
import { roleSchema, userRowSchema } from '../../../core/access';
import type { RouteModule } from '../app';
import { AuthError, createUser, requireRole } from '../../auth';
import { userOf } from '../auth';
import { errorBodySchema, HttpError } from '../errors';
import { text } from '../schemas';
import { listUsers, setPassword, updateUser, USER_ID_RE } from '../../users';
import { verifyPassword } from '../../passwords';
import { credRoom } from '../../socket';

// Users of the chain, managed by admins (the console's Users page and `tillstream users`).
// A store manager's rights are the stores listed; an admin or hq user sees every store.

const role = roleSchema;
const userIdParam = z.object({ user_id: z.string().regex(USER_ID_RE, 'must be 1-64 of letters, digits, . _ @ -') }).strict();
const password = z.string().min(1).max(1024).describe('at least 10 characters');
const createUserBody = z
  .object({
    user_id: z.string().regex(USER_ID_RE, 'must be 1-64 of letters, digits, . _ @ -'),
    name: text(200),
    role,
    store_ids: z.array(storeIdSchema).max(1000).default([]),
    password: password.optional().describe('lets the user sign in to the console (at least 10 characters)'),
    token: z.boolean().optional().describe('also make an API token, shown once (default: only when no password is given)'),
  })
  .strict()
  .refine((u) => u.role !== 'store_manager' || u.store_ids.length > 0, { message: 'a store_manager needs at least one store', path: ['store_ids'] });
const userRow = userRowSchema;
const patchBody = z
  .object({ name: text(200).optional(), role: role.optional(), store_ids: z.array(storeIdSchema).max(1000).optional(), disabled: z.boolean().optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'name at least one of name, role, store_ids, disabled' });

export const userRoutes: RouteModule = (app, deps) => {
  const drop = (ids: number[]) => {
    for (const id of ids) deps.io.in(credRoom(id)).disconnectSockets(true);
  };

  app.post('/api/users', {
    bodyLimit: 64 * 1024,
    config: { auth: 'user', roles: ['admin'] },
    schema: {
      tags: ['access'],
      summary: 'Create a user (admin): with a password for the console, and/or an API token shown once',
      security: [{ bearer: [] }],
      body: createUserBody,
      response: {
        201: z.object({ user_id: z.string(), token: z.string().nullable(), credential_id: z.number().nullable() }),
        400: errorBodySchema,
        403: errorBodySchema,
        409: errorBodySchema,
      },
    },
    handler: async (req, reply) => {
      requireRole(userOf(req), ['admin']);
      const b = req.body;
      const r = await createUser(deps.db, { ...b, store_ids: b.role === 'store_manager' ? b.store_ids : [], token: b.token ?? b.password === undefined });
      return reply.status(201).send(r);
    },
  });

  app.get('/api/users', {
    config: { auth: 'user', roles: ['admin'] },
    schema: {
      tags: ['access'],
      summary: 'Every user of the chain with role, stores, password set, disabled, live tokens and sessions (admin)',
      security: [{ bearer: [] }],
      response: { 200: z.object({ users: z.array(userRow) }), 403: errorBodySchema },
    },
    handler: async () => ({ users: await listUsers(deps.db) }),
  });

  app.patch('/api/users/:user_id', {
    bodyLimit: 64 * 1024,
    config: { auth: 'user', roles: ['admin'] },
    schema: {
      tags: ['access'],
      summary: "Change a user's name, role, stores, or disable/enable them (admin); less access ends their sessions",
      security: [{ bearer: [] }],
      params: userIdParam,
      body: patchBody,
      response: { 200: z.object({ user: userRow }), 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema },
    },
    handler: async (req) => {
      const u = userOf(req);
      const { user, dropped } = await updateUser(deps.db, req.params.user_id, req.body, u.user_id);
      drop(dropped);
      return { user };
    },
  });

  app.put('/api/users/:user_id/password', {
    bodyLimit: 4096,
    config: { auth: 'user' },
    schema: {
      tags: ['access'],
      summary: "Set a password: an admin resets anyone's; a user changes their own with the current one. Ends the user's other sessions",
      security: [{ bearer: [] }],
      params: userIdParam,
      body: z.object({ password, current_password: z.string().min(1).max(1024).optional() }).strict(),
      response: { 200: z.object({ ok: z.literal(true), sessions_ended: z.number() }), 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 503: errorBodySchema },
    },
    handler: async (req) => {
      const u = userOf(req);
      const self = u.user_id === req.params.user_id;
      if (u.role !== 'admin') {
        if (!self) throw new AuthError('FORBIDDEN', 'only an admin sets another user’s password');
        deps.authGate?.check('password_account', u.user_id.toLowerCase());
        const { rows } = await deps.db.query<{ password_hash: string | null }>(`SELECT password_hash FROM users WHERE user_id = $1`, [u.user_id]);
        const ok = req.body.current_password !== undefined && (await verifyPassword(req.body.current_password, rows[0]?.password_hash ?? null)).ok;
        if (!ok) {
          deps.authGate?.failed('password_account', u.user_id.toLowerCase());
          throw new HttpError(401, 'SIGN_IN_FAILED', 'the current password is wrong', 'current_password');
        }
      }
      const keep = self && req.authVia === 'session' ? u.credential_id : undefined;
      const { dropped } = await setPassword(deps.db, req.params.user_id, req.body.password, keep);
      drop(dropped);
      return { ok: true as const, sessions_ended: dropped.length };
    },
  });
};
