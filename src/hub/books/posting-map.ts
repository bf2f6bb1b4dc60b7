import { ChartError, loadChart, type Chart, type ChartConfig } from '../../core/ledger/chart';
import { BOOKS_EVENT_TYPES, VALUE_ADJUSTMENT_EVENT_TYPE, describeUnmapped, mapCoverage, mappedKeys, TENDER_KINDS, type Coverage, type PostingUniverse } from '../../core/ledger/map-coverage';
import { LEDGER_EVENT_TYPES } from '../../core/events/registry';
import { canonicalJson } from '../../core/protocol/canonical-json';
import type { Db, Queryable } from '../db/db';
import { BooksInputError } from './errors';

// The chart of accounts and posting map as versions in the database (migration 017). HQ saves
// a new version; nothing edits an old one. Every hub process reads the newest version inside
// the transaction that posts (one indexed lookup; the parsed chart is cached per version), so a
// map saved through one hub applies on all of them from their next batch, and each entry
// records the version it was posted with. Version 1 is the hub's configured chart.

export interface ChartVersion {
  version: number;
  chart: Chart;
}

export interface ChartVersionRecord {
  version: number;
  note: string;
  created_by: string;
  created_at: string;
}

/** A chart fixed in code (tests, tools) or the versioned maps of a hub's database. */
export type ChartSource = Chart | PostingMaps;

/** The chart to post or render with now, and its version (null for a fixed chart). */
export async function chartNow(src: ChartSource, q: Queryable): Promise<{ chart: Chart; version: number | null }> {
  if (src instanceof PostingMaps) return src.current(q);
  return { chart: src, version: null };
}

const MAX_CACHED = 8;

export class PostingMaps {
  private readonly cache = new Map<number, Chart>();

  /** `seed` becomes version 1 when the database has no version yet. */
  constructor(readonly seed: Chart) {}

  /** The newest version. Seeds version 1 from the configured chart on a database that has none. */
  async current(q: Queryable): Promise<ChartVersion> {
    const r = await q.query<{ version: number | null }>(`SELECT max(version) AS version FROM chart_versions`);
    let version = r.rows[0]?.version == null ? null : Number(r.rows[0].version);
    if (version === null) {
      // Two hubs starting together both try; the primary key keeps one.
      await q.query(`INSERT INTO chart_versions (version, chart, note, created_by) VALUES (1, $1, 'the hub''s configured chart', 'hub config') ON CONFLICT (version) DO NOTHING`, [JSON.stringify(this.seed.config)]);
      version = 1;
    }
    return { version, chart: await this.load(q, version) };
  }

  async get(q: Queryable, version: number): Promise<ChartVersion & ChartVersionRecord> {
    const r = await q.query<{ note: string; created_by: string; created_at: string }>(
      `SELECT note, created_by, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at FROM chart_versions WHERE version = $1`,
      [version],
    );
    if (!r.rows[0]) throw new BooksInputError('UNKNOWN_MAP_VERSION', `no posting map version ${version}`);
    return { version, chart: await this.load(q, version), ...r.rows[0] };
  }

  async list(q: Queryable, opts: { before?: number; limit?: number } = {}): Promise<ChartVersionRecord[]> {
    await this.current(q);
    const r = await q.query<ChartVersionRecord & Record<string, unknown>>(
      `SELECT version, note, created_by, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at
         FROM chart_versions WHERE ($1::int IS NULL OR version < $1) ORDER BY version DESC LIMIT $2`,
      [opts.before ?? null, Math.min(Math.max(opts.limit ?? 100, 1), 1000)],
    );
    return r.rows.map((x) => ({ ...x, version: Number(x.version) }));
  }

  /**
   * Saves a new version after checking it: the chart schema (accounts, types, names), that
   * everything the hub knows of posts somewhere (MAP_UNMAPPED names what has no account), and
   * that no account with postings is removed or changes type (MAP_ACCOUNT_IN_USE). A chart
   * equal to the current version saves nothing.
   */
  async save(db: Db, input: unknown, who: { by: string; note?: string }): Promise<{ version: number; unchanged: boolean; coverage: Coverage }> {
    let next: Chart;
    try {
      next = loadChart(input);
    } catch (e) {
      if (e instanceof ChartError) throw new BooksInputError('BAD_MAP', e.message.replace(/\s*\n\s*/g, '; ').replace(/:;/, ':'));
      throw e;
    }
    return db.transaction(async (tx) => {
      // Saves are serialised; posting (plain reads) is not blocked.
      await tx.query(`LOCK TABLE chart_versions IN EXCLUSIVE MODE`);
      const cur = await this.current(tx);
      const coverage = mapCoverage(next, await postingUniverse(tx, cur.chart));
      if (coverage.unmapped.length > 0) {
        throw new BooksInputError('MAP_UNMAPPED', `the posting map leaves ${coverage.unmapped.length} without an account: ${describeUnmapped(coverage.unmapped)}`);
      }
      const inUse = await accountsWithPostings(tx);
      const problems: string[] = [];
      for (const code of inUse) {
        const before = cur.chart.accounts.get(code);
        const after = next.accounts.get(code);
        if (!after) problems.push(`account "${code}" has postings and cannot be removed (rename it or stop mapping to it)`);
        else if (before && before.type !== after.type) problems.push(`account "${code}" has postings and cannot change type from ${before.type} to ${after.type}`);
      }
      if (problems.length > 0) throw new BooksInputError('MAP_ACCOUNT_IN_USE', problems.join('; '));
      if (canonicalJson(next.config as unknown as Record<string, unknown>) === canonicalJson(cur.chart.config as unknown as Record<string, unknown>)) {
        return { version: cur.version, unchanged: true, coverage };
      }
      const version = cur.version + 1;
      await tx.query(`INSERT INTO chart_versions (version, chart, note, created_by) VALUES ($1, $2, $3, $4)`, [version, JSON.stringify(next.config), (who.note ?? '').slice(0, 500), who.by]);
      return { version, unchanged: false, coverage };
    });
  }

