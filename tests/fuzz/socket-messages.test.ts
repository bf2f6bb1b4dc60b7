import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { MSG, type JournalEvent } from '../../src/core/protocol';
import { openTestDb, testBackends, type TestDb } from '../../src/hub/testing/test-db';
import { checkInvariants, enrollRegister, seedStore, startTestHub } from '../../src/hub/testing/hub-fixture';
import type { RegisterSim } from '../../src/hub/testing/register-sim';
import type { HubHandle } from '../../src/hub/server';
import type { Db } from '../../src/hub/db/db';
import type { Loose } from '../../src/hub/testing/loose';

// Socket fuzz (issue 9): every register message (hello, events.push, changes.pull,
// snapshot.get, and names the hub does not know) with hostile payloads — hostile strings
// (NUL, lone surrogates, controls, card numbers), numbers (0.5, 2^60, NaN-ish, -0), deep
// nesting, wrong shapes, forged and mutated journal events — interleaved with valid sales.
// It ends with the hub alive, no INTERNAL error, nothing written for bad input (table
// fingerprints before/after each case), and every valid sale applied exactly once.
//
// Seeded and replayable: FUZZ_SEED=<n> replays a run, FUZZ_CASES=<n> sets its length
// (small by default so `npm test` runs a slice; `npm run fuzz` runs many).

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CASES = Number(process.env.FUZZ_CASES ?? 100);
const OPENING = { S: { A: 1_000_000, B: 1_000_000 } };

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}
type Rng = ReturnType<typeof prng>;

const HOSTILE_STRINGS = [
  '', '\u0000', 'a\u0000b', '\uD800', 'x\uDFFF', '\uDBFF\uDBFF', '\u0007bell', '\u009F', '\u001B[31m', 'line\nbreak\ttab',
  '4111 1111 1111 1111', 'card 5500-0000-0000-0004 here', '378282246310005', 'x'.repeat(70_000), '😀', '\uFEFF',
  '__proto__', 'constructor', '{"a":1}', "'; DROP TABLE journal_events; --", 'null', '-1', '1e400', '../../etc/passwd',
];
const HOSTILE_NUMBERS = [0.5, -0.5, 2 ** 53, 2 ** 60, -(2 ** 60), 1e308, -1, 0, -0, Number.MAX_SAFE_INTEGER, 1e-7, 1.2345678901234568e29];

function deep(n: number, leaf: unknown): unknown {
  let v = leaf;
  for (let i = 0; i < n; i++) v = i % 2 ? [v] : { d: v };
  return v;
}

function hostileValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 5 : 8)) {
    case 0: return rng.pick(HOSTILE_STRINGS);
    case 1: return rng.pick(HOSTILE_NUMBERS);
    case 2: return rng.pick([null, true, false, undefined]);
    case 3: return randomUUID().toUpperCase();
    case 4: return rng.pick([{}, [], '', 0]);
    case 5: return deep(rng.pick([33, 65, 200, 2000]), rng.pick(HOSTILE_STRINGS));
    case 6: return Array.from({ length: rng.int(4) }, () => hostileValue(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(4); i > 0; i--) o[rng.pick(['a', 'seq', 'k\u0000', '\uD800', 'payload', 'events', '__proto__'])] = hostileValue(rng, depth + 1);
      return o;
    }
  }
}

/** Sets a random leaf (or key) of a copy of `v` to a hostile value. */
function mutate(rng: Rng, v: unknown): unknown {
  if (v === null || typeof v !== 'object') return hostileValue(rng);
  const copy: Record<string, unknown> | unknown[] = Array.isArray(v) ? [...v] : { ...(v as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0 || rng.int(6) === 0) {
    (copy as Record<string, unknown>)[rng.pick(['extra', 'x\u0000', 'note'])] = hostileValue(rng);
    return copy;
  }
  const k = rng.pick(keys);
  (copy as Record<string, unknown>)[k] = rng.int(3) === 0 ? hostileValue(rng) : mutate(rng, (copy as Record<string, unknown>)[k]);
  return copy;
}

const TABLES = ['journal_events', 'ledger_entries', 'ledger_lines', 'stock_movements', 'stock_levels', 'change_log', 'event_rejections', 'alerts', 'terminals', 'credentials', 'stores'];
const MONEY_TABLES = ['journal_events', 'ledger_entries', 'ledger_lines', 'stock_movements', 'stock_levels', 'change_log'];

/** What a table holds, minus bookkeeping that any request may touch (a terminal's last_seen_at). */
const COLUMNS: Record<string, string> = { terminals: 'terminal_id, store_id, applied_through, applied_hash' };

async function fingerprint(db: Db, tables: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of tables) {
    const { rows } = await db.query<{ f: string | null }>(
      `SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS f FROM (SELECT ${COLUMNS[t] ?? '*'} FROM ${t}) x`,
    );
    out[t] = rows[0]!.f ?? '';
  }
  return out;
}

