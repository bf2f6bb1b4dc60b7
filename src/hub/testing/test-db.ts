import { randomBytes } from 'node:crypto';
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
