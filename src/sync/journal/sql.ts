// The part of a synchronous SQLite driver the register's journal uses. better-sqlite3 (the
// Electron register, the CLI) has exactly this shape; the handheld register wraps SQLite
// compiled to WebAssembly (src/handheld/worker) in it. One journal implementation
// (journal.ts, migrations.ts, projections.ts) runs on both: the same schema, triggers, hash
// chain and commit-before-return rule, whatever the engine underneath.

export interface SqlRunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface SqlStatement {
  /** Positional parameters, or one object of named ones (`@name` in the SQL, `name` as key). */
  run(...params: unknown[]): SqlRunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** A function run in one transaction; `.immediate()` takes the write lock at BEGIN. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the shape better-sqlite3 declares, so its Database fits
type AnyFunction = (...args: any[]) => unknown;
type ArgumentTypes<F extends AnyFunction> = F extends (...args: infer A) => unknown ? A : never;
export interface SqlTransaction<F extends AnyFunction> {
  (...args: ArgumentTypes<F>): ReturnType<F>;
  immediate(...args: ArgumentTypes<F>): ReturnType<F>;
}

export interface SqlDb {
  prepare(sql: string): SqlStatement;
  exec(sql: string): unknown;
  transaction<F extends AnyFunction>(fn: F): SqlTransaction<F>;
  close(): unknown;
}
