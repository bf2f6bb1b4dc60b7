import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { type Journal } from './journal';
import { openJournal, verifyJournalFile } from './open';
import { exportUnsynced } from './open';

// A replacement device's journal takes over a chain from a base (adoptHandover): only into a
// new database, only a chain that verifies and is its own terminal's, and the next append
// continues it; the database itself refuses a row that does not follow the base.
const ids = { terminalId: 'T01', storeId: 'S1' };
const opened = (j: Journal) =>
  j.append('shift.opened', { shift_id: randomUUID(), store_id: 'S1', terminal_id: 'T01', cashier_id: '1', currency: 'USD', opening_float: 100, opened_at: new Date().toISOString() } as never);

describe('journal handover (replacement device)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tillstream-handover-'));
  const open: Journal[] = [];
  const j = (name: string, o = ids) => {
    const x = openJournal(path.join(dir, name), o);
    open.push(x);
    return x;
  };
  afterEach(() => {
    for (const x of open.splice(0)) x.close();
  });

  it('continues the old chain after the base, verifies, and exports only what is unsynced', () => {
    const old = j('old.sqlite');
    for (let i = 0; i < 5; i++) opened(old);
    old.recordHubMark(5);
    const events = old.eventsAfter(2, 100); // the hub hands over 3..5
    const fresh = j('new.sqlite');
    expect(fresh.isNew()).toBe(true);
    expect(fresh.adoptHandover({ base: { seq: 2, hash: old.eventAt(2)!.hash }, events })).toEqual({ head: 5 });
    expect(fresh.head()).toEqual(old.head());
    expect(fresh.syncState().appliedThrough).toBe(5);
    expect(fresh.unsynced().count).toBe(0);
    expect(fresh.hashAt(2)).toBe(old.eventAt(2)!.hash);
    expect(fresh.eventAt(1)).toBeNull();
    const next = opened(fresh);
    expect(next.seq).toBe(6);
    expect(next.prev_hash).toBe(old.eventAt(5)!.hash);
    expect(() => fresh.adoptHandover({ base: { seq: 0, hash: '0'.repeat(64) }, events: [] })).toThrow(/already holds a chain/);
    expect(verifyJournalFile(fresh.path).ok).toBe(true);
    const x = exportUnsynced(fresh.path);
    expect(x.events.map((e) => e.seq)).toEqual([6]);
    expect(x.applied_through).toBe(5);
  });

  it('refuses a broken chain, another terminal\'s events, and rows that do not follow the base', () => {
    const old = j('old2.sqlite');
    for (let i = 0; i < 3; i++) opened(old);
    const evs = old.eventsAfter(0, 10);
    const a = j('a.sqlite');
    expect(() => a.adoptHandover({ base: { seq: 0, hash: '0'.repeat(64) }, events: [evs[0]!, evs[2]!] })).toThrow(/does not verify: gap/);
    const tampered = { ...evs[1]!, payload: { ...evs[1]!.payload, opening_float: 999 } };
    expect(() => a.adoptHandover({ base: { seq: 0, hash: '0'.repeat(64) }, events: [evs[0]!, tampered] })).toThrow(/bad hash/);
    const other = j('b.sqlite', { terminalId: 'T02', storeId: 'S1' });
    expect(() => other.adoptHandover({ base: { seq: 0, hash: '0'.repeat(64) }, events: evs })).toThrow(/is for S1\/T01/);
    expect(a.isNew()).toBe(true); // nothing was written
    a.adoptHandover({ base: { seq: 1, hash: evs[0]!.hash }, events: evs.slice(1) });
    a.close();
    // The trigger: a row at seq 1 (a fork from genesis) is refused by SQLite itself.
    const raw = new Database(path.join(dir, 'a.sqlite'));
    try {
      expect(() => raw.prepare("UPDATE chain_base SET seq = 0 WHERE id = 1").run()).toThrow(/only be set before/);
      expect(() => raw.prepare('DELETE FROM journal WHERE seq = 2').run()).toThrow(/append-only/);
    } finally {
      raw.close();
    }
  });

  afterEach(() => undefined);
  it.sequential('cleans up', () => rmSync(dir, { recursive: true, force: true }));
});
