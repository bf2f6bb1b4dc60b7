import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { openDb } from '../../src/hub/db/db';
import { migrate } from '../../src/hub/db/migrate';
import { scratchDb, testBackends } from '../../src/hub/testing/test-db';
import { seedDemoStore } from '../../src/hub/demo/seed';
import { createEnrollmentCode, redeemEnrollmentCode } from '../../src/hub/auth';
import { setLoyaltySettings } from '../../src/hub/value/settings';
import { DEFAULT_LOYALTY_SETTINGS } from '../../src/core/loyalty';
import { spawnHub, type ChildHub } from '../../src/hub/testing/spawn-hub';
import { hashPinWithCost } from '../../src/main/register/pins';

// Gift cards and points against crashes, with real processes and sockets: the hub in its own
// process (src/hub/testing/child-hub.ts), the register in its own (fixtures/register-process.ts:
// real SQLite journal, SyncClient, register service). Each fault lands between a reservation
// and the sale that settles it:
//   - the register SIGKILLed the moment the hub's "held" reply arrives (the tender never went on
//     the sale); restarted, the same tender key finds the same hold and the sale settles it once;
//   - the register SIGKILLed with the tender on its saved sale and gone past the TTL: the hold
//     expires with an alert; back, the sale still stands and the card is charged once;
//   - the hub SIGKILLed after committing a reservation, before replying: the register takes the
//     tender under the offline policy; the sale, when it arrives, settles that hold (no hold left);
//   - the reply to a reservation dropped on the way: the same;
//   - the hub SIGKILLed after committing a points sale, before its ack: the resend does not
//     earn the points twice.
// At the end no reservation is held and each card's balance is the sum of its movements.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PIN = '1234';
const HASH = hashPinWithCost(PIN, 1024);
const ADMIN = `admin-${randomBytes(12).toString('hex')}`;
const TTL = 30;
const USD = (amount: number) => ({ amount, currency: 'USD' });

type Fault = 'die_after_reserve_reply' | 'drop_reserve_ack';

