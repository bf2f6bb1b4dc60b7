import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { isTransientDbError } from './errors';

// One small interface over a Postgres server (pg Pool) and embedded Postgres (PGlite), so
// the hub runs the same SQL on both. PGlite has a single connection: everything goes
// through one queue there, and a transaction holds the queue until it ends.

export type Row = Record<string, unknown>;

export interface QueryOptions {
  /**
   * Postgres server: run as the named prepared statement (parsed and planned once per
   * connection, then executed by name). The name must be used for this SQL text only. PGlite
   * ignores it.
   */
  prepare?: string;
}

export interface Queryable {
  query<T extends Row = Row>(sql: string, params?: unknown[], opts?: QueryOptions): Promise<{ rows: T[]; rowCount: number }>;
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'pg' | 'pglite';
  /** Runs fn in BEGIN … COMMIT (ROLLBACK on throw). Deferred constraints fire at COMMIT. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenDbOptions {
  databaseUrl?: string;
  /** PGlite data folder; omitted with no databaseUrl → in-memory PGlite. */
  dataDir?: string;
  /** Postgres schema to use (created if missing); tests use a random one per run. */
  schema?: string;
  poolMax?: number;
  /** Told about connection trouble the caller did not ask for (an idle or busy client lost); for logs. */
  onConnectionError?: (err: Error, where: 'idle' | 'busy') => void;
}

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export async function openDb(opts: OpenDbOptions = {}): Promise<Db> {
  if (opts.schema !== undefined && !SCHEMA_RE.test(opts.schema)) throw new Error(`schema: invalid name ${JSON.stringify(opts.schema)}`);
  if (opts.databaseUrl) return openPg(opts.databaseUrl, opts.schema, opts.poolMax ?? 10, opts.onConnectionError ?? (() => undefined));
  return openPglite(opts.dataDir, opts.schema);
}

async function openPg(url: string, schema: string | undefined, max: number, onConnectionError: NonNullable<OpenDbOptions['onConnectionError']>): Promise<Db> {
  const types = {
    getTypeParser: (oid: number, format?: string) => {
      // int8 → number: every bigint the hub keeps (cursors, seq, minor units) is < 2^53.
      if (oid === 20) return (v: string) => Number(v);
      return (pg.types.getTypeParser as (o: number, f?: string) => unknown)(oid, format);
    },
  };
  const pool = new pg.Pool({
    connectionString: url,
    max,
    // Pipeline mode: a query is written to the server at once, not after the answer to the one
    // before it, so a transaction's BEGIN goes out with its first statement (one round trip
    // instead of two). Each query ends with its own Sync; inside a transaction a failure makes
    // every statement behind it fail too (25P02). That is safe because transaction() sends
    // COMMIT only once every statement has answered, and ROLLBACK otherwise.
    pipeline: true,
    types: types as never,
    ...(schema ? { options: `-c search_path=${schema},public` } : {}),
  });
  // A backend can die at any moment (pg_terminate_backend, a failover, a network cut). The
  // pool listens on idle clients only; a client checked out for a transaction with no
  // 'error' listener would crash the process with "Unhandled 'error' event". So every client
  // gets a listener for its whole life, and the query in flight fails with the error instead.
  pool.on('error', (err) => onConnectionError(err, 'idle'));
  const broken = new WeakSet<pg.PoolClient>();
  pool.on('connect', (client) => {
    client.on('error', (err) => {
      broken.add(client);
      onConnectionError(err, 'busy');
    });
  });
  if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  const q = async <T extends Row>(c: pg.Pool | pg.PoolClient, sql: string, params?: unknown[], opts?: QueryOptions) => {
    const r = opts?.prepare ? await c.query({ name: opts.prepare, text: sql, values: params as unknown[] }) : await c.query(sql, params as unknown[]);
    return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
  };
  return {
    kind: 'pg',
    query: (sql, params, opts) => q(pool, sql, params, opts),
    async transaction(fn) {
      const client = await pool.connect();
      let failure: unknown = undefined;
      // BEGIN is sent now and answered with the transaction's first statement, which follows it
      // on the wire without waiting (pipeline mode). That statement's answer is given to fn only
      // once BEGIN's came back good: BEGIN on an idle connection fails only with the connection.
      let begun: Promise<unknown> | null = client.query('BEGIN');
      begun.catch(() => undefined);
      const afterBegin = async <T>(next: () => Promise<T>): Promise<T> => {
        const b = begun;
        begun = null;
        if (!b) return next();
        const [bs, ns] = await Promise.allSettled([b, next()]);
        if (bs.status === 'rejected') throw bs.reason;
        if (ns.status === 'rejected') throw ns.reason;
        return ns.value;
      };
      try {
        const result = await fn({
          query: (sql, params, opts) => afterBegin(() => q(client, sql, params, opts)),
          exec: (sql) => afterBegin(async () => void (await client.query(sql))),
        });
        await afterBegin(async () => undefined);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        failure = err;
        if (begun) await (begun as Promise<unknown>).catch(() => undefined);
        if (!broken.has(client)) await client.query('ROLLBACK').catch((e: unknown) => (failure = e));
        throw err;
      } finally {
        // A client whose connection failed is destroyed, not returned to the pool for the next caller.
        const dead = broken.has(client) || (failure !== undefined && isTransientDbError(failure));
        client.release(dead ? (failure instanceof Error ? failure : new Error('connection lost')) : undefined);
      }
    },
    async exec(sql) {
      await pool.query(sql);
    },
    close: () => pool.end(),
  };
}

async function openPglite(dataDir: string | undefined, schema: string | undefined): Promise<Db> {
  const pgl = await PGlite.create(dataDir ? { dataDir } : {});
  if (schema) await pgl.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}, public;`);
  let tail: Promise<unknown> = Promise.resolve();
  let closed = false;
  // Serializes every use of the single connection, so a transaction never interleaves with another query.
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new Error('database is closed'));
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
  const q = async <T extends Row>(sql: string, params?: unknown[]) => {
    const r = await pgl.query<T>(sql, params);
    return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
  };
  return {
    kind: 'pglite',
    query: (sql, params) => serial(() => q(sql, params)),
    transaction: (fn) =>
      serial(async () => {
        await pgl.exec('BEGIN');
        try {
          const result = await fn({ query: (sql, params) => q(sql, params), exec: async (sql) => void (await pgl.exec(sql)) });
          await pgl.exec('COMMIT');
          return result;
        } catch (err) {
          await pgl.exec('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }),
    exec: (sql) => serial(async () => void (await pgl.exec(sql))),
    async close() {
      await serial(async () => undefined);
      closed = true;
      await pgl.close();
    },
  };
}
