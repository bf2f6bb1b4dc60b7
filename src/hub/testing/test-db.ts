import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDb, type Db } from '../db/db';
import { migrate } from '../db/migrate';

// Test backends: always PGlite; real Postgres too when DATABASE_URL is set. Each test db
// lives in a fresh random schema, dropped afterwards.

export interface TestBackend {
  name: 'pglite' | 'pg';
  databaseUrl?: string;
}

export function testBackends(): TestBackend[] {
  const url = process.env.DATABASE_URL;
  return url ? [{ name: 'pglite' }, { name: 'pg', databaseUrl: url }] : [{ name: 'pglite' }];
}

export function randomSchema(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

export interface TestDb {
  db: Db;
  schema: string;
  databaseUrl?: string;
  dispose(): Promise<void>;
}

export async function openTestDb(backend: TestBackend, opts: { dataDir?: string } = {}): Promise<TestDb> {
  const schema = randomSchema();
  const db = await openDb(backend.databaseUrl ? { databaseUrl: backend.databaseUrl, schema } : { dataDir: opts.dataDir, schema });
  await migrate(db);
  return {
    db,
    schema,
    databaseUrl: backend.databaseUrl,
    async dispose() {
      if (backend.databaseUrl) await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await db.close();
    },
  };
}

/**
 * A scratch place for a test that opens, closes and reopens its database (a hub restarted, a
 * CLI run on the same data): a temp folder, a random schema, and the options that name them.
 * `dispose` drops the schema (Postgres) and removes the folder (PGlite's data lives there).
 */
export interface ScratchDb {
  dir: string;
  schema: string;
  dbOpts: { databaseUrl: string; schema: string } | { dataDir: string; schema: string };
  dispose(): Promise<void>;
}

export function scratchDb(backend: TestBackend, prefix: string): ScratchDb {
  const dir = mkdtempSync(path.join(tmpdir(), `tillstream-${prefix}-`));
  const schema = randomSchema();
  const dbOpts = backend.databaseUrl ? { databaseUrl: backend.databaseUrl, schema } : { dataDir: path.join(dir, 'pgdata'), schema };
  return {
    dir,
    schema,
    dbOpts,
    async dispose() {
      if (backend.databaseUrl) {
        const db = await openDb(dbOpts);
        await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
        await db.close();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
