import { createHash } from 'node:crypto';
import type { Db, Queryable } from '../db/db';
import { AuthError } from '../auth';

// The fleet's update feed: what electron-updater's generic provider reads (latest.yml,
// latest-linux.yml, latest-mac.yml), chosen per register. A store pinned to a version gets
// that version. Otherwise the store's channel (its first group that has one, else '*') names
// a version and a staged percentage: a terminal is in the stage when its bucket (SHA-256 of
// terminal id and version, 0..99) is below the percentage, and stays on the channel's
// previous version otherwise. Rolling back puts the channel's previous version back for all.
// Whether and when a register installs what it downloaded stays the register's policy (never
// with a sale open or events unsynced; src/main/updates). A version that failed to start on a
// terminal (its boot guard rolled back and reported it) is not offered to that terminal again.

export type Platform = 'linux' | 'win' | 'mac';
export const FEED_FILES: Record<string, Platform> = { 'latest.yml': 'win', 'latest-linux.yml': 'linux', 'latest-mac.yml': 'mac' };

export interface ReleaseFile {
  url: string;
  sha512: string;
  size: number;
}
export interface Release {
  version: string;
  platform: Platform;
  files: ReleaseFile[];
  path: string;
  sha512: string;
  release_date: string;
}

export const VERSION_RE = /^\d{1,5}\.\d{1,5}\.\d{1,5}(-[0-9A-Za-z.-]{1,40})?$/;
export const FILE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._ -]{0,199}$/;

/** 0..99, stable for a terminal and a version (a new version draws a new stage). */
export function stageBucket(terminalId: string, version: string): number {
  return createHash('sha256').update(`${terminalId}\n${version}`).digest().readUInt32BE(0) % 100;
}

export async function publishRelease(db: Queryable, r: Release, by: string): Promise<void> {
  for (const f of r.files) if (!FILE_NAME_RE.test(f.url)) throw new AuthError('BAD_REQUEST', `file name ${JSON.stringify(f.url)}: letters, digits, . _ - and spaces only`, 'files');
  if (!r.files.some((f) => f.url === r.path)) throw new AuthError('BAD_REQUEST', `path ${r.path} is not one of the files`, 'path');
  await db.query(
    `INSERT INTO app_releases (version, platform, files, path, sha512, release_date, published_by)
     VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7)
     ON CONFLICT (version, platform) DO UPDATE SET files = excluded.files, path = excluded.path, sha512 = excluded.sha512, release_date = excluded.release_date`,
    [r.version, r.platform, JSON.stringify(r.files), r.path, r.sha512, r.release_date, by],
  );
}

async function knownVersion(db: Queryable, version: string): Promise<void> {
  const { rows } = await db.query(`SELECT 1 FROM app_releases WHERE version = $1 LIMIT 1`, [version]);
  if (!rows.length) throw new AuthError('NOT_FOUND', `no release ${version} was published`, 'version');
}

/** Sets a channel's version and stage; a new version keeps the one before as previous_version (for the rest of the stage and for rollback). */
export async function setChannel(db: Db, o: { channel: string; version: string; staged_percent: number; by: string }): Promise<ChannelRow> {
  return db.transaction(async (tx) => {
    await knownVersion(tx, o.version);
    const cur = (await tx.query<ChannelRow>(`SELECT channel, version, previous_version, staged_percent FROM update_channels WHERE channel = $1 FOR UPDATE`, [o.channel])).rows[0];
    const previous = !cur ? null : cur.version === o.version ? cur.previous_version : cur.version;
    const { rows } = await tx.query<ChannelRow>(
      `INSERT INTO update_channels (channel, version, previous_version, staged_percent, updated_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (channel) DO UPDATE SET version = excluded.version, previous_version = excluded.previous_version, staged_percent = excluded.staged_percent, updated_by = excluded.updated_by, updated_at = now()
       RETURNING channel, version, previous_version, staged_percent`,
      [o.channel, o.version, previous, o.staged_percent, o.by],
    );
    return rows[0]!;
  });
}

/** Every store of the channel goes back to the version before the current one. */
export async function rollbackChannel(db: Db, channel: string, by: string): Promise<ChannelRow> {
  return db.transaction(async (tx) => {
    const cur = (await tx.query<ChannelRow>(`SELECT channel, version, previous_version, staged_percent FROM update_channels WHERE channel = $1 FOR UPDATE`, [channel])).rows[0];
    if (!cur) throw new AuthError('NOT_FOUND', `no update channel ${channel}`, 'channel');
    if (!cur.previous_version) throw new AuthError('CONFLICT', `channel ${channel} has no previous version to roll back to`, 'channel');
    const { rows } = await tx.query<ChannelRow>(
      `UPDATE update_channels SET version = previous_version, previous_version = NULL, staged_percent = 100, updated_by = $2, updated_at = now()
        WHERE channel = $1 RETURNING channel, version, previous_version, staged_percent`,
      [channel, by],
    );
    return rows[0]!;
  });
}

