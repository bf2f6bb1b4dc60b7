import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createClient } from 'redis';
import { openDb } from '../../src/hub/db/db';
import { migrate } from '../../src/hub/db/migrate';
import { randomSchema } from '../../src/hub/testing/test-db';
import { checkInvariants, enrollRegister, seedStore } from '../../src/hub/testing/hub-fixture';
import { spawnHub, type ChildHub } from '../../src/hub/testing/spawn-hub';
import type { RegisterSim } from '../../src/hub/testing/register-sim';
import type { JournalEvent } from '../../src/core/protocol';
import type { Loose } from '../../src/hub/testing/loose';

// Issue 9 item 2: the hub survives Postgres dropping its connections. A hub process ingests
// from several registers while this test terminates every one of its backends
// (pg_terminate_backend) again and again — idle, mid-transaction, mid-COMMIT — and kills its
// Redis connection too. Registers behave like the real one: on any error ack, timeout or
// disconnect they reconnect, say hello and resend from the hub's mark. The run ends with the
// hub process never having exited, every sale applied exactly once, no event rejected, a zero
// trial balance and stock equal to its movements.

const URL = process.env.DATABASE_URL;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const REGISTERS = 3;
const SALES_PER_REGISTER = Number(process.env.FAULT_SALES ?? 24);
const MIN_TERMINATED = REGISTERS;
const MAX_WAVES = 40;
const OPENING = { S: { A: 10_000, B: 10_000, C: 10_000 } };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function syncAll(r: RegisterSim, url: string, codes: Map<string, number>, stop: () => boolean): Promise<void> {
  const last = r.journal[r.journal.length - 1]!.seq;
  for (let attempt = 0; attempt < 2000 && !stop(); attempt++) {
    try {
      if (!r.socket?.connected) {
        r.close();
        await r.connect(url);
      }
      const hello: Loose = await r.hello();
      if (!hello.ok) throw Object.assign(new Error(hello.error.code), { code: hello.error.code });
      let through: number = hello.applied_through;
      while (through < last) {
        const batch: JournalEvent[] = r.journal.filter((e) => e.seq > through).slice(0, 5);
        const ack: Loose = await r.push(batch, 5_000);
        if (!ack.ok) throw Object.assign(new Error(ack.error.code), { code: ack.error.code });
        if (ack.rejected.length) throw new Error(`rejected: ${JSON.stringify(ack.rejected)}`);
        through = ack.applied_through;
      }
      return;
    } catch (err) {
      const code = (err as { code?: string }).code ?? (/rejected/.test(String(err)) ? 'REJECTED' : 'transport');
      codes.set(code, (codes.get(code) ?? 0) + 1);
      if (code === 'REJECTED') throw err;
      r.close();
      await sleep(20 + Math.random() * 40);
    }
  }
  throw new Error(`${r.terminalId} did not finish`);
}

