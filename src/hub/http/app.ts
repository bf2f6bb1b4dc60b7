import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions, type RawServerDefault } from 'fastify';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  createJsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Server as IoServer } from 'socket.io';
import type { Logger } from 'pino';
import type { Db } from '../db/db';
import type { PostingMaps } from '../books/posting-map';
import { errorHandler, HttpError, sendError } from './errors';
import { installInputRules, MAX_BODY_BYTES } from './input';
import { authHook, cookieOptions, CSRF_COOKIE, CSRF_HEADER, type AuthGate } from './auth';
import { hubSecret } from '../users';
import { ROUTE_MODULES } from './routes';
import type { EventProcessor } from '../processor';
import type { SyncAuditLog } from '../integrity/audit-log';

// The hub's HTTP layer: Fastify with zod schemas (fastify-type-provider-zod) for every
// route's input and output, the OpenAPI document generated from the same schemas, security
// headers (@fastify/helmet), per-source rate limits (@fastify/rate-limit) and TLS from
// Fastify's own https option. socket.io attaches to the same Node server (see server.ts).

export type ZApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;
export type RouteModule = (app: ZApp, deps: HttpDeps) => void;

export interface HttpDeps {
  db: Db;
  io: IoServer;
  log: Logger;
  isClosing: () => boolean;
  track: <T>(p: Promise<T>) => Promise<T>;
  /** Failed-credential throttle shared with the socket handshake (auth-throttle.ts). */
  authGate?: AuthGate;
  /** Hub-wide limits for the HTTP API. */
  limits: HttpLimits;
  /** The fingerprint registers pin (enrollment codes carry it); null without TLS. */
  tlsPin?: () => string | null;
  /** Folder of release files (<version>/<file>) served to registers at /updates/files/. */
  updatesDir?: string;
  /** What a journal event means (core): channel deliveries are ingested like register batches. */
  processor: EventProcessor;
  /** The hub's chart of accounts and posting map, versioned in the database (books/posting-map.ts). */
  charts: PostingMaps;
  /** The sync audit log: flushed before it is read, so a query sees what was just recorded. */
  audit?: SyncAuditLog;
  /** The hub's scheduler clock (off-peak windows of historical imports); tests inject one. Default: the system clock. */
  clock?: () => Date;
}

export interface HttpLimits {
  /** Requests per source address per window, all routes together. */
  rateMax: number;
  rateWindowMs: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeList: Array<{ method: string; url: string }>;
  }
}

export const DOCS_PREFIX = '/api/docs';
export const OPENAPI_JSON = `${DOCS_PREFIX}/json`;

export interface TlsFiles {
  key: string | Buffer;
  cert: string | Buffer;
  ca?: string | Buffer;
}

