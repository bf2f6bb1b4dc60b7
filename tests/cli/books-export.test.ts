import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from './run-cli';
import { defaultChart } from '../../src/core/ledger/default-charts';
import { openDb } from '../../src/hub/db/db';
import { migrate } from '../../src/hub/db/migrate';
import { generateMonth, loadMonth } from '../../src/hub/books/testing/month';
import { historyFile } from '../../src/hub/books/testing/history-gen';
import { spawn } from 'node:child_process';

// `tillstream books export run|list|show` against a stopped hub's PGlite folder, as an
// operator runs them: batches cut once, only new entries the second time, a batch shown
// again byte-identical, refusals with their code on one stderr line and exit 1.

const cli = runCli;

const dir = mkdtempSync(path.join(tmpdir(), 'tillstream-cli-export-'));
const dataDir = path.join(dir, 'hub');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tillstream books export', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    const db = await openDb({ dataDir });
    await migrate(db);
    await loadMonth(db, defaultChart('us'), generateMonth(fc, { seed: 5, days: 3, salesPerDay: 3 }));
    await db.close();
  }, 300_000);

  it('cuts batches for a target, lists them and shows one again identically', async () => {
    const f1 = path.join(dir, 'b1.journal');
    const r1 = await cli(['books', 'export', 'run', '--data-dir', dataDir, '--target', 'acct', '--format', 'hledger', '--mode', 'daily_summary', '--to', '2026-11-01', '--out', f1, '--by', 'finance@hq']);
    expect(r1.err).toBe('');
    expect(r1.code).toBe(0);
    const b1 = JSON.parse(r1.out) as { batch_id: number; entry_count: number; mode: string; files: string[] };
    expect(b1).toMatchObject({ mode: 'daily_summary', files: [f1] });
    expect(readFileSync(f1, 'utf8')).toContain(`tillstream-batch:${b1.batch_id}`);
    const r2 = await cli(['books', 'export', 'run', '--data-dir', dataDir, '--target', 'acct', '--out', path.join(dir, 'b2.journal')]);
    expect(r2.code).toBe(0);
    const none = await cli(['books', 'export', 'run', '--data-dir', dataDir, '--target', 'acct']);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/^NOTHING_TO_EXPORT: /);
    const list = await cli(['books', 'export', 'list', '--data-dir', dataDir]);
    expect(list.out.trim().split('\n').map((l) => (JSON.parse(l) as { batch_id: number }).batch_id)).toEqual([b1.batch_id + 1, b1.batch_id]);
    const shown = await cli(['books', 'export', 'show', String(b1.batch_id), '--data-dir', dataDir]);
    expect(shown.out).toBe(readFileSync(f1, 'utf8'));
  });

  it('imports an edited hledger export back as corrections, once', async () => {
    const f = path.join(dir, 'pt.journal');
    const r = await cli(['books', 'export', 'run', '--data-dir', dataDir, '--target', 'pt', '--format', 'hledger', '--mode', 'per_transaction', '--out', f]);
    expect(r.code).toBe(0);
    // reclassify the first sale's revenue posting
    const text = readFileSync(f, 'utf8').replace(/^(\s+)Income:Sales:\S+(\s+-)/m, '$1Income:Other$2');
    writeFileSync(f, text);
    const i1 = await cli(['books', 'corrections', 'import', f, '--format', 'hledger', '--data-dir', dataDir, '--by', 'anna@finance']);
    expect(i1.err).toBe('');
    const out = JSON.parse(i1.out) as { import_id: number; adjusted: unknown[]; already_imported: boolean };
    expect(out).toMatchObject({ already_imported: false });
    expect(out.adjusted).toHaveLength(1);
    const i2 = await cli(['books', 'corrections', 'import', f, '--format', 'hledger', '--data-dir', dataDir]);
    expect(JSON.parse(i2.out)).toMatchObject({ import_id: out.import_id, already_imported: true, adjusted: [] });
    const items = await cli(['books', 'corrections', 'items', String(out.import_id), '--data-dir', dataDir]);
    expect(JSON.parse(items.out.trim())).toMatchObject({ outcome: 'adjusted' });
    const bad = await cli(['books', 'corrections', 'import', f, '--format', 'gnucash', '--data-dir', dataDir]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^BAD_FORMAT: /);
  });

  it('books history import: progress, Ctrl-C pauses a real process, running it again resumes, then nothing more to do', async () => {
    const file = path.join(dir, 'history.jsonl');
    writeFileSync(file, historyFile({ count: 4_000, seed: 3, start: '2024-01-01' }));
    const child = spawn(process.execPath, ['bin/tillstream.mjs', 'books', 'history', 'import', file, '--data-dir', dataDir, '--batch-size', '100', '--yield-ms', '50'], { cwd: path.resolve(__dirname, '../..') });
    let err = '';
    let out = '';
    let interruptSent = false;
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const interrupted = new Promise<void>((resolve) => {
      child.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        // One Ctrl-C: a second one, sent on the next progress line, would find no handler and kill
        // the process before it prints where it paused.
        if (!interruptSent && /\(1\d%\)/.test(err)) {
          interruptSent = true;
          child.kill('SIGINT');
        }
      });
      child.on('close', () => resolve()); // 'close', not 'exit': stdout may still hold the JSON line when the process has exited
    });
    await interrupted;
    expect(err).toMatch(/history import \d+: \d+\/4000 sales \(\d+%\)/);
    expect(err).toMatch(/paused at \d+\/4000 sales; run the same command again to resume/);
    const paused = JSON.parse(out) as { status: string; done_sales: number };
    expect(paused.status).toBe('paused');
    expect(paused.done_sales).toBeLessThan(4000);
    const resumed = await cli(['books', 'history', 'import', file, '--data-dir', dataDir, '--batch-size', '1000']);
    expect(JSON.parse(resumed.out)).toMatchObject({ status: 'done', done_sales: 4000, posted_entries: 4000 });
    const again = await cli(['books', 'history', 'import', file, '--data-dir', dataDir]);
    expect(JSON.parse(again.out)).toMatchObject({ already_imported: true, posted_now: 0 });
    const list = await cli(['books', 'history', 'list', '--data-dir', dataDir]);
    expect(JSON.parse(list.out.trim().split('\n')[0]!)).toMatchObject({ status: 'done', total_sales: 4000 });
    const tb = await cli(['ledger', 'trial-balance', '--json', '--data-dir', dataDir]);
    expect(JSON.parse(tb.out)).toMatchObject({ balanced: true });
  });

  it('books history import --format square-transactions maps a Square Transactions CSV through the store map; once; bad options refused', async () => {
    const file = path.resolve(__dirname, '../../src/hub/books/history/fixtures/square-transactions-older.csv');
    const base = ['books', 'history', 'import', file, '--data-dir', dataDir, '--format', 'square-transactions'];
    expect((await cli(base)).err).toMatch(/^BAD_STORE_MAP: --format square-transactions needs --store-map/);
    expect((await cli([...base, '--store-map', 'Main Street=store-001'])).err).toMatch(/^BAD_HISTORY_LINE: line 2: Location "Harbour" is not in the store map; line 3: Location "Harbour"/);
    expect((await cli([...base, '--store-map', 'Harbour=store-404'])).err).toMatch(/^UNKNOWN_STORE: store map names store-404/);
    expect((await cli(['books', 'history', 'import', file, '--data-dir', dataDir, '--format', 'csv'])).err).toMatch(/^BAD_OPTION: --format must be jsonl or square-transactions/);
    const map = path.join(dir, 'square-stores.json');
    writeFileSync(map, JSON.stringify({ Harbour: 'store-002' }));
    const r = await cli([...base, '--store-map', map]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ status: 'done', total_sales: 2, posted_entries: 2 });
    const again = await cli([...base, '--store-map', 'Harbour=store-002']);
    expect(JSON.parse(again.out)).toMatchObject({ already_imported: true, posted_now: 0 });
    expect(JSON.parse((await cli(['ledger', 'trial-balance', '--json', '--data-dir', dataDir])).out)).toMatchObject({ balanced: true });
  });

  it('books history import --window hands the file to the hub: scheduled with its window, paused and resumed; bad windows refused', async () => {
    const file = path.join(dir, 'history-night.jsonl');
    writeFileSync(file, historyFile({ count: 300, seed: 8, start: '2023-01-01' }));
    const badTz = await cli(['books', 'history', 'import', file, '--data-dir', dataDir, '--window', '01:00-05:00', '--tz', 'Mars/Base']);
    expect(badTz.code).toBe(1);
    expect(badTz.err).toMatch(/^BAD_TIME_ZONE: unknown IANA time zone "Mars\/Base"/);
    const badWindow = await cli(['books', 'history', 'import', file, '--data-dir', dataDir, '--window', '1am-5am']);
    expect(badWindow.err).toMatch(/^BAD_WINDOW: /);
    expect((await cli(['books', 'history', 'import', file, '--data-dir', dataDir, '--tz', 'Europe/Berlin'])).err).toMatch(/^BAD_WINDOW: --tz needs --window/);
    const r = await cli(['books', 'history', 'import', file, '--data-dir', dataDir, '--window', '01:00-05:00', '--tz', 'Europe/Berlin', '--batch-size', '100']);
    expect(r.code).toBe(0);
    const job = JSON.parse(r.out) as { import_id: number; next_window_at: string };
    expect(job).toMatchObject({ status: 'scheduled', hub_run: true, total_sales: 300, done_sales: 0, batch_size: 100, window: { start: '01:00', end: '05:00', time_zone: 'Europe/Berlin' } });
    expect(new Date(job.next_window_at).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(r.err).toMatch(new RegExp(`history import ${job.import_id}: 300 sales scheduled; the hub starts it at `));
    // Not run by the CLI any more: the hub runs it.
    expect((await cli(['books', 'history', 'import', file, '--data-dir', dataDir])).err).toMatch(/^HUB_RUN: /);
    expect(JSON.parse((await cli(['books', 'history', 'pause', String(job.import_id), '--data-dir', dataDir])).out)).toEqual({ import_id: job.import_id, pause_requested: true });
    const listed = (await cli(['books', 'history', 'list', '--data-dir', dataDir])).out.trim().split('\n').map((l) => JSON.parse(l) as { import_id: number; status: string; next_window_at: string | null });
    expect(listed.find((j) => j.import_id === job.import_id)).toMatchObject({ status: 'paused', next_window_at: null });
    const resumed = await cli(['books', 'history', 'resume', String(job.import_id), '--data-dir', dataDir]);
    expect(JSON.parse(resumed.out)).toMatchObject({ status: 'scheduled', next_window_at: expect.any(String) });
    expect((await cli(['books', 'history', 'resume', String(job.import_id), '--data-dir', dataDir])).err).toMatch(/^NOT_PAUSED: /);
  });
});
