import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Journal } from './journal';
import { openJournal } from './open';

// Issue 9, item 17: the journal holds every sale of the till; only the register's user may
// read it, whatever the umask.

const mode = (f: string) => statSync(f).mode & 0o777;

describe.skipIf(process.platform === 'win32')('journal file permissions', () => {
  let dir = '';
  let j: Journal | null = null;
  const old = process.umask(0o022); // the usual umask, which gives 644 files and 755 folders
  afterEach(() => {
    j?.close();
    j = null;
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => void process.umask(old));

  it('creates the journal folder 700 and journal.sqlite, -wal and -shm 600', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'journal-perm-'));
    const file = path.join(dir, 'register', 'data', 'journal.sqlite');
    j = openJournal(file, { terminalId: 'T1', storeId: 'S1' });
    j.appendUnchecked('shift.opened', { shift_id: 's', cashier_id: '1', opening_float: { amount: 0, currency: 'USD' } });
    expect(mode(path.join(dir, 'register'))).toBe(0o700);
    expect(mode(path.dirname(file))).toBe(0o700);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect([f, mode(f)]).toEqual([f, 0o600]);
  });

  it('narrows a journal left world-readable by an older version to 600', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'journal-perm-'));
    const file = path.join(dir, 'journal.sqlite');
    j = openJournal(file, { terminalId: 'T1', storeId: 'S1' });
    j.close();
    j = null;
    chmodSync(file, 0o644);
    writeFileSync(`${file}-wal`, '');
    chmodSync(`${file}-wal`, 0o644);
    j = openJournal(file, { terminalId: 'T1', storeId: 'S1' });
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}-wal`)).toBe(0o600);
  });
});
