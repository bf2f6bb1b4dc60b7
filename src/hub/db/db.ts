import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';

// One small interface over a Postgres server (pg Pool) and embedded Postgres (PGlite), so
// the hub runs the same SQL on both. PGlite has a single connection: everything goes
// through one queue there, and a transaction holds the queue until it ends.

export type Row = Record<string, unknown>;

export interface Queryable {
  query<T extends Row = Row>(sql: string, params?: unknown[]): Promise<{ rows: T[]; rowCount: number }>;
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
}

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export async function openDb(opts: OpenDbOptions = {}): Promise<Db> {
  if (opts.schema !== undefined && !SCHEMA_RE.test(opts.schema)) throw new Error(`schema: invalid name ${JSON.stringify(opts.schema)}`);
  if (opts.databaseUrl) return openPg(opts.databaseUrl, opts.schema, opts.poolMax ?? 10);
  return openPglite(opts.dataDir, opts.schema);
}

async function openPg(url: string, schema: string | undefined, max: number): Promise<Db> {
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
    types: types as never,
    ...(schema ? { options: `-c search_path=${schema},public` } : {}),
  });
  pool.on('error', () => {
    /* an idle client died; the pool replaces it */
  });
  if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  const q = async <T extends Row>(c: pg.Pool | pg.PoolClient, sql: string, params?: unknown[]) => {
    const r = await c.query(sql, params as unknown[]);
    return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
  };
  return {
    kind: 'pg',
    query: (sql, params) => q(pool, sql, params),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({ query: (sql, params) => q(client, sql, params), exec: async (sql) => void (await client.query(sql)) });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
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
