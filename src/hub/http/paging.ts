import { z } from 'zod';
import { storeIdSchema, terminalIdSchema } from '../../core/protocol';
import { HttpError } from './errors';

// The one paging mechanism of the HTTP API (every list route uses it; new routes should too):
//
//   GET /api/<list>?limit=50&cursor=<opaque>  →  { <items>: [...], next_cursor: string | null }
//
// Keyset paging: a list is ordered by a unique key (for example received_at, terminal_id,
// seq, newest first); the cursor is the key of the last row sent, encoded opaquely, and the
// next page is the rows strictly after it in that order. So a page is one index range scan
// however deep the client pages, and rows arriving meanwhile never shift or repeat a page.
// A cursor names the list it belongs to: one from /api/alerts is refused by /api/events.
//
// Sorted lists (`sortable` below): `?sort=total` or `?sort=-total` (descending) from a route's
// allow-list. Each sort is its own keyset: the sort key first, then a unique tiebreaker, all
// in one direction, so ties page exactly like any other key. The cursor carries the sort it was
// made with; a cursor of one sort sent with another is refused (CURSOR_SORT_MISMATCH), since
// its key would name a position in another order.
//
// Use:
//   const ks = keyset('events', [{ sql: 'e.received_at', type: 'timestamptz' }, ...], 'desc');
//   const q = new SqlParams();
//   const where = [filter..., ks.after(q, req.query.cursor)];
//   SELECT ..., ${ks.select} FROM ... WHERE ${where.join(' AND ')} ORDER BY ${ks.orderBy} LIMIT ${q.p(limit + 1)}
//   const { rows, next_cursor } = ks.page(result.rows, limit);

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;
const MAX_CURSOR_CHARS = 1024;

/** `limit` and `cursor` query parameters of a list route. */
export const pageQuery = (def = DEFAULT_PAGE, max = MAX_PAGE) => ({
  limit: z.coerce.number().int().min(1).max(max).default(def).describe(`page size, 1..${max} (default ${def})`),
  cursor: z.string().min(1).max(MAX_CURSOR_CHARS).optional().describe('next_cursor of the previous page (opaque); absent for the first page'),
});

/** The reply of a list route: its rows under their own name, and the cursor of the next page (null: this was the last). */
export function pageReply<K extends string, T extends z.ZodType>(key: K, row: T) {
  return z.object({ [key]: z.array(row), next_cursor: z.string().nullable().describe('pass as ?cursor= for the next page; null when there is none') } as {
    [P in K]: z.ZodArray<T>;
  } & { next_cursor: z.ZodNullable<z.ZodString> });
}

/** Positional SQL parameters, collected while a query is assembled. */
export class SqlParams {
  readonly values: unknown[] = [];
  p(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

type KeyType = 'text' | 'bigint' | 'numeric' | 'timestamptz' | 'date';
export interface KeyColumn {
  /** SQL expression of the column, e.g. `e.received_at`. */
  sql: string;
  type: KeyType;
}

const CHECK: Record<KeyType, (v: string) => boolean> = {
  text: (v) => v.length <= 256,
  bigint: (v) => /^-?\d{1,19}$/.test(v),
  numeric: (v) => /^-?\d{1,30}(\.\d{1,30})?$/.test(v),
  timestamptz: (v) => v.length <= 40 && /^\d{4}-\d{2}-\d{2}[ T][0-9:.]+([+-]\d{2}(:?\d{2})?|Z)?$/.test(v),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v),
};

export interface Keyset {
  /** `k0, k1, …` select list: the key of each row as text (exact, microseconds included). */
  select: string;
  orderBy: string;
  /** The condition "after the cursor" (TRUE without one); throws 400 BAD_CURSOR for a cursor not of this list. */
  after(q: SqlParams, cursor: string | undefined): string;
  /** Trims the extra row fetched (limit + 1), strips the key columns and makes next_cursor. */
  page<R extends Record<string, unknown>>(rows: R[], limit: number): { rows: Array<Omit<R, `k${number}`>>; next_cursor: string | null };
}

export function encodeCursor(list: string, values: string[], sort?: string): string {
  return Buffer.from(JSON.stringify(sort === undefined ? { l: list, v: values } : { l: list, s: sort, v: values }), 'utf8').toString('base64url');
}

function decodeCursor(list: string, cols: KeyColumn[], cursor: string, sort: string | undefined): string[] {
  const bad = (why: string) => new HttpError(400, 'BAD_CURSOR', `cursor: ${why}; pass next_cursor of a previous page of this list unchanged`, 'cursor');
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad('not a cursor of this API');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad('not a cursor of this API');
  }
  const c = parsed as { l?: unknown; s?: unknown; v?: unknown } | null;
  if (!c || typeof c !== 'object' || typeof c.l !== 'string' || !Array.isArray(c.v)) throw bad('not a cursor of this API');
  if (c.l !== list) throw bad(`a cursor of another list (${c.l.slice(0, 40)})`);
  if (c.s !== sort) {
    const made = typeof c.s === 'string' ? c.s.slice(0, 40) : 'none';
    throw new HttpError(400, 'CURSOR_SORT_MISMATCH', `cursor: made for sort=${made}, this request sorts by ${sort ?? 'none'}; drop the cursor to start this sort at its first page`, 'cursor');
  }
  if (c.v.length !== cols.length || !c.v.every((v, i) => typeof v === 'string' && CHECK[cols[i]!.type](v))) throw bad('damaged');
  return c.v as string[];
}

