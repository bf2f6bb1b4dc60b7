import type { Database, PreparedStatement, Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import type { SqlDb, SqlRunResult, SqlStatement, SqlTransaction } from '../../sync/journal/sql';

// SQLite compiled to WebAssembly behind the journal's SqlDb door, with the semantics the
// journal relies on from better-sqlite3: positional or named (`@name`) parameters, rows as
// objects, a transaction function with `.immediate()` (nested calls become savepoints), and
// synchronous calls that return after the commit. It runs in the handheld's worker, where the
// OPFS access-handle VFS makes every write (and its flush on COMMIT) synchronous.

/** Compiled statements kept per SQL text; evicted ones are finalized (bounded wasm memory). */
const MAX_CACHED_STATEMENTS = 256;

type Row = Record<string, unknown>;

export class WasmSqlDb implements SqlDb {
  private readonly cache = new Map<string, PreparedStatement>();
  private depth = 0;
  private savepoints = 0;

  constructor(private readonly sqlite3: Sqlite3Static, private readonly db: Database) {}

  /** The statement for `sql`, compiled once; a wrapper holds only the text, so eviction is safe. */
  private compiled(sql: string): PreparedStatement {
    let st = this.cache.get(sql);
    if (st) {
      this.cache.delete(sql);
      this.cache.set(sql, st);
      return st;
    }
    st = this.db.prepare(sql);
    this.cache.set(sql, st);
    while (this.cache.size > MAX_CACHED_STATEMENTS) {
      const [oldest, old] = this.cache.entries().next().value!;
      this.cache.delete(oldest);
      old.finalize();
    }
    return st;
  }

  private bind(st: PreparedStatement, params: unknown[]): void {
    st.clearBindings();
    if (params.length === 0) return;
    const first = params[0];
    if (params.length === 1 && first !== null && typeof first === 'object' && !Array.isArray(first) && !(first instanceof Uint8Array)) {
      // better-sqlite3's named form: keys without the prefix the SQL spells (@, : or $).
      for (const [k, v] of Object.entries(first as Row)) {
        for (const prefix of ['@', ':', '$']) {
          const idx = st.getParamIndex(`${prefix}${k}`);
          if (idx) {
            st.bind(idx, toSql(v) as never);
            break;
          }
        }
      }
      return;
    }
    st.bind(params.map(toSql) as never);
  }

  prepare(sql: string): SqlStatement {
    const run = (params: unknown[], each: (st: PreparedStatement) => boolean): void => {
      const st = this.compiled(sql);
      try {
        this.bind(st, params);
        while (st.step()) if (!each(st)) break;
      } finally {
        st.reset();
      }
    };
    return {
      run: (...params: unknown[]): SqlRunResult => {
        run(params, () => true);
        return { changes: this.sqlite3.capi.sqlite3_changes(this.db), lastInsertRowid: this.sqlite3.capi.sqlite3_last_insert_rowid(this.db) };
      },
      get: (...params: unknown[]): unknown => {
        let row: Row | undefined;
        run(params, (st) => {
          row = st.get({}) as Row;
          return false;
        });
        return row;
      },
      all: (...params: unknown[]): unknown[] => {
        const rows: Row[] = [];
        run(params, (st) => {
          rows.push(st.get({}) as Row);
          return true;
        });
        return rows;
      },
    };
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  transaction<F extends (...args: never[]) => unknown>(fn: F): SqlTransaction<F> {
    const inTx = (begin: string) => (...args: Parameters<F>): ReturnType<F> => {
      if (this.depth > 0) {
        const name = `sp${++this.savepoints}`;
        this.db.exec(`SAVEPOINT ${name}`);
        this.depth++;
        try {
          const r = fn(...args) as ReturnType<F>;
          this.db.exec(`RELEASE ${name}`);
          return r;
        } catch (err) {
          this.db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
          throw err;
        } finally {
          this.depth--;
        }
      }
      this.db.exec(begin);
      this.depth = 1;
      try {
        const r = fn(...args) as ReturnType<F>;
        this.db.exec('COMMIT');
        return r;
      } catch (err) {
        this.db.exec('ROLLBACK');
        throw err;
      } finally {
        this.depth = 0;
      }
    };
    const tx = inTx('BEGIN') as unknown as SqlTransaction<F>;
    (tx as { immediate: unknown }).immediate = inTx('BEGIN IMMEDIATE');
    return tx;
  }

  close(): void {
    for (const st of this.cache.values()) st.finalize();
    this.cache.clear();
    this.db.close();
  }
}

function toSql(v: unknown): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === undefined) return null;
  return v;
}