export async function pinStore(db: Queryable, storeId: string, version: string | null, by: string): Promise<void> {
  if (version === null) {
    await db.query(`DELETE FROM update_pins WHERE store_id = $1`, [storeId]);
    return;
  }
  await knownVersion(db, version);
  await db.query(
    `INSERT INTO update_pins (store_id, version, pinned_by) VALUES ($1, $2, $3)
     ON CONFLICT (store_id) DO UPDATE SET version = excluded.version, pinned_by = excluded.pinned_by, pinned_at = now()`,
    [storeId, version, by],
  );
}

export type ChannelRow = {
  channel: string;
  version: string;
  previous_version: string | null;
  staged_percent: number;
};

export type FeedChoice = { version: string; why: 'pinned' | 'staged' | 'not_staged' | 'channel' | 'failed_here' } | null;

/**
 * The version a terminal's feed offers, from what the hub knows: a store pin wins; else the
 * store's channel (its first group that has one, else '*'), inside or outside the stage. A
 * version that failed to start on this terminal (its boot guard rolled back and reported it)
 * is not offered to it again: it stays on the channel's previous version.
 */
export function chooseVersion(terminalId: string, groups: readonly string[], channels: ReadonlyMap<string, ChannelRow>, pin: string | null, failedHere: ReadonlySet<string>): FeedChoice {
  if (pin) return { version: pin, why: 'pinned' };
  const ch = [...groups, '*'].map((g) => channels.get(g)).find((c) => c !== undefined);
  if (!ch) return null;
  const previous = ch.previous_version && !failedHere.has(ch.previous_version) ? { version: ch.previous_version } : null;
  if (failedHere.has(ch.version)) return previous ? { ...previous, why: 'failed_here' } : null;
  if (ch.staged_percent >= 100) return { version: ch.version, why: 'channel' };
  if (stageBucket(terminalId, ch.version) < ch.staged_percent) return { version: ch.version, why: 'staged' };
  return previous ? { ...previous, why: 'not_staged' } : null;
}

async function channelMap(db: Queryable): Promise<Map<string, ChannelRow>> {
  const { rows } = await db.query<ChannelRow>(`SELECT channel, version, previous_version, staged_percent FROM update_channels`);
  return new Map(rows.map((r) => [r.channel, r]));
}

/** The version this terminal's feed offers (null: no channel and no pin, so no update). */
export async function versionFor(db: Queryable, terminalId: string, storeId: string): Promise<FeedChoice> {
  const store = (await db.query<{ groups: string[]; pin: string | null }>(
    `SELECT s.groups, p.version AS pin FROM stores s LEFT JOIN update_pins p ON p.store_id = s.store_id WHERE s.store_id = $1`,
    [storeId],
  )).rows[0];
  if (!store) return null;
  const failed = (await db.query<{ version: string }>(`SELECT DISTINCT version FROM update_reports WHERE terminal_id = $1 AND outcome = 'failed_start'`, [terminalId])).rows;
  return chooseVersion(terminalId, store.groups ?? [], await channelMap(db), store.pin, new Set(failed.map((f) => f.version)));
}

export type UpdateReportIn = { version: string; from_version: string | null; outcome: 'installed' | 'failed_start' | 'not_installed'; detail: string; at: string };

/** A register's reports from its boot guard; the same report sent again changes nothing. Returns how many were new. */
export async function recordUpdateReports(db: Queryable, terminalId: string, storeId: string, reports: readonly UpdateReportIn[]): Promise<number> {
  let added = 0;
  for (const r of reports) {
    const res = await db.query(
      `INSERT INTO update_reports (terminal_id, store_id, version, from_version, outcome, detail, reported_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT DO NOTHING`,
      [terminalId, storeId, r.version, r.from_version, r.outcome, r.detail, r.at],
    );
    added += res.rowCount ?? 0;
  }
  return added;
}

export type TerminalUpdateRow = {
  terminal_id: string;
  store_id: string;
  app_version: string | null;
  last_seen_at: string | null;
  offered: FeedChoice;
  last_report: { version: string; from_version: string | null; outcome: string; detail: string; reported_at: string } | null;
};

export type UpdateStatus = {
  releases: { version: string; platforms: string[]; published_at: string }[];
  channels: ChannelRow[];
  pins: { store_id: string; version: string }[];
  terminals: TerminalUpdateRow[];
  truncated: boolean;
};