  private async load(q: Queryable, version: number): Promise<Chart> {
    const hit = this.cache.get(version);
    if (hit) return hit;
    const r = await q.query<{ chart: ChartConfig }>(`SELECT chart FROM chart_versions WHERE version = $1`, [version]);
    if (!r.rows[0]) throw new BooksInputError('UNKNOWN_MAP_VERSION', `no posting map version ${version}`);
    // Stored versions passed loadChart when saved; a failure here is a corrupted row, not input.
    const chart = loadChart(r.rows[0].chart);
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(version, chart);
    return chart;
  }
}

/** Accounts with at least one ledger line: a skip scan over the account index, not a full scan. */
async function accountsWithPostings(q: Queryable): Promise<string[]> {
  const r = await q.query<{ account: string }>(
    `WITH RECURSIVE a AS (
       SELECT min(account) AS account FROM ledger_lines
       UNION ALL SELECT (SELECT min(account) FROM ledger_lines WHERE account > a.account) FROM a WHERE a.account IS NOT NULL)
     SELECT account FROM a WHERE account IS NOT NULL`,
  );
  return r.rows.map((x) => x.account);
}

/**
 * Everything the hub knows can be posted: the catalog's categories, the stores' tax codes,
 * the processors of channels and of imported settlements, the tender kinds and event types,
 * plus every key the current map posts explicitly (so a new version cannot silently drop one).
 */
export async function postingUniverse(q: Queryable, current: Chart): Promise<PostingUniverse> {
  const prev = mappedKeys(current);
  const cats = await q.query<{ c: string }>(`SELECT DISTINCT data->>'category' AS c FROM products WHERE data->>'category' IS NOT NULL`);
  const taxes = await q.query<{ code: string; jurisdiction: string }>(
    `SELECT DISTINCT r->>'code' AS code, r->>'jurisdiction' AS jurisdiction
       FROM stores s, jsonb_array_elements(CASE WHEN jsonb_typeof(s.tax->'rates') = 'array' THEN s.tax->'rates' ELSE '[]'::jsonb END) r
      WHERE r->>'code' IS NOT NULL AND r->>'jurisdiction' IS NOT NULL`,
  );
  const procs = await q.query<{ p: string }>(
    `SELECT DISTINCT p FROM (
       SELECT default_processor AS p FROM channels WHERE default_processor IS NOT NULL
       UNION SELECT v AS p FROM channels, jsonb_each_text(processor_map) AS m(k, v)
       UNION SELECT DISTINCT processor FROM settlement_lines) x WHERE p IS NOT NULL`,
  );
  const settlements = (await q.query(`SELECT 1 FROM settlement_payouts LIMIT 1`)).rows.length > 0;
  const loyalty = (await q.query(`SELECT 1 FROM loyalty_settings LIMIT 1`)).rows.length > 0;
  // Adjustments made (or mapped) before: a new version must still post them.
  const adjusted = current.config.mapping.adjustments !== undefined || (await q.query(`SELECT 1 FROM value_movements WHERE kind = 'adjust' LIMIT 1`)).rows.length > 0;
  const tenderKinds: string[] = TENDER_KINDS.filter((k) => k !== 'points');
  if (loyalty || current.config.mapping.loyalty) tenderKinds.push('points');
  return {
    categories: [...cats.rows.map((r) => r.c), ...prev.categories],
    taxes: [...taxes.rows, ...prev.taxes],
    processors: [...procs.rows.map((r) => r.p), ...prev.processors],
    tender_kinds: tenderKinds,
    event_types: [...LEDGER_EVENT_TYPES, ...(settlements || current.config.mapping.bank !== undefined ? BOOKS_EVENT_TYPES : []), ...(adjusted ? [VALUE_ADJUSTMENT_EVENT_TYPE] : [])],
  };
}
