import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { canonicalJson, payloadContentProblem, sealEvent, JOURNAL_SCHEMA_VERSION } from '../src/core/protocol';
import { parseEventPayload } from '../src/core/events';
import { openJournal } from '../src/sync';
import { salePayload } from './table/common';

// Where the journal-commit row's time goes (bench/table/rows-register.ts): one journal.append of
// a 3-line sale against the floor's bare INSERT, split into
//  - what one commit writes: WAL frames (pages) per commit, append vs floor (the cart saved
//    before each append, as at the till, is not counted);
//  - the append and the floor with synchronous=OFF (the SQL work without the fsync);
//  - the CPU steps before the transaction, each alone, per call.
// usage: node bin/run-ts.mjs bench/journal-commit-parts.ts [n=2000]

const N = Number(process.argv[2] ?? 2000);
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const fmt = (xs: number[]): string => `p50 ${pct(xs, 50).toFixed(3)} p90 ${pct(xs, 90).toFixed(3)} p99 ${pct(xs, 99).toFixed(3)} ms`;

const FLOOR_TABLE = `CREATE TABLE journal (seq INTEGER PRIMARY KEY, version INTEGER NOT NULL, terminal_id TEXT NOT NULL, store_id TEXT NOT NULL, event_id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL, occurred_at TEXT NOT NULL, payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL UNIQUE)`;

function run(sync: 'FULL' | 'OFF', n: number): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-jparts-'));
  try {
    const j = openJournal(path.join(dir, 'journal.db'), { terminalId: 'B1', storeId: 'BS' });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const jdb = (j as any).db as Database.Database;
    jdb.pragma(`synchronous = ${sync}`);
    jdb.pragma('wal_autocheckpoint = 0');
    const raw = new Database(path.join(dir, 'raw.db'));
    raw.pragma('journal_mode = WAL');
    raw.pragma(`synchronous = ${sync}`);
    raw.pragma('wal_autocheckpoint = 0');
    raw.exec(FLOOR_TABLE);
    const ins = raw.prepare('INSERT INTO journal VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?)');
    const fig: number[] = [];
    const floor: number[] = [];
    const warm = 50;
    const wal = (f: string): number => statSync(`${f}-wal`).size;
    let jw = 0;
    let rw = 0;
    for (let i = 0; i < n + warm; i++) {
      const p = salePayload('BS', 'B1', i);
      const text = JSON.stringify(p);
      const moves = (p.lines as { sku: string; quantity: { units: number } }[]).map((l) => ({ sku: l.sku, delta: { units: -l.quantity.units, scale: 0 } }));
      j.saveOpenSale({ sale_id: p.sale_id, lines: p.lines });
      const w0 = wal(path.join(dir, 'journal.db'));
      const r0 = wal(path.join(dir, 'raw.db'));
      const t0 = performance.now();
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      j.append('sale.completed', p as any, { clearOpenSale: true, stockMovements: moves });
      const t1 = performance.now();
      ins.run(i + 1, 'B1', 'BS', randomUUID(), 'sale.completed', new Date().toISOString(), text, 'a'.repeat(64), randomUUID() + randomUUID());
      const t2 = performance.now();
      if (i >= warm) {
        fig.push(t1 - t0);
        floor.push(t2 - t1);
        jw += wal(path.join(dir, 'journal.db')) - w0;
        rw += wal(path.join(dir, 'raw.db')) - r0;
      }
    }
    const page = Number(jdb.pragma('page_size', { simple: true }));
    const frames = (bytes: number): string => (bytes / (page + 24) / n).toFixed(2);
    console.log(`synchronous=${sync}: append ${fmt(fig)}`);
    console.log(`synchronous=${sync}: floor  ${fmt(floor)}`);
    console.log(`  WAL frames (${page} B pages) per commit: append ${frames(jw)}, floor ${frames(rw)}`);
    if (!j.verify().ok) throw new Error('chain does not verify');
    j.close();
    raw.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function cpu(n: number): void {
  const ps = Array.from({ length: n }, (_, i) => salePayload('BS', 'B1', i));
  const step = (name: string, f: (p: Record<string, unknown>, i: number) => unknown): void => {
    for (let i = 0; i < Math.min(200, n); i++) f(ps[i]!, i);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f(ps[i]!, i);
    console.log(`  ${name.padEnd(36)} ${(((performance.now() - t0) / n) * 1000).toFixed(1)} µs`);
  };
  console.log('CPU steps, per call:');
  step('parseEventPayload (zod)', (p) => parseEventPayload('sale.completed', p));
  step('payloadContentProblem', (p) => payloadContentProblem(p, '$.payload'));
  step('canonicalJson(payload)', (p) => canonicalJson(p));
  step('JSON.parse(canonical)', (p) => JSON.parse(canonicalJson(p)));
  step('sealEvent (canonical body + sha256)', (p, i) =>
    sealEvent('0'.repeat(64), { version: JOURNAL_SCHEMA_VERSION, terminal_id: 'B1', store_id: 'BS', seq: i + 1, event_id: randomUUID(), type: 'sale.completed', occurred_at: new Date().toISOString(), payload: p }));
}

console.log(`loadavg ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);
cpu(N);
run('OFF', N);
run('FULL', N);
