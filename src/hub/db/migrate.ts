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
    const done = new Map((await tx.query<{ id: number; name: string }>('SELECT id, name FROM schema_migrations')).rows.map((r) => [r.id, r.name]));
    const applied: string[] = [];
    for (const m of migrations) {
      const had = done.get(m.id);
      // A number is only proof of the same migration with the same name: a database that ran
      // another file under this number (a build from a branch that renumbered) must not skip this one.
      if (had !== undefined && had !== m.name) {
        throw new Error(`migration ${String(m.id).padStart(3, '0')}: this database applied ${had}, this hub has ${m.name}; it was made by another build of the hub (restore a backup or use a new database)`);
      }
      if (had !== undefined) continue;
      // One migration file holds many statements; both drivers run them via the simple protocol when no params.
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (id, name) VALUES ($1, $2)', [m.id, m.name]);
      applied.push(m.name);
    }
    return applied;
  });
}
