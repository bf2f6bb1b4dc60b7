import type { Db } from '../../src/hub/db/db';

// What the fuzz suites share (issue 9): the seeded PRNG that makes a run replayable, the
// run's settings from the environment, hostile nesting, and the table fingerprints that show
// a refused request wrote nothing.

/** FUZZ_SEED replays a run; FUZZ_CASES sets its length (a small slice in `npm test`, many in `npm run fuzz`). */
export function fuzzSettings(defaultCases: number): { seed: number; cases: number } {
  return {
    seed: Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31)),
    cases: Number(process.env.FUZZ_CASES ?? defaultCases),
  };
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}
export type Rng = ReturnType<typeof prng>;

/** `leaf` nested n deep, alternating objects and arrays. */
export function deep(n: number, leaf: unknown = 1): unknown {
  let v = leaf;
  for (let i = 0; i < n; i++) v = i % 2 ? [v] : { d: v };
  return v;
}

/** Counts outcomes by label, for the line a run prints at the end. */
export function tally() {
  const counts = new Map<string, number>();
  return {
    add: (label: string) => counts.set(label, (counts.get(label) ?? 0) + 1),
    get: (label: string) => counts.get(label) ?? 0,
    toJSON: () => Object.fromEntries([...counts].sort()),
  };
}

export interface FingerprintOptions {
  /** Columns to compare instead of the whole row (leaves out bookkeeping any request may touch, such as a terminal's last_seen_at). */
  columns?: Record<string, string>;
  /**
   * Tables compared by row versions instead of content: the row count and the newest
   * inserting transaction (xmin). Any committed insert, update or delete changes one of the
   * two, so this is at least as strict as comparing content, and it reads no row data: for
   * the big tables of a long run (events and rejections that carry large payloads), hashing
   * every row twice per case made a run quadratic in its length.
   */
  versions?: readonly string[];
}

/** One string per table that changes whenever the table's committed rows do. */
export async function fingerprint(db: Db, tables: readonly string[], opts: FingerprintOptions = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of tables) {
    const sql = opts.versions?.includes(t)
      ? `SELECT count(*)::text || ':' || coalesce(max(xmin::text::bigint), 0)::text AS f FROM ${t}`
      : `SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS f FROM (SELECT ${opts.columns?.[t] ?? '*'} FROM ${t}) x`;
    const { rows } = await db.query<{ f: string | null }>(sql);
    out[t] = rows[0]!.f ?? '';
  }
  return out;
}
