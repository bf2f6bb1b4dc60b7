import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openJournal } from '../../src/sync';
import { REPO } from './child-process';
import { tempDir } from './helpers';

// `tillstream journal verify <db>` (the real CLI, spawned) finds a journal row edited
// behind the database's back.

let tmp: ReturnType<typeof tempDir>;
let db: string;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin/tillstream.mjs'), ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeEach(() => {
  tmp = tempDir();
  db = path.join(tmp.dir, 'register.db');
  const j = openJournal(db, { terminalId: 'V1', storeId: 'S1' });
  for (let i = 0; i < 12; i++) j.appendUnchecked('sale.completed', { sale_id: `sale-${i}`, note: 'AAAAAAAA', total: { amount: 1000 + i, currency: 'EUR' } });
  j.close();
});
afterEach(() => tmp.cleanup());

describe('tillstream journal verify', () => {
  it('prints the count and head hash of an intact journal (exit 0)', () => {
    const r = cli('journal', 'verify', db);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^OK 12 events, terminal V1, head seq 12 hash [0-9a-f]{64}\n$/);
  });

  it('finds an amount changed after dropping the trigger via a second connection (exit 1)', () => {
    const raw = new Database(db);
    raw.exec('DROP TRIGGER journal_no_update');
    raw.prepare("UPDATE journal SET payload = replace(payload, '1007', '7') WHERE seq = 8").run();
    raw.exec("CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal BEGIN SELECT RAISE(ABORT, 'journal is append-only: UPDATE refused'); END;");
    raw.close();
    const r = cli('journal', 'verify', db);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/BROKEN after 7 good events: bad hash at seq 8/);
  });

  it('finds a row deleted after dropping the delete trigger (gap, exit 1)', () => {
    const raw = new Database(db);
    // As an attacker with the sqlite3 shell would: its foreign keys are off by default
    // (better-sqlite3 turns them on), so the index tables that reference journal(seq) do not stop it.
    raw.pragma('foreign_keys = OFF');
    raw.exec('DROP TRIGGER journal_no_delete');
    raw.prepare('DELETE FROM journal WHERE seq = 5').run();
    raw.close();
    const r = cli('journal', 'verify', db);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/gap at seq 6: expected seq 5/);
  });

  it('finds bytes edited in the file itself (exit 1)', () => {
    // Checkpoint so the rows are in the main file, then flip a payload byte on disk.
    const raw = new Database(db);
    raw.pragma('wal_checkpoint(TRUNCATE)');
    raw.pragma('journal_mode = DELETE');
    raw.close();
    const bytes = readFileSync(db);
    const needle = Buffer.from('"sale_id":"sale-3"');
    // Every copy: B-tree page splits leave stale copies of a row in free pages.
    let edits = 0;
    for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) {
      bytes[at + needle.length - 2] = '9'.charCodeAt(0); // sale-3 -> sale-9 (before the closing quote), same length
      edits += 1;
    }
    expect(edits).toBeGreaterThan(0);
    writeFileSync(db, bytes);
    const r = cli('journal', 'verify', db);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/bad hash at seq 4/);
  });

  it('finds a payload respelled without changing its meaning (exit 1)', () => {
    const raw = new Database(db);
    raw.exec('DROP TRIGGER journal_no_update');
    raw.prepare("UPDATE journal SET payload = replace(payload, '\"note\":', '\"note\": ') WHERE seq = 2").run();
    raw.exec("CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal BEGIN SELECT RAISE(ABORT, 'journal is append-only: UPDATE refused'); END;");
    raw.close();
    const r = cli('journal', 'verify', db);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/BROKEN after 1 good events: row seq 2: stored payload is not the canonical JSON/);
  });

  it('reports removed append-only triggers even when the rows are intact (exit 1)', () => {
    const raw = new Database(db);
    raw.exec('DROP TRIGGER journal_no_update');
    raw.close();
    const r = cli('journal', 'verify', db);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/journal_no_update were removed/);
  });

  it('journal status shows store IT what is not synced and what the hub rejected', () => {
    const j = openJournal(db, { terminalId: 'V1', storeId: 'S1' });
    const e = j.eventAt(5)!;
    j.recordHubMark(9, [{ seq: 5, event_id: e.event_id, code: 'INVALID_PAYLOAD', reason: 'lines: required' }]);
    j.close();
    const r = cli('journal', 'status', db);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/hub has applied through seq 9; unsynced 3, oldest from \d{4}-/);
    expect(r.out).toMatch(/rejected by the hub: 1 \(1 not acknowledged by a manager\)\n {2}seq 5 INVALID_PAYLOAD: lines: required/);
  });

  it('says clearly when the file is not a journal', () => {
    const other = path.join(tmp.dir, 'other.db');
    new Database(other).close();
    const r = cli('journal', 'verify', other);
    expect(r.code).toBe(1);
    expect(r.out + r.err).toMatch(/cannot read journal rows|not a register journal|no such table/);
  });
});
