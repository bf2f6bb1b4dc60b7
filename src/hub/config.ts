import { readFileSync } from 'node:fs';
import { z } from 'zod';

// Hub configuration: a JSON file (optional) overlaid by environment variables, overlaid by
// explicit options. Everything is zod-validated; an error names the bad field and its source.

export const hubConfigSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(0),
    databaseUrl: z.string().url().optional(),
    /** PGlite data folder, used when databaseUrl is not set. Omitted: in-memory (demo/tests). */
    dataDir: z.string().min(1).optional(),
    /** Postgres schema (search_path) to keep the hub's tables in; default public. */
    schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).optional(),
    redisUrl: z.string().url().optional(),
    /** Stream name for the socket.io Redis adapter; hubs of one chain must share it. */
    redisStreamName: z.string().min(1).max(100).default('tillstream'),
    /** Bootstrap admin bearer token, created on first start. At least 24 characters. */
    adminToken: z.string().min(24).max(200).optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    schedulerIntervalMs: z.number().int().min(50).max(3_600_000).default(1000),
    /** Chart of accounts: a default ('us' | 'eu') or a chart object (core/ledger chart input). */
    chart: z.union([z.enum(['us', 'eu']), z.record(z.string(), z.unknown())]).default('us'),
    /** Longest time close() waits for in-flight batches. */
    shutdownGraceMs: z.number().int().min(0).max(120_000).default(10_000),
    /** A register whose change cursor is this far behind is told to take a snapshot. */
    snapshotThreshold: z.number().int().min(1).default(5000),
    /** HTTPS: PEM files for Fastify's https server (socket.io then runs over wss on the same port). */
    tls: z.object({ certFile: z.string().min(1), keyFile: z.string().min(1), caFile: z.string().min(1).optional() }).strict().optional(),
    /** Folder holding release files as <version>/<file> (electron-builder output), served to registers at /updates/files/. */
    updatesDir: z.string().min(1).optional(),
    /** Behind a load balancer: trust X-Forwarded-For from it (true, or a list of addresses/CIDRs) so limits apply per client. */
    trustProxy: z.union([z.boolean(), z.string().min(1).max(1000)]).default(false),
    /** HTTP requests per source address per window, all routes together (@fastify/rate-limit). */
    httpRateLimit: z.object({ max: z.number().int().min(1).max(10_000_000), windowMs: z.number().int().min(1000).max(3_600_000) }).strict().default({ max: 1200, windowMs: 60_000 }),
  })
  .strict();
export type HubConfig = z.infer<typeof hubConfigSchema>;
export type HubConfigInput = z.input<typeof hubConfigSchema>;

export class ConfigError extends Error {}

export function formatZodError(err: z.ZodError, prefix = ''): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${prefix}${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

function envConfig(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const num = (name: string, key: string) => {
    const v = env[name];
    if (v === undefined || v === '') return;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new ConfigError(`env ${name}: must be an integer, got ${JSON.stringify(v)}`);
    out[key] = n;
  };
  const str = (name: string, key: string) => {
    const v = env[name];
    if (v !== undefined && v !== '') out[key] = v;
  };
  str('TILLSTREAM_HUB_HOST', 'host');
  num('TILLSTREAM_HUB_PORT', 'port');
  str('DATABASE_URL', 'databaseUrl');
  str('TILLSTREAM_DATA_DIR', 'dataDir');
  str('REDIS_URL', 'redisUrl');
  str('TILLSTREAM_REDIS_STREAM', 'redisStreamName');
  str('TILLSTREAM_ADMIN_TOKEN', 'adminToken');
  str('LOG_LEVEL', 'logLevel');
  str('TILLSTREAM_CHART', 'chart');
  str('TILLSTREAM_UPDATES_DIR', 'updatesDir');
  const cert = env.TILLSTREAM_TLS_CERT;
  const key = env.TILLSTREAM_TLS_KEY;
  if (cert || key) out.tls = { certFile: cert ?? '', keyFile: key ?? '' };
  const rate = env.TILLSTREAM_HTTP_RATE_MAX;
  if (rate !== undefined && rate !== '') {
    const n = Number(rate);
    if (!Number.isInteger(n)) throw new ConfigError(`env TILLSTREAM_HTTP_RATE_MAX: must be an integer, got ${JSON.stringify(rate)}`);
    out.httpRateLimit = { max: n, windowMs: 60_000 };
  }
  return out;
}

/** Loads file (if given) + env + overrides, validated. */
export function loadHubConfig(opts: { file?: string; env?: NodeJS.ProcessEnv; overrides?: HubConfigInput } = {}): HubConfig {
  let fromFile: Record<string, unknown> = {};
  if (opts.file) {
    let text: string;
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (err) {
      throw new ConfigError(`config file ${opts.file}: ${(err as Error).message}`);
    }
    try {
      fromFile = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`config file ${opts.file}: not valid JSON (${(err as Error).message})`);
    }
    const fileCheck = hubConfigSchema.partial().safeParse(fromFile);
    if (!fileCheck.success) throw new ConfigError(formatZodError(fileCheck.error, `config file ${opts.file}: `));
  }
  const overrides = stripUndefined(opts.overrides ?? {});
  const merged: Record<string, unknown> = { ...fromFile, ...envConfig(opts.env ?? process.env), ...overrides };
  // Flags override env and file, and the database is one choice: `--data-dir` with DATABASE_URL
  // in the environment means that folder (openDb would otherwise prefer the URL), and
  // `--database-url` with a data folder configured means that server.
  if (overrides.dataDir !== undefined && overrides.databaseUrl === undefined) delete merged.databaseUrl;
  if (overrides.databaseUrl !== undefined && overrides.dataDir === undefined) delete merged.dataDir;
  const r = hubConfigSchema.safeParse(merged);
  if (!r.success) throw new ConfigError(formatZodError(r.error, 'hub config: '));
  return r.data;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
