import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Db } from './db';

// Applies src/hub/db/migrations/NNN_name.sql in order, each once, under a transaction-level
// advisory lock so several hub processes starting together do not race.

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
const LOCK_KEY = 7_412_019; // arbitrary, constant: "tillstream migrations"
const NAME_RE = /^(\d{3})_[a-z0-9_]+\.sql$/;

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const out: Migration[] = [];
  for (const f of files) {
    const m = NAME_RE.exec(f);
    if (!m) throw new Error(`migration file ${f}: name must be NNN_name.sql`);
    out.push({ id: Number(m[1]), name: f, sql: readFileSync(path.join(dir, f), 'utf8') });
  }
  for (let i = 0; i < out.length; i++) {
    if (out[i]!.id !== i + 1) throw new Error(`migrations must be numbered 001, 002, … without gaps; found ${out[i]!.name}`);
  }
  return out;
}

/** Returns the names of migrations applied by this call. */
export async function migrate(db: Db, migrations = loadMigrations()): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (id int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await tx.query<{ id: number }>('SELECT id FROM schema_migrations')).rows.map((r) => r.id));
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.id)) continue;
      // One migration file holds many statements; both drivers run them via the simple protocol when no params.
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (id, name) VALUES ($1, $2)', [m.id, m.name]);
      applied.push(m.name);
    }
    return applied;
  });
}