class RegisterProcess {
  readonly proc: ChildProcess;
  readonly lines: string[] = [];
  private next = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = '';
  constructor(config: unknown, fault?: Fault) {
    this.proc = spawn(process.execPath, [path.join(ROOT, 'bin/run-ts.mjs'), path.join(ROOT, 'tests/hub/fixtures/register-process.ts')], {
      cwd: ROOT,
      env: { ...process.env, TILLSTREAM_REGISTER_PROCESS: JSON.stringify({ config, fault }) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let buf = '';
    this.proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        this.lines.push(line);
        const m = /^(OK|ERR) (\d+) (.*)$/.exec(line);
        if (!m) continue;
        const p = this.pending.get(Number(m[2]));
        this.pending.delete(Number(m[2]));
        if (m[1] === 'OK') p?.resolve(JSON.parse(m[3]!));
        else p?.reject(Object.assign(new Error(JSON.parse(m[3]!).message), JSON.parse(m[3]!)));
      }
    });
    this.proc.stderr!.setEncoding('utf8').on('data', (c: string) => (this.stderr = (this.stderr + c).slice(-4000)));
    this.exited = new Promise((resolve) =>
      this.proc.once('close', (code, signal) => {
        for (const p of this.pending.values()) p.reject(new Error(`register process ended (${code ?? signal}): ${this.stderr.slice(-500)}`));
        this.pending.clear();
        resolve({ code, signal });
      }),
    );
  }
  async ready(): Promise<this> {
    await until('register READY', async () => this.lines.includes('READY'), 90_000);
    return this;
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- command results checked field by field
  call(name: string, params: unknown = {}): Promise<any> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.proc.stdin!.write(`${JSON.stringify({ id, name, params })}\n`);
    });
  }
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(t);
  }
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(testBackends())('loyalty faults with real processes on $name', (backend) => {
  const scratch = scratchDb(backend, 'loyalty-faults');
  const { dir, dbOpts } = scratch;
  let hub: ChildHub | null = null;
  let reg: RegisterProcess | null = null;
  let config: Record<string, unknown>;

  const startHub = async (extra: Record<string, unknown> = {}) => {
    hub = await spawnHub({ ...dbOpts, adminToken: ADMIN, schedulerIntervalMs: 200, ...extra });
    return hub;
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- HTTP JSON checked field by field
  const hq = async (p: string): Promise<any> => {
    const res = await fetch(`${hub!.url}${p}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    return res.json();
  };
  const card = (id: string) => hq(`/api/gift-cards/${id}`);
  const startRegister = async (fault?: Fault) => {
    reg = await new RegisterProcess({ ...config, hub: { url: hub!.url, token: (config.hub as { token: string }).token } }, fault).ready();
    await reg.call('session.signIn', { cashier_id: '1001', pin: PIN });
    await until('register online', async () => (await reg!.call('sync.status')).online).catch(async (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(await reg!.call('sync.status'))} ${reg!.stderr.slice(-1500)}`);
    });
    return reg;
  };
  const synced = () => until('register synced', async () => (await reg!.call('sync.status')).unsynced === 0);
  const sell = async (giftAmount: number, code: string) => {
    await reg!.call('sale.addSku', { sku: 'COFFEE-LARGE', quantity: { units: 10, scale: 0 } }); // 34.90
    return reg!.call('sale.tender', { kind: 'gift', amount: USD(giftAmount), gift_code: code });
  };
  const finishInCash = async () => {
    const v = await reg!.call('sale.get');
    const done = await reg!.call('sale.tender', { kind: 'cash', amount: v.due });
    expect(done.status).toBe('completed');
    await reg!.call('sale.new');
    await synced();
    return done;
  };
  /** Balance = Σ movements, nothing held, and the movements of one sale counted. */
  const checkCard = async (id: string, balance: number) => {
    const c = await card(id);
    expect(c.card).toMatchObject({ balance, held: 0, available: balance });
    expect(c.movements.reduce((s: number, m: { amount: number }) => s + m.amount, 0)).toBe(balance);
    expect(c.reservations.filter((r: { status: string }) => r.status === 'held')).toEqual([]);
    return c;
  };

  beforeAll(async () => {
    const db = await openDb(dbOpts);
    await migrate(db);
    await seedDemoStore(db, { stores: ['S'], products: 10 });
    await db.transaction((tx) => setLoyaltySettings(tx, { ...DEFAULT_LOYALTY_SETTINGS, reservation_ttl_seconds: TTL }, 'test'));
    const { code } = await createEnrollmentCode(db, { store_id: 'S', terminal_id: 'S-01' });
    const { token } = await redeemEnrollmentCode(db, code);
    await db.close();
    config = {
      terminal_id: 'S-01', store_id: 'S', store_name: 'S', currency: 'USD', journal_path: path.join(dir, 'S-01.sqlite'),
      hub: { url: 'http://127.0.0.1:1', token },
      cashiers: [{ cashier_id: '1001', name: 'Cashier', role: 'manager', pin_hash: HASH }],
    };
    await startHub();
    await startRegister();
    await until('catalog', async () => (await reg!.call('catalog.search', { query: 'Coffee' })).length > 0);
    await reg!.call('shift.open', { opening_float: USD(10_000) });
    await reg!.call('giftcard.load', { code: 'GC-F000001', amount: USD(5000) });
    await finishInCash();
    await checkCard('GC-F000001', 5000);
  }, 240_000);
  afterAll(async () => {
    await reg?.stop().catch(() => {});
    await hub?.stop().catch(() => {});
    await scratch.dispose();
  }, 60_000);

  it('register kill -9 right after the hub held the card: restarted, the same tender key finds the same hold and the sale settles it once', { timeout: 120_000 }, async () => {
    await reg!.stop();
    await startRegister('die_after_reserve_reply');
    const sale = await reg!.call('sale.addSku', { sku: 'COFFEE-LARGE', quantity: { units: 10, scale: 0 } });
    const dying = reg!.call('sale.tender', { kind: 'gift', amount: USD(3000), gift_code: 'GC-F000001' }).catch((e: Error) => e);
    expect((await reg!.exited).signal).toBe('SIGKILL');
    expect(reg!.lines).toContain('RESERVED');
    expect(await dying).toBeInstanceOf(Error);
    const held = await card('GC-F000001');
    expect(held.card).toMatchObject({ balance: 5000, held: 3000, available: 2000 });
    expect(held.reservations).toEqual([expect.objectContaining({ sale_id: sale.sale_id, tender_id: 'T1', amount: 3000, status: 'held' })]);

    await startRegister();
    const restored = await reg!.call('sale.get');
    expect([restored.sale_id, restored.tenders.length]).toEqual([sale.sale_id, 0]); // the tender never went on the sale
    // The cashier takes the card again: the same key (sale, T1) answers the same hold, not a second one.
    const again = await reg!.call('sale.tender', { kind: 'gift', amount: USD(3000), gift_code: 'GC-F000001' });
    expect(again.tenders).toEqual([expect.objectContaining({ kind: 'gift', amount: USD(3000) })]);
    expect((await card('GC-F000001')).card).toMatchObject({ held: 3000, available: 2000 });
    await finishInCash();
    const c = await checkCard('GC-F000001', 2000);
    expect(c.movements.filter((m: { kind: string }) => m.kind === 'redeem')).toHaveLength(1);
    expect(c.reservations.find((r: { sale_id: string }) => r.sale_id === sale.sale_id).status).toBe('settled');
  });

  it('register kill -9 with the card tender on its saved sale, away past the TTL: the hold expires with an alert; back, the sale stands and the card is charged once', { timeout: 150_000 }, async () => {
    const v = await sell(1000, 'GC-F000001');
    expect(v.tenders).toHaveLength(1);
    reg!.proc.kill('SIGKILL');
    await reg!.exited;
    expect((await card('GC-F000001')).card).toMatchObject({ balance: 2000, held: 1000 });
    const expired = await until('the hold expired', async () => {
      const c = await card('GC-F000001');
      const r = c.reservations.find((x: { sale_id: string }) => x.sale_id === v.sale_id);
      return r?.status === 'expired' && c.card.held === 0 ? c : null;
    }, (TTL + 30) * 1000);
    expect(expired.card).toMatchObject({ balance: 2000, available: 2000 });
    const alerts = await hq('/api/alerts?kind=reservation_expired');
    expect(alerts.alerts.length).toBeGreaterThanOrEqual(1);

    await startRegister();
    const restored = await reg!.call('sale.get');
    expect([restored.sale_id, restored.tenders.map((t: { kind: string }) => t.kind)]).toEqual([v.sale_id, ['gift']]);
    await finishInCash();
    const c = await checkCard('GC-F000001', 1000);
    expect(c.movements.filter((m: { kind: string }) => m.kind === 'redeem')).toHaveLength(2);
    expect(c.reservations.find((r: { sale_id: string }) => r.sale_id === v.sale_id).status).toBe('settled');
  });

  it('hub kill -9 after committing a reservation, before replying: the register takes the card offline; the sale settles the hold; charged once', { timeout: 150_000 }, async () => {
    await hub!.stop();
    const crashing = await startHub({ crash_after_reserve: true, port: Number(new URL(hub!.url).port) });
    await until('register back online', async () => (await reg!.call('sync.status')).online, 30_000);
    const v = await sell(500, 'GC-F000001');
    expect((await crashing.exited).signal).toBe('SIGKILL');
    // No reply came: the chain's policy (up to 5000 a card a day) let the register take it offline.
    expect(v.tenders).toEqual([expect.objectContaining({ kind: 'gift', amount: USD(500) })]);
    const done = await reg!.call('sale.tender', { kind: 'cash', amount: v.due });
    expect(done.status).toBe('completed');
    await reg!.call('sale.new');
    await startHub({ port: Number(new URL(crashing.url).port) });
    await synced();
    const c = await until('the offline sale applied', async () => {
      const x = await card('GC-F000001');
      return x.card.balance === 500 ? x : null;
    });
    await checkCard('GC-F000001', 500);
    const mine = c.movements.filter((m: { kind: string; offline: boolean }) => m.kind === 'redeem' && m.offline);
    expect(mine).toHaveLength(1);
    expect(c.reservations.find((r: { sale_id: string }) => r.sale_id === v.sale_id)).toMatchObject({ status: 'settled', amount: 500 });
  });

  it('the reply to a reservation is lost: the register takes the card offline; the sale settles the hold the hub kept; charged once', { timeout: 120_000 }, async () => {
    await reg!.stop();
    await startRegister('drop_reserve_ack');
    const v = await sell(200, 'GC-F000001');
    expect(reg!.lines).toContain('ACK-DROPPED');
    expect(v.tenders).toEqual([expect.objectContaining({ kind: 'gift', amount: USD(200) })]);
    expect((await card('GC-F000001')).card).toMatchObject({ held: 200 }); // the hub did hold it
    await finishInCash();
    const c = await checkCard('GC-F000001', 300);
    expect(c.reservations.find((r: { sale_id: string }) => r.sale_id === v.sale_id)).toMatchObject({ status: 'settled', amount: 200 });
    expect(c.movements.filter((m: { kind: string }) => m.kind === 'redeem')).toHaveLength(4);
  });

  it('hub kill -9 after committing a points sale, before its ack: the register resends and the points are earned once', { timeout: 150_000 }, async () => {
    const customer = await reg!.call('customer.create', { name: 'Fault Tester', phone: '15550004242', marketing: false });
    await reg!.call('customer.attach', { customer_id: customer.customer_id });
    await reg!.call('sale.addSku', { sku: 'COFFEE-LARGE', quantity: { units: 10, scale: 0 } });
    const status = await reg!.call('sync.status');
    await hub!.stop();
    const crashing = await startHub({ crash_after_through: status.last_seq + 1, port: Number(new URL(hub!.url).port) });
    await until('register back online', async () => (await reg!.call('sync.status')).online, 30_000);
    const done = await reg!.call('sale.tender', { kind: 'cash', amount: USD(5000) });
    expect(done.points_earned).toBe(34);
    expect((await crashing.exited).signal).toBe('SIGKILL');
    await reg!.call('sale.new');
    await startHub({ port: Number(new URL(crashing.url).port) });
    await synced();
    const c = await until('points at the hub', async () => {
      const x = await hq(`/api/customers/${customer.customer_id}`);
      return x.customer?.points === 34 ? x : null;
    });
    expect(c.movements.filter((m: { kind: string }) => m.kind === 'earn')).toHaveLength(1);
    // Resending every event again changes nothing.
    await reg!.stop();
    await startRegister();
    await synced();
    expect((await hq(`/api/customers/${customer.customer_id}`)).customer.points).toBe(34);
    const rec = await hq('/api/loyalty/reconciliation');
    expect(rec.drift).toEqual([]);
    expect(rec.points).toMatchObject({ difference: 0 });
    expect(rec.gift_cards).toEqual([{ currency: 'USD', balances: 300, ledger: 300, difference: 0 }]);
  });
});