/** The app with its plugins; mountRoutes adds the routes once socket.io is attached to app.server. */
export async function createHttpApp(
  deps: Omit<HttpDeps, 'io' | 'track' | 'processor' | 'charts'>,
  opts: { tls?: TlsFiles; trustProxy?: boolean | string } = {},
): Promise<FastifyInstance> {
  const base: FastifyServerOptions = {
    loggerInstance: deps.log.child({ part: 'http' }),
    // Per-request lines off (errors are logged by our error handler).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_BODY_BYTES,
    trustProxy: opts.trustProxy ?? false,
    // Our own error for an unparseable request target or header, never a thrown exception.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: false },
    // Fastify answers a path it cannot decode (`/api/%ED%A0%80`), an over-long path value or a
    // bad content type before any route or error handler runs; route those answers through our
    // error body too, so every refusal carries {error: {code, message}}.
    frameworkErrors: (error, _req, reply) => {
      void sendError(reply as unknown as FastifyReply, new HttpError(400, 'BAD_REQUEST', error.message));
    },
  };
  const app = (opts.tls ? Fastify({ ...(base as FastifyServerOptions<never>), https: opts.tls } as never) : Fastify(base)) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler(deps.log));
  app.setNotFoundHandler((req, reply) => sendError(reply, new HttpError(404, 'NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`)));
  app.decorateRequest('principal', null);
  app.decorateRequest('authVia', null);
  // Every route as registered, for the OpenAPI completeness test and the fuzz suite.
  const routeList: Array<{ method: string; url: string }> = [];
  app.decorate('routeList', routeList);
  app.addHook('onRoute', (r) => {
    for (const m of Array.isArray(r.method) ? r.method : [r.method]) routeList.push({ method: m, url: r.url ?? r.path });
  });
  installInputRules(app);

  app.addHook('onRequest', async (req, reply) => {
    if (deps.isClosing()) {
      reply.header('connection', 'close');
      throw new HttpError(503, 'UNAVAILABLE', 'hub is shutting down', undefined, { 'retry-after': '1' });
    }
    reply.header('cache-control', 'no-store');
  });

  await app.register(helmet, {
    // The API answers JSON; the HQ console sets its own CSP (inline blocks allowed by hash).
    contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'", 'https:', "'unsafe-inline'"], imgSrc: ["'self'", 'data:'] } },
    hsts: !!opts.tls,
  });
  await app.register(rateLimit, {
    global: true,
    max: deps.limits.rateMax,
    timeWindow: deps.limits.rateWindowMs,
    // Bounded memory: the store is an LRU of this many sources.
    cache: 10_000,
    errorResponseBuilder: (_req, ctx) =>
      new HttpError(429, 'RATE_LIMITED', `more than ${ctx.max} requests in ${Math.round(ctx.ttl / 1000)} s from this address; retry in ${ctx.after}`, undefined, {
        'retry-after': String(Math.ceil(ctx.ttl / 1000)),
      }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tillstream hub API',
        version: '1',
        description: 'HTTP API of the Tillstream sync hub for HQ, store IT and scripts. Errors are {error: {code, message, field?}}.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API token (tsu_… for users, tsr_… for registers)' } } },
    },
    transform: createJsonSchemaTransform({ skipList: [] }),
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, staticCSP: true, uiConfig: { docExpansion: 'list', deepLinking: true } });

  // The console's session cookie and CSRF tokens (docs/security.md): the CSRF secret lives in
  // its own httpOnly cookie, the token the console sends back in a header is bound by HMAC to
  // the session it was made for (no cookie tossing), and the HMAC key is shared by every hub.
  await app.register(cookie);
  await app.register(csrf, {
    cookieKey: CSRF_COOKIE,
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'strict' },
    getToken: (req) => {
      const t = req.headers[CSRF_HEADER];
      return typeof t === 'string' ? t : undefined;
    },
    getUserInfo: (req) => csrfUserInfo(req),
    csrfOpts: { hmacKey: await hubSecret(deps.db, 'csrf_hmac') },
  });

  app.addHook('onRequest', authHook(deps.db, deps.authGate));
  // A state-changing request carried by the session cookie must also carry the CSRF token;
  // a bearer token needs none (another site's page cannot send one).
  app.addHook('onRequest', (req, reply, done) => {
    const unsafe = req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS';
    if (unsafe && (req.authVia === 'session' || req.routeOptions.config.csrf === true)) return app.csrfProtection(req, reply, done);
    done();
  });
  return app;
}

/** What a CSRF token is bound to: the session, or nothing yet (the sign-in form). */
export function csrfUserInfo(req: { principal: { credential_id: number } | null; authVia: string | null }): string {
  return req.authVia === 'session' && req.principal ? `session:${req.principal.credential_id}` : 'signed-out';
}

/** A CSRF token for this browser: for its session, or (before sign-in) for none. */
export async function csrfToken(reply: FastifyReply, req: FastifyRequest, userInfo = csrfUserInfo(req)): Promise<string> {
  return reply.generateCsrf({ ...cookieOptions(req), userInfo });
}

export function mountRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const z = app.withTypeProvider<ZodTypeProvider>() as unknown as ZApp;
  for (const mod of ROUTE_MODULES) mod(z, deps);
}
