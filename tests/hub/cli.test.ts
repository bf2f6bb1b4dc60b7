import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnCli } from '../cli/run-cli';
import { openDb } from '../../src/hub/db/db';
import { migrate } from '../../src/hub/db/migrate';
import { scratchDb, testBackends } from '../../src/hub/testing/test-db';
import { enrollRegister, seedStore, startTestHub } from '../../src/hub/testing/hub-fixture';

const cli = (args: string[]) => spawnCli(args);

describe.each(testBackends())('tillstream ledger / hub CLI on $name', (backend) => {
  const scratch = scratchDb(backend, 'cli');
  const { dir, dbOpts } = scratch;
  const configFile = path.join(dir, 'hub.json');
  writeFileSync(configFile, JSON.stringify({ ...dbOpts, chart: 'us' }));
  afterAll(async () => {
    await scratch.dispose();
  });

  it('trial-balance prints totals and exits 0; export writes hledger; an unbalanced ledger exits 1', { timeout: 480_000 }, async () => {
    let db = await openDb(dbOpts);
    await migrate(db);
    await seedStore(db, 'S', { A: 10 });
    const hub = await startTestHub(db);
    const reg = await enrollRegister(db, 'S', 'S-1');
    await reg.connect(hub.url);
    const ack = await reg.push([reg.sell([{ sku: 'A', units: 2, unit_price: 450 }]), reg.sell([{ sku: 'A', units: 1, unit_price: 450 }])]);
    expect(ack.applied_through).toBe(2);
    reg.close();
    await hub.close();
    await db.close();

    const tb = cli(['ledger', 'trial-balance', '--config', configFile]);
    expect(tb.err).toBe('');
    expect(tb.code).toBe(0);
    expect(tb.out).toMatch(/TOTAL\s+USD\s+1350\s+1350\s+balanced/);

    const hl = cli(['ledger', 'export', '--format', 'hledger', '--config', configFile]);
    expect(hl.code).toBe(0);
    expect(hl.out).toMatch(/Income:Sales:Grocery\s+-9\.00 USD/);
    expect(hl.out).toMatch(/Income:Sales:Grocery\s+-4\.50 USD/);
    const bad = cli(['ledger', 'export', '--format', 'csv', '--config', configFile]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/--format/);

    const code = cli(['hub', 'enroll-code', '--store', 'S', '--terminal', 'S-9', '--config', configFile, '--json']);
    expect(code.code).toBe(0);
    expect(JSON.parse(code.out).code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);

    // Break the books behind the database's back (the balance trigger refuses it otherwise).
    db = await openDb(dbOpts);
    await db.exec(`ALTER TABLE ledger_lines DISABLE TRIGGER ledger_lines_balanced`);
    await db.exec(`INSERT INTO ledger_entries (entry_id, event_type, date) VALUES ('broken', 'test', '2026-01-01');
                   INSERT INTO ledger_lines (entry_id, line_no, account, currency, debit) VALUES ('broken', 0, '1000', 'USD', 1);`);
    await db.close();
    const broken = cli(['ledger', 'trial-balance', '--config', configFile]);
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(/NOT BALANCED/);
  });
});
