import { afterEach, describe, expect, it } from 'vitest';
import { startHub, type HubHandle } from '../../server';
import { trialBalance } from '../../ledger-queries';
import { createStore } from '../../stores';
import { ADMIN_TOKEN, api } from '../../testing/hub-fixture';
import { scratchDb, testBackends, type ScratchDb } from '../../testing/test-db';
import { historyFile } from '../testing/history-gen';
import type { HistoryProgress } from './run';

// Scheduled historical imports in a real hub (PGlite and Postgres), with the scheduler's clock
// injected: a job scheduled outside its off-peak window does not run however many scheduler
// ticks pass; inside it, it runs to done. A window that closes mid-import stops it between
// batches (every committed batch whole, nothing after it), a hub restart keeps it waiting, and
// the next window resumes it to the end. "Ticks" are counted as the scheduler's reads of the
// clock, so no assertion depends on how fast the machine is.

const WINDOW = { window: '01:00-05:00', time_zone: 'Europe/Berlin' }; // 00:00-04:00 UTC in December

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(testBackends())('scheduled historical import in a hub on $name', (backend) => {
  let scratch: ScratchDb | null = null;
  let hub: HubHandle | null = null;
  let now = new Date('2026-12-02T10:00:00Z');
  let clockReads = 0;
  let onBatch: (p: HistoryProgress) => void = () => undefined;
  const start = async () => {
    hub = await startHub({
      ...scratch!.dbOpts, port: 0, host: '127.0.0.1', logLevel: 'silent', adminToken: ADMIN_TOKEN, schedulerIntervalMs: 50,
      clock: () => {
        clockReads += 1;
        return now;
      },
      afterHistoryBatch: (p) => onBatch(p),
    });
    return hub;
  };
  const job = async (h: HubHandle, id: number) => (await api(h, 'GET', '/api/books/history?limit=50')).body.imports.find((j: { import_id: number }) => j.import_id === id);
  const entries = async (h: HubHandle) => (await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_entries`)).rows[0]!.n;
  /** Lets the scheduler read the clock `n` more times (n ticks that saw a waiting job). */
  const ticks = async (n: number) => {
    const target = clockReads + n;
    await until(`${n} scheduler ticks`, async () => clockReads >= target);
  };

  afterEach(async () => {
    await hub?.close();
    hub = null;
    await scratch?.dispose();
    scratch = null;
    onBatch = () => undefined;
  });

  it('does not run outside its window and runs to done inside it', async () => {
    scratch = scratchDb(backend, 'hist-sched');
    now = new Date('2026-12-02T10:00:00Z');
    const h = await start();
    for (const s of ['store-001', 'store-002']) await createStore(h.db, { store_id: s, name: s, currency: 'USD' });
    const content = historyFile({ count: 600, seed: 21 }).toString('utf8');

    // Refused at the boundary, nothing stored.
    expect((await api(h, 'POST', '/api/books/history', { content, window: '1-5' })).body).toMatchObject({ error: { code: 'BAD_WINDOW' } });
    expect((await api(h, 'POST', '/api/books/history', { content, window: '01:00-05:00', time_zone: 'Mars/Base' })).body).toMatchObject({ error: { code: 'BAD_TIME_ZONE' } });
    const bad = content.replace(/"unit_price":"[^"]+"/, '"unit_price":"1,5"');
    expect((await api(h, 'POST', '/api/books/history', { content: bad, ...WINDOW })).body).toMatchObject({ error: { code: 'BAD_HISTORY_LINE', message: expect.stringMatching(/^line 1: /) } });
    expect((await api(h, 'GET', '/api/books/history')).body.imports).toEqual([]);

    const r = await api(h, 'POST', '/api/books/history', { content, file_name: 'old-pos.jsonl', ...WINDOW, batch_size: 100 });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'scheduled', hub_run: true, total_sales: 600, done_sales: 0, window: { start: '01:00', end: '05:00', time_zone: 'Europe/Berlin' }, batch_size: 100 });
    const id = r.body.import_id as number;
    expect((await api(h, 'POST', '/api/books/history', { content, ...WINDOW })).body).toMatchObject({ error: { code: 'ALREADY_SCHEDULED' } });

    await ticks(20);
    expect(await job(h, id)).toMatchObject({ status: 'scheduled', done_sales: 0 });
    expect(await entries(h)).toBe(0);

    now = new Date('2026-12-03T00:30:00Z'); // 01:30 in Berlin
    const done = await until('done', async () => {
      const j = await job(h, id);
      return j.status === 'done' && j;
    });
    expect(done).toMatchObject({ done_sales: 600, posted_entries: 600, next_window_at: null, last_error: null });
    expect(await entries(h)).toBe(600);
    expect((await trialBalance(h.db)).balanced).toBe(true);
  }, 300_000);

  it('a transient database fault mid-import leaves the job due again, not failed: it resumes from its last batch to done', async () => {
    scratch = scratchDb(backend, 'hist-retry');
    now = new Date('2026-12-03T00:30:00Z'); // 01:30 in Berlin: open
    const h = await start();
    for (const s of ['store-001', 'store-002']) await createStore(h.db, { store_id: s, name: s, currency: 'USD' });
    let faults = 0;
    onBatch = () => {
      // As a deadlock or a dropped connection after the first batch committed.
      if (faults++ === 0) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
    };
    const content = historyFile({ count: 300, seed: 5 }).toString('utf8');
    const r = await api(h, 'POST', '/api/books/history', { content, ...WINDOW, batch_size: 100 });
    const id = r.body.import_id as number;
    const end = await until('done or failed', async () => {
      const j = await job(h, id);
      return (j.status === 'done' || j.status === 'failed') && j;
    });
    expect(end).toMatchObject({ status: 'done', done_sales: 300, posted_entries: 300 });
    expect(faults).toBeGreaterThan(1);
    expect(await entries(h)).toBe(300);
    expect((await trialBalance(h.db)).balanced).toBe(true);
  }, 300_000);

  it('pauses between batches when the window closes, waits across a hub restart, and resumes at the next window', async () => {
    scratch = scratchDb(backend, 'hist-window');
    now = new Date('2026-12-02T23:00:00Z'); // midnight in Berlin: closed
    let h = await start();
    for (const s of ['store-001', 'store-002']) await createStore(h.db, { store_id: s, name: s, currency: 'USD' });
    const content = historyFile({ count: 1_000, seed: 22 }).toString('utf8');
    const id = (await api(h, 'POST', '/api/books/history', { content, ...WINDOW, batch_size: 50 })).body.import_id as number;
    expect(await job(h, id)).toMatchObject({ status: 'scheduled', next_window_at: expect.any(String) });

    // The window opens; after the batch that reaches 300 sales, the clock passes its end.
    onBatch = (p) => {
      if (p.done_sales >= 300 && now.toISOString() === '2026-12-03T00:00:00.000Z') now = new Date('2026-12-03T04:00:00Z');
    };
    now = new Date('2026-12-03T00:00:00Z');
    const paused = await until('window_paused', async () => {
      const j = await job(h, id);
      return j.status === 'window_paused' && j;
    });
    expect(paused.done_sales).toBe(300);
    expect(await entries(h)).toBe(300); // every committed batch whole, nothing after the pause
    await ticks(20);
    expect(await job(h, id)).toMatchObject({ status: 'window_paused', done_sales: 300 });

    // A restart keeps it waiting for the next window.
    await h.close();
    hub = null;
    h = await start();
    const waiting = await job(h, id);
    expect(waiting).toMatchObject({ status: 'window_paused', done_sales: 300, window: { start: '01:00', end: '05:00', time_zone: 'Europe/Berlin' } });
    await ticks(10);
    expect(await entries(h)).toBe(300);

    // A person pauses it (the window no longer starts it) and resumes it.
    expect((await api(h, 'POST', `/api/books/history/${id}/pause`, {})).body).toEqual({ pause_requested: true });
    expect(await job(h, id)).toMatchObject({ status: 'paused' });
    const resumed = await api(h, 'POST', `/api/books/history/${id}/resume`, {});
    expect(resumed.body).toMatchObject({ status: 'scheduled', done_sales: 300 });
    expect((await api(h, 'POST', `/api/books/history/${id}/resume`, {})).body).toMatchObject({ error: { code: 'NOT_PAUSED' } });

    onBatch = () => undefined;
    now = new Date('2026-12-04T00:10:00Z'); // the next night, 01:10 in Berlin
    const done = await until('done', async () => {
      const j = await job(h, id);
      return j.status === 'done' && j;
    });
    expect(done).toMatchObject({ done_sales: 1_000, posted_entries: 1_000 });
    expect(await entries(h)).toBe(1_000);
    expect((await trialBalance(h.db)).balanced).toBe(true);
  }, 300_000);
});
