import { z } from 'zod';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { AuthError } from '../auth';
import { LockedOutError } from '../auth-throttle';
import { SignInError } from '../users';
import { PasswordBusyError, PasswordPolicyError } from '../passwords';
import { PartialChangeError } from '../hq-changes';

// One error shape for every HTTP answer that is not a success: {error: {code, message, field?}}.
// Errors are classified by what they are (a refused input, a conflict, a database that is
// briefly unavailable), never by guessing: only a bug in the hub may answer 500.

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
    /** Members sent beside `error` (what a partly applied change did apply). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().describe('machine-readable: BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, TOO_LARGE, RATE_LIMITED, LOCKED_OUT, UNAVAILABLE …'),
      message: z.string(),
      field: z.string().optional().describe('the request field at fault, as a dotted path'),
    }),
  })
  .meta({ id: 'Error' });
export type ErrorBody = z.infer<typeof errorBodySchema>;

const AUTH_STATUS = { UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, BAD_REQUEST: 400 } as const;

/**
 * SQLSTATEs a client can cause with well-formed but impossible input, and what they mean
 * to the client. Class 22 is "data exception" (out of range, bad text), class 23 integrity.
 */
function sqlStateError(err: unknown): HttpError | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return null;
  const detail = (err as { detail?: string }).detail;
  if (code === '23505') return new HttpError(409, 'CONFLICT', `already exists${detail ? `: ${detail}` : ''}`);
  if (code === '23503') return new HttpError(400, 'BAD_REQUEST', `refers to something that does not exist${detail ? `: ${detail}` : ''}`);
  if (code.startsWith('22')) return new HttpError(400, 'BAD_REQUEST', `value out of range or not storable (SQLSTATE ${code})`);
  if (code === '40001' || code === '40P01' || code === '55P03' || code.startsWith('08') || code === '57P01' || code === '57P03') {
    return new HttpError(503, 'UNAVAILABLE', 'database busy or briefly unavailable; retry', undefined, { 'retry-after': '1' });
  }
  return null;
}

export function dottedPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map(String).join('.');
}

/** Turns anything thrown while answering a request into the HTTP error to send. */
export function classifyError(err: unknown): HttpError | null {
  if (err instanceof HttpError) return err;
  if (err instanceof PartialChangeError) {
    // The failing store's error decides the status (a busy database: 503, retry); the body says what was applied.
    const cause = classifyError(err.cause) ?? new HttpError(500, 'INTERNAL', 'internal error');
    return new HttpError(cause.status, cause.code, `${err.message}: ${cause.message}`, cause.field, cause.headers, {
      applied_stores: err.applied.stores,
      not_applied_stores: err.notApplied,
      changes: err.applied.changes.map((c) => ({ store_id: c.store_id, cursor: c.cursor, kind: c.kind })),
    });
  }
  if (err instanceof LockedOutError) return new HttpError(429, 'LOCKED_OUT', err.message, undefined, { 'retry-after': String(Math.ceil(err.retryAfterMs / 1000)) });
  if (err instanceof AuthError) return new HttpError(AUTH_STATUS[err.code], err.code, err.message, err.field);
  if (err instanceof SignInError) return new HttpError(401, 'SIGN_IN_FAILED', err.message);
  if (err instanceof PasswordPolicyError) return new HttpError(400, 'WEAK_PASSWORD', err.message, 'password');
  if (err instanceof PasswordBusyError) return new HttpError(503, 'BUSY', err.message, undefined, { 'retry-after': '1' });
  if (err instanceof z.ZodError) {
    const i = err.issues[0];
    const field = i ? dottedPath(i.path) : undefined;
    return new HttpError(400, 'BAD_REQUEST', `${field || 'body'}: ${i?.message ?? 'invalid'}`, field || undefined);
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const v = err.validation[0]!;
    const field = v.instancePath.replace(/^\//, '').replace(/\//g, '.') || undefined;
    const where = (err as { validationContext?: string }).validationContext ?? 'body';
    const more = err.validation.length > 1 ? ` (+${err.validation.length - 1} more)` : '';
    return new HttpError(400, 'BAD_REQUEST', `${field ?? where}: ${v.message}${more}`, field ?? where);
  }
  const fe = err as Partial<FastifyError> | null;
  // @fastify/csrf-protection: a cookie-borne state change without its token (docs/security.md).
  if (fe && (fe.code === 'FST_CSRF_MISSING_SECRET' || fe.code === 'FST_CSRF_INVALID_TOKEN')) {
    return new HttpError(403, 'CSRF', `${fe.code === 'FST_CSRF_MISSING_SECRET' ? 'no CSRF cookie' : 'missing or wrong CSRF token'}: send the token from GET /api/session in the x-csrf-token header`, 'x-csrf-token');
  }
  if (fe && typeof fe.code === 'string' && fe.code.startsWith('FST_')) {
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new HttpError(413, 'TOO_LARGE', fe.message ?? 'request body too large');
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json', 'content-type');
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) return new HttpError(fe.statusCode, 'BAD_REQUEST', fe.message ?? 'bad request');
  }
  // @fastify/rate-limit throws the object built by errorResponseBuilder (an HttpError) or one with statusCode 429.
  if (fe && fe.statusCode === 429) return new HttpError(429, 'RATE_LIMITED', fe.message ?? 'too many requests');
  return sqlStateError(err);
}

export function sendError(reply: FastifyReply, e: HttpError): FastifyReply {
  for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
  reply.header('cache-control', 'no-store');
  // The body is built here (not through a route's response schema), so it is sent as serialized text.
  const body: ErrorBody = { ...e.extra, error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) } };
  return reply.status(e.status).type('application/json; charset=utf-8').serializer(JSON.stringify).send(body);
}

export function errorHandler(log: Logger) {
  return (err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const e = classifyError(err);
    if (e) {
      if (e.status >= 500) log.warn({ err, path: req.routeOptions.url ?? req.url }, 'request answered unavailable');
      return sendError(reply, e);
    }
    if (err && typeof err === 'object' && isResponseSerializationError(err as never)) {
      log.error({ err, cause: (err as { cause?: unknown }).cause, path: req.url }, 'response does not match its schema');
    } else {
      log.error({ err, path: req.url }, 'request failed');
    }
    return sendError(reply, new HttpError(500, 'INTERNAL', 'internal error'));
  };
}