describe.skipIf(!URL)('hub on real Postgres with its backends terminated again and again', () => {
  const schema = randomSchema();
  const appName = `tsfault_${schema}`;
  const hubUrl = `${URL}${URL?.includes('?') ? '&' : '?'}application_name=${appName}`;
  let child: ChildHub | null = null;
  const regs: RegisterSim[] = [];
  afterAll(async () => {
    for (const r of regs) r.close();
    await child?.stop().catch(() => undefined);
    const db = await openDb({ databaseUrl: URL!, schema });
    await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await db.close();
  });

  it('ends with every sale applied once, trial balance zero, the hub never having exited', { timeout: 600_000 }, async () => {
    const setup = await openDb({ databaseUrl: URL!, schema });
    await migrate(setup);
    await seedStore(setup, 'S', OPENING.S);
    for (let i = 1; i <= REGISTERS; i++) regs.push(await enrollRegister(setup, 'S', `F-${i}`));
    await setup.close();
    const sellWave = () => {
      for (const r of regs) {
        for (let n = 0; n < SALES_PER_REGISTER; n++) r.sell([{ sku: 'ABC'[n % 3]!, units: 1 + (n % 4), unit_price: 100 + n }]);
      }
    };
    sellWave();

    child = await spawnHub({ databaseUrl: hubUrl, schema, redisUrl: REDIS_URL, redisStreamName: `tsfault-${schema}`, shutdownGraceMs: 2000 });
    let exitedEarly = false;
    void child.exited.then(() => (exitedEarly = true));

    const admin = new pg.Client({ connectionString: URL });
    admin.on('error', () => undefined);
    await admin.connect();
    const redisAdmin = createClient({ url: REDIS_URL });
    redisAdmin.on('error', () => undefined);
    await redisAdmin.connect();

    let done = false;
    let terminated = 0;
    let rounds = 0;
    let redisKills = 0;
    const killer = (async () => {
      while (!done) {
        // Often enough to hit idle clients, open transactions and COMMITs alike, not so often
        // that a loaded machine never finishes a transaction between two rounds.
        await sleep(80 + Math.random() * 320);
        const { rows } = await admin.query<{ ok: boolean }>(
          `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()`,
          [appName],
        );
        terminated += rows.filter((x) => x.ok).length;
        rounds += 1;
        if (rounds % 5 === 0) {
          // The hub's own Redis connection (named per process): the adapter must ride it out.
          const list = String(await redisAdmin.sendCommand(['CLIENT', 'LIST']));
          for (const line of list.split('\n')) {
            const id = /\bid=(\d+)\b/.exec(line)?.[1];
            if (id && line.includes(`name=tillstream-hub-${child!.proc.pid}`)) {
              await redisAdmin.sendCommand(['CLIENT', 'KILL', 'ID', id]);
              redisKills += 1;
            }
          }
        }
      }
    })();

    const codes = new Map<string, number>();
    try {
      // A fast machine can ingest one wave before the killer's first round, so the registers
      // keep selling in waves until faults have really hit (a bounded number of waves).
      for (let wave = 0; wave < MAX_WAVES && !exitedEarly; wave++) {
        if (wave > 0) sellWave();
        await Promise.all(regs.map((r) => syncAll(r, child!.url, codes, () => exitedEarly)));
        if (terminated > MIN_TERMINATED) break;
      }
    } finally {
      done = true;
      await killer;
    }
    // Idle connections dropped too: the next request still works.
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [appName]);
    await sleep(100);
    await syncAll(regs[0]!, child.url, codes, () => exitedEarly);
    await admin.end();
    await redisAdmin.quit();

    console.log(
      `pg-fault: ${terminated} backends terminated in ${rounds} rounds, ${redisKills} Redis connections killed; register retries by cause: ${JSON.stringify(Object.fromEntries(codes))}`,
    );
    expect(exitedEarly).toBe(false);
    expect(child.proc.exitCode).toBeNull();
    expect(terminated).toBeGreaterThan(MIN_TERMINATED); // faults really happened, more than once per register
    expect(codes.get('INTERNAL') ?? 0).toBe(0); // every fault was named for what it is

    const db = await openDb({ databaseUrl: URL!, schema });
    try {
      const per = await db.query<{ terminal_id: string; n: number; max: number }>(
        `SELECT terminal_id, count(*)::int AS n, max(seq)::int AS max FROM journal_events GROUP BY 1 ORDER BY 1`,
      );
      const sold = regs[0]!.journal.length;
      expect(per.rows).toEqual(regs.map((r) => ({ terminal_id: r.terminalId, n: sold, max: sold })));
      expect((await db.query(`SELECT 1 FROM event_rejections`)).rows).toEqual([]);
      const entries = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_entries`);
      expect(entries.rows[0]!.n).toBe(REGISTERS * sold);
      const inv = await checkInvariants(db, OPENING);
      expect(inv.balanced).toBe(true);
      expect(inv.duplicates).toBe(0);
      expect(inv.mismatches).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
