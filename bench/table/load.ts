// The load generator the hub rows share (issue 18): R registers at 10 a store, enrolled in
// bulk, connected over real sockets. Most are light clients (RegisterSim: the real protocol
// and a real hash chain, no journal); a row may make the measured ones real registers (the
// real journal and SyncClient, `realRegister`). Floors use `startBareIo` (bare-io.ts) and `bareClients`,
// the same count in the same store rooms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io as ioClient, type Socket } from 'socket.io-client';
import { hashToken, newToken } from '../../src/hub/auth';
import type { Db } from '../../src/hub/db/db';
import { RegisterSim } from '../../src/hub/testing/register-sim';
import { openJournal, SyncClient } from '../../src/sync';

/** Registers a store in the load generator (a mid-size store's registers). */
export const PER_STORE = 10;

export const storeIds = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);

/** R registers at 10 a store: the stores (at least one), the registers in each, and the count (R rounded up to fill every store alike). */
export function storesFor(prefix: string, registers: number): { stores: string[]; perStore: number; registers: number } {
  const stores = storeIds(prefix, Math.max(1, Math.ceil(registers / PER_STORE)));
  const perStore = Math.ceil(registers / stores.length);
  return { stores, perStore, registers: stores.length * perStore };
}

/** Enrolls many registers at once (the rows enrollment writes: terminal + credential), set-based. */
export async function enrollMany(db: Db, stores: string[], perStore: number, prefix = 'R'): Promise<RegisterSim[]> {
  const regs: RegisterSim[] = [];
  for (const s of stores) for (let i = 0; i < perStore; i++) regs.push(new RegisterSim(s, `${s}-${prefix}${i}`, newToken('tsr')));
  for (let i = 0; i < regs.length; i += 5000) {
    const chunk = regs.slice(i, i + 5000).map((r) => ({ terminal_id: r.terminalId, store_id: r.storeId, token_hash: hashToken(r.token) }));
    await db.query(`INSERT INTO terminals (terminal_id, store_id) SELECT terminal_id, store_id FROM jsonb_to_recordset($1::jsonb) AS x(terminal_id text, store_id text)`, [JSON.stringify(chunk)]);
    await db.query(
      `INSERT INTO credentials (token_hash, kind, terminal_id, store_id) SELECT token_hash, 'register', terminal_id, store_id FROM jsonb_to_recordset($1::jsonb) AS x(token_hash text, terminal_id text, store_id text)`,
      [JSON.stringify(chunk)],
    );
  }
  return regs;
}

/** Connects light clients 50 at a time. */
export async function connectAll(url: string, regs: RegisterSim[]): Promise<void> {
  for (let i = 0; i < regs.length; i += 50) await Promise.all(regs.slice(i, i + 50).map((r) => r.connect(url)));
}

/** Bare clients, one a store id given (so `stores` may repeat), connected 50 at a time. */
export async function bareClients(url: string, stores: string[]): Promise<Socket[]> {
  const out: Socket[] = [];
  for (let i = 0; i < stores.length; i += 50) {
    out.push(
      ...(await Promise.all(
        stores.slice(i, i + 50).map(
          (store) =>
            new Promise<Socket>((resolve, reject) => {
              const s = ioClient(url, { transports: ['websocket'], auth: { store }, reconnection: false, forceNew: true });
              s.once('connect', () => resolve(s));
              s.once('connect_error', reject);
            }),
        ),
      )),
    );
  }
  return out;
}

/**
 * A real register in place of an enrolled light one (same terminal and credential): its own
 * journal (a temp file, synchronous=FULL as at a till) and the real SyncClient. `appliedAt(seq)`
 * resolves when the client has recorded a hub ack covering `seq` (its `status` event after
 * `recordHubMark`); the client pushes on the journal's `appended` event, as at a till.
 */
export function realRegister(sim: RegisterSim, url: string): {
  journal: ReturnType<typeof openJournal>;
  client: SyncClient;
  appliedAt(seq: number, timeoutMs: number): Promise<number>;
  errors: Set<string>;
  close(): void;
} {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-real-'));
  const journal = openJournal(path.join(dir, 'journal.db'), { terminalId: sim.terminalId, storeId: sim.storeId });
  const client = new SyncClient({ journal, url, token: sim.token, appVersion: 'bench', ackTimeoutMs: 120_000 });
  const waiting = new Map<number, (t: number) => void>();
  const errors = new Set<string>();
  client.on('status', (st) => {
    const now = performance.now();
    if (st.lastError) errors.add(st.lastError);
    for (const [seq, done] of waiting) {
      if (st.appliedThrough >= seq) {
        waiting.delete(seq);
        done(now);
      }
    }
  });
  client.start();
  return {
    journal,
    client,
    errors,
    appliedAt(seq, timeoutMs) {
      if (client.status.appliedThrough >= seq) return Promise.resolve(performance.now());
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(seq);
          reject(new Error(`real register ${sim.terminalId}: seq ${seq} not acked in ${timeoutMs} ms: ${JSON.stringify(client.status)}`));
        }, timeoutMs);
        waiting.set(seq, (t) => {
          clearTimeout(timer);
          resolve(t);
        });
      });
    },
    close() {
      client.stop();
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