/** HQ's view of the fleet: releases, channels, pins, and per terminal what it runs, what its feed offers and its last report. Bounded. */
export async function updateStatus(db: Queryable, o: { stores?: readonly string[] | null; limit?: number } = {}): Promise<UpdateStatus> {
  const limit = Math.min(Math.max(o.limit ?? 2000, 1), 5000);
  const releases = (await db.query<{ version: string; platforms: string[]; published_at: Date }>(
    `SELECT version, array_agg(platform ORDER BY platform) AS platforms, max(published_at) AS published_at FROM app_releases GROUP BY version ORDER BY max(published_at) DESC LIMIT 200`,
  )).rows.map((r) => ({ version: r.version, platforms: r.platforms, published_at: new Date(r.published_at).toISOString() }));
  const channels = await channelMap(db);
  const storeFilter = o.stores ?? null;
  const pins = (await db.query<{ store_id: string; version: string }>(
    `SELECT store_id, version FROM update_pins WHERE ($1::text[] IS NULL OR store_id = ANY($1)) ORDER BY store_id`,
    [storeFilter],
  )).rows;
  const { rows } = await db.query<{ terminal_id: string; store_id: string; app_version: string | null; last_seen_at: Date | null; groups: string[]; pin: string | null; failed: string[] | null; r_version: string | null; r_from: string | null; r_outcome: string | null; r_detail: string | null; r_at: Date | null }>(
    `SELECT t.terminal_id, t.store_id, t.app_version, t.last_seen_at, s.groups, p.version AS pin,
            (SELECT array_agg(DISTINCT version) FROM update_reports f WHERE f.terminal_id = t.terminal_id AND f.outcome = 'failed_start') AS failed,
            r.version AS r_version, r.from_version AS r_from, r.outcome AS r_outcome, r.detail AS r_detail, r.reported_at AS r_at
       FROM terminals t JOIN stores s ON s.store_id = t.store_id
       LEFT JOIN update_pins p ON p.store_id = t.store_id
       LEFT JOIN LATERAL (SELECT version, from_version, outcome, detail, reported_at FROM update_reports u WHERE u.terminal_id = t.terminal_id ORDER BY received_at DESC, reported_at DESC LIMIT 1) r ON true
      WHERE ($1::text[] IS NULL OR t.store_id = ANY($1)) AND EXISTS (SELECT 1 FROM credentials c WHERE c.kind = 'register' AND c.terminal_id = t.terminal_id)
      ORDER BY t.store_id, t.terminal_id LIMIT $2`,
    [storeFilter, limit + 1],
  );
  const terminals = rows.slice(0, limit).map((t) => ({
    terminal_id: t.terminal_id,
    store_id: t.store_id,
    app_version: t.app_version,
    last_seen_at: t.last_seen_at ? new Date(t.last_seen_at).toISOString() : null,
    offered: chooseVersion(t.terminal_id, t.groups ?? [], channels, t.pin, new Set(t.failed ?? [])),
    last_report: t.r_version ? { version: t.r_version, from_version: t.r_from, outcome: t.r_outcome!, detail: t.r_detail ?? '', reported_at: new Date(t.r_at!).toISOString() } : null,
  }));
  return { releases, channels: [...channels.values()].sort((a, b) => a.channel.localeCompare(b.channel)), pins, terminals, truncated: rows.length > limit };
}

export async function releaseOf(db: Queryable, version: string, platform: Platform): Promise<Release | null> {
  const { rows } = await db.query<{ version: string; platform: Platform; files: ReleaseFile[]; path: string; sha512: string; release_date: Date }>(
    `SELECT version, platform, files, path, sha512, release_date FROM app_releases WHERE version = $1 AND platform = $2`,
    [version, platform],
  );
  const r = rows[0];
  return r ? { ...r, release_date: new Date(r.release_date).toISOString() } : null;
}

const q = (s: string): string => JSON.stringify(s); // a JSON string is a valid YAML double-quoted scalar

/** electron-updater's update info (latest*.yml), file URLs relative to the feed. */
export function feedYaml(r: Release): string {
  const lines = [`version: ${q(r.version)}`, 'files:'];
  for (const f of r.files) lines.push(`  - url: ${q(`files/${r.version}/${f.url}`)}`, `    sha512: ${q(f.sha512)}`, `    size: ${f.size}`);
  lines.push(`path: ${q(`files/${r.version}/${r.path}`)}`, `sha512: ${q(r.sha512)}`, `releaseDate: ${q(r.release_date)}`);
  return `${lines.join('\n')}\n`;
}