describe.each(testBackends())('socket fuzz on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  let r: RegisterSim;
  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedStore(t.db, 'S', OPENING.S);
    hub = await startTestHub(t.db, { schedulerIntervalMs: 3_600_000 });
    r = await enrollRegister(t.db, 'S', 'Z-1');
    await r.connect(hub.url);
  });
  afterAll(async () => {
    r?.close();
    await hub?.close();
    await t?.dispose();
  });

  it(`${CASES} hostile messages (FUZZ_SEED=${SEED}): hub alive, nothing written for bad input, valid sales applied once`, { timeout: 600_000 }, async () => {
    console.log(`socket fuzz on ${backend.name}: FUZZ_SEED=${SEED} FUZZ_CASES=${CASES}`);
    const rng = prng(SEED);
    const valid: JournalEvent[] = [];
    let mark = 0; // the hub's applied_through as the sim knows it
    const codes = new Map<string, number>();
    const count = (c: string) => codes.set(c, (codes.get(c) ?? 0) + 1);

    for (let i = 0; i < CASES; i++) {
      const kind = rng.int(10);
      const before = await fingerprint(t.db, TABLES);
      let ack: Loose;
      let mayRecordRejection = false;
      if (kind <= 1) {
        // A valid sale (sometimes resent with the one before: a duplicate changes nothing).
        const e = r.sell([{ sku: rng.pick(['A', 'B']), units: 1 + rng.int(3), unit_price: 1 + rng.int(10_000) }]);
        valid.push(e);
        const batch = rng.int(3) === 0 && valid.length > 1 ? [valid[valid.length - 2]!, e] : [e];
        ack = await r.push(batch);
        expect(ack, `case ${i}: a valid sale`).toMatchObject({ ok: true, applied_through: e.seq, rejected: [] });
        mark = e.seq;
        count('valid');
        continue;
      } else if (kind <= 4) {
        // A journal event with hostile content at the next seq: refused for good, or the batch refused.
        const e = r.sell([{ sku: 'A', units: 1, unit_price: 100 }]);
        const forged = rng.int(4) === 0 ? (mutate(rng, e) as JournalEvent) : { ...e, payload: mutate(rng, e.payload) as Record<string, unknown> };
        ack = await r.push([forged]);
        if (ack.ok && ack.applied_through === e.seq && ack.rejected.length === 0) {
          // The mutation did not change what is hashed (-0 for 0, an absent key set to undefined): a valid sale.
          valid.push(e);
          mark = e.seq;
          count('harmless-mutation');
          continue;
        }
        if (ack.ok) {
          mayRecordRejection = true;
          if (ack.applied_through === e.seq) {
            expect(ack.rejected.map((x: Loose) => x.seq), `case ${i}`).toEqual([e.seq]);
            mark = e.seq;
            // The hub links the next event to the rejected one's hash, as a register's own copy would.
            r.journal[r.journal.length - 1] = forged;
            r.prevHash = forged.hash;
          } else {
            expect(ack.applied_through, `case ${i}: a gap or a foreign seq applies nothing`).toBe(mark);
          }
        }
        if (!ack.ok || ack.applied_through !== e.seq) {
          // Not taken: forget it, so the sim's chain stays where the hub is.
          r.journal.pop();
          r.seq -= 1;
          r.prevHash = r.journal.length ? r.journal[r.journal.length - 1]!.hash : '0'.repeat(64);
        }
      } else if (kind <= 6) {
        // events.push with a hostile envelope or message shape.
        const e = r.journal[r.journal.length - 1];
        const body = rng.pick([
          () => hostileValue(rng),
          () => ({ terminal_id: 'Z-1', events: [mutate(rng, e ?? {})] }),
          () => mutate(rng, { terminal_id: 'Z-1', events: e ? [e] : [] }),
          () => ({ terminal_id: 'Z-1', events: Array.from({ length: 501 }, () => e ?? {}) }),
          () => ({ terminal_id: rng.pick(['Z-2', '', '\u0000', 'Z-1\uD800']), events: e ? [e] : [] }),
        ])();
        ack = await r.request(MSG.pushEvents, body);
        mayRecordRejection = !!ack?.ok;
        if (ack?.ok) expect(ack.applied_through, `case ${i}`).toBe(mark);
      } else {
        // Every other message, and names the hub does not know.
        const name = rng.pick([MSG.hello, MSG.pullChanges, MSG.snapshot, 'unknown', '__proto__', 'changes', 'alert']);
        const body = rng.int(3) === 0 ? hostileValue(rng) : mutate(rng, name === MSG.hello ? { protocol: 1, terminal_id: 'Z-1', app_version: 't', change_cursor: 0 } : { after_cursor: 0, limit: 10 });
        // The hub never answers a name it does not know; a short wait shows that (it writes nothing either way).
        const known = name === MSG.hello || name === MSG.pullChanges || name === MSG.snapshot;
        ack = await r.request(name, body, known ? 20_000 : 300).catch((err: Error) => ({ ok: false, error: { code: /timed out|timeout/i.test(err.message) ? 'NO_ACK' : err.message } }));
      }
      count(ack?.ok ? (mayRecordRejection && ack.rejected?.length ? `rejected:${ack.rejected[0].code}` : 'ok') : String(ack?.error?.code));
      expect(ack?.error?.code, `case ${i}: no internal error (FUZZ_SEED=${SEED})`).not.toBe('INTERNAL');
      const after = await fingerprint(t.db, mayRecordRejection ? MONEY_TABLES : TABLES);
      const want = Object.fromEntries(Object.entries(before).filter(([k]) => k in after));
      expect(after, `case ${i}: bad input wrote nothing it may not (FUZZ_SEED=${SEED})`).toEqual(want);
    }
    console.log(`socket fuzz on ${backend.name}: outcomes ${JSON.stringify(Object.fromEntries([...codes].sort()))}`);

    // Alive, and every valid sale applied exactly once.
    expect((await r.hello()).ok).toBe(true);
    const applied = await t.db.query<{ seq: number }>(`SELECT seq::int AS seq FROM journal_events WHERE terminal_id = 'Z-1' ORDER BY seq`);
    expect(applied.rows.map((x) => x.seq)).toEqual(valid.map((e) => e.seq));
    const inv = await checkInvariants(t.db, OPENING);
    expect(inv.balanced).toBe(true);
    expect(inv.duplicates).toBe(0);
    expect(inv.mismatches).toEqual([]);
  });
});
