import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type Journal } from './journal';
import { openJournal, verifyJournalFile, WAL_CHECKPOINT_BOUND_PAGES } from './open';

// The journal's WAL checkpoint runs off the append (open.ts, IdleCheckpointer): a sale's commit
// never copies the WAL into the database file; the event loop's next turn does, and past
// WAL_CHECKPOINT_BOUND_PAGES SQLite does it anyway (the WAL cannot grow without bound).

let dir: string;
let file: string;
let j: Journal | null = null;
const ids = { terminalId: 'T1', storeId: 'S1' };
// ~5 overflow pages a payload, so the frame count per append does not hang on the schema.
const fat = (i: number) => ({ sale_id: `s${i}`, note: 'x'.repeat(20_000) });
const dbSize = () => statSync(file).size;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'journal-ckpt-'));
  file = path.join(dir, 'register.db');
});
afterEach(() => {
  j?.close();
  j = null;
  rmSync(dir, { recursive: true, force: true });
});

it('checkpoints after the append returns, not inside it, and the chain is whole for a reader', async () => {
  j = openJournal(file, ids);
  const before = dbSize();
  // 250 appends × ≥ 5 pages is past SQLite's default autocheckpoint (1,000 pages), under the bound.
  for (let i = 0; i < 250; i++) j.appendUnchecked('sale.completed', fat(i));
  expect(dbSize()).toBe(before); // no append copied the WAL into the database file
  expect(verifyJournalFile(file)).toMatchObject({ ok: true, count: 250 }); // another process reads through the WAL
  await turn();
  expect(dbSize()).toBeGreaterThan(before + 250 * 20_000); // the idle checkpoint did
  j.appendUnchecked('sale.completed', fat(250));
  expect(j.verify()).toMatchObject({ ok: true, count: 251 });
});

it('bounds the WAL when the event loop never turns: SQLite checkpoints past the bound', () => {
  j = openJournal(file, ids);
  const before = dbSize();
  const n = Math.ceil((WAL_CHECKPOINT_BOUND_PAGES * 1.2) / 5);
  for (let i = 0; i < n; i++) j.appendUnchecked('sale.completed', fat(i));
  expect(dbSize()).toBeGreaterThan(before);
  expect(statSync(`${file}-wal`).size).toBeLessThan((WAL_CHECKPOINT_BOUND_PAGES + 200) * (4096 + 24));
});