/**
 * A list's order: unique key columns, all in one direction (a row comparison then selects
 * "after" in one indexable condition). Key columns must never be NULL (a row comparison with
 * a NULL is unknown): coalesce a nullable sort key. `sort` names the order for cursors of a
 * sortable list.
 */
export function keyset(list: string, cols: KeyColumn[], dir: 'asc' | 'desc', sort?: string): Keyset {
  const op = dir === 'desc' ? '<' : '>';
  return {
    select: cols.map((c, i) => `(${c.sql})::text AS k${i}`).join(', '),
    orderBy: cols.map((c) => `${c.sql} ${dir.toUpperCase()}`).join(', '),
    after(q, cursor) {
      if (cursor === undefined) return 'TRUE';
      const v = decodeCursor(list, cols, cursor, sort);
      return `(${cols.map((c) => c.sql).join(', ')}) ${op} (${v.map((x, i) => `${q.p(x)}::${cols[i]!.type}`).join(', ')})`;
    },
    page(rows, limit) {
      const more = rows.length > limit;
      const kept = more ? rows.slice(0, limit) : rows;
      const last = kept[kept.length - 1];
      const next_cursor = more && last ? encodeCursor(list, cols.map((_, i) => String(last[`k${i}`])), sort) : null;
      const stripped = kept.map((r) => {
        const o: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(r)) if (!/^k\d+$/.test(k)) o[k] = v;
        return o as Omit<typeof r, `k${number}`>;
      });
      return { rows: stripped, next_cursor };
    },
  };
}

// ---- sorting ----

/** A sort of a list: its key columns, then tiebreakers that make the key unique. */
export type SortKeys = KeyColumn[];

export interface Sortable<N extends string> {
  /** The `sort` query parameter: a name of the allow-list, `-name` for descending. */
  query: z.ZodDefault<z.ZodEnum<{ [K in N | `-${N}`]: K }>>;
  /** The keyset of a sort the query parameter accepted. */
  keyset(sort: N | `-${N}`): Keyset;
}

/**
 * The sorts a list allows, each backed by an index or bounded by what the route filters to
 * (say which where the route declares them). A person's first click on a column sorts it
 * ascending or descending as the console chooses; the API takes both.
 */
export function sortable<N extends string>(list: string, by: Record<N, SortKeys>, def: NoInfer<N> | `-${NoInfer<N>}`, what: string): Sortable<N> {
  const names = Object.keys(by) as N[];
  const values = names.flatMap((n) => [n, `-${n}`]) as Array<N | `-${N}`>;
  const sets = new Map(values.map((v) => [v, v.startsWith('-') ? keyset(list, by[v.slice(1) as N], 'desc', v) : keyset(list, by[v as N], 'asc', v)]));
  const query = z
    .enum(values as [N | `-${N}`, ...Array<N | `-${N}`>])
    .default(def as never)
    .describe(`order of the list: ${names.join(', ')} (${what}); ascending, or descending with a leading '-' (-${names[0]}); default ${def}. Ties keep a fixed order; a cursor works only with the sort it was made with`);
  return {
    query: query as unknown as Sortable<N>['query'],
    keyset: (sort) => {
      const ks = sets.get(sort);
      if (!ks) throw new Error(`sortable(${list}): no sort ${sort}; the query schema admits only the allow-list`);
      return ks;
    },
  };
}

// ---- filters shared by list routes ----

const isoTime = z.iso.datetime({ offset: true });
const isoDate = z.iso.date();
/** A time bound: an ISO 8601 time with offset, or a date (midnight UTC). */
export const timeBound = z
  .union([isoTime, isoDate])
  .transform((v) => (v.length === 10 ? `${v}T00:00:00Z` : v))
  .describe('ISO 8601 time with offset (2026-12-01T09:00:00+01:00) or a date (2026-12-01, midnight UTC)');

/** Query parameters most lists take; a route picks the ones that make sense for it. */
export const listFilters = {
  store_id: storeIdSchema.optional().describe('only this store'),
  terminal_id: terminalIdSchema.optional().describe('only this terminal'),
  from: timeBound.optional().describe('from this time on (inclusive)'),
  to: timeBound.optional().describe('before this time (exclusive)'),
};

/** Refuses from ≥ to: a range that cannot hold anything is a mistake, not an empty page. */
export function checkRange(from: string | undefined, to: string | undefined): void {
  if (from && to && Date.parse(from) >= Date.parse(to)) throw new HttpError(400, 'BAD_RANGE', `from (${from}) must be before to (${to})`, 'from');
}

/** `col = ANY(stores)` for a store scope (null = every store), else TRUE. */
export function storeFilter(q: SqlParams, col: string, stores: string[] | null): string {
  return stores === null ? 'TRUE' : `${col} = ANY(${q.p(stores)}::text[])`;
}
