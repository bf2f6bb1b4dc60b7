import { randomBytes } from 'node:crypto';
import { startHub, type HubHandle, type HubOptions } from '../server';
import type { Db } from '../db/db';
import { createStore } from '../stores';
import { createEnrollmentCode, redeemEnrollmentCode } from '../auth';
import { adjustStock } from '../stock';
import { RegisterSim } from './register-sim';
import { trialBalance } from '../ledger-queries';

export const ADMIN_TOKEN = `admin-${randomBytes(16).toString('hex')}`;

export async function startTestHub(db: Db, extra: Partial<HubOptions> = {}): Promise<HubHandle> {
  return startHub({ db, port: 0, host: '127.0.0.1', logLevel: 'silent', adminToken: ADMIN_TOKEN, schedulerIntervalMs: 100, ...extra });
}

export async function enrollRegister(db: Db, storeId: string, terminalId: string): Promise<RegisterSim> {
  const { code } = await createEnrollmentCode(db, { store_id: storeId, terminal_id: terminalId });
  const { token } = await redeemEnrollmentCode(db, code);
  return new RegisterSim(storeId, terminalId, token);
}

export async function seedStore(db: Db, storeId: string, stock: Record<string, number>, groups: string[] = []): Promise<void> {
  await createStore(db, { store_id: storeId, name: `Store ${storeId}`, currency: 'USD', groups });
  const items = Object.entries(stock).map(([sku, units]) => ({ sku, quantity: { units, scale: 0 } }));
  if (items.length) await db.transaction((tx) => adjustStock(tx, { store_id: storeId, reason: 'opening', items }));
}

export async function api(hub: HubHandle, method: string, path: string, body?: unknown, token = ADMIN_TOKEN) {
  const res = await fetch(`${hub.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** The invariants every ingest scenario must end with. */
export async function checkInvariants(db: Db, opening: Record<string, Record<string, number>>) {
  const tb = await trialBalance(db);
  const dupes = await db.query(`SELECT terminal_id, seq, count(*) FROM journal_events GROUP BY 1, 2 HAVING count(*) > 1`);
  const stock: Record<string, Record<string, number>> = {};
  const { rows } = await db.query<{ store_id: string; sku: string; on_hand: string; moved: string }>(
    `SELECT l.store_id, l.sku, l.on_hand::text AS on_hand,
            coalesce((SELECT sum(m.quantity) FROM stock_movements m WHERE m.store_id = l.store_id AND m.sku = l.sku AND m.reason <> 'opening'), 0)::text AS moved
       FROM stock_levels l`,
  );
  const mismatches: string[] = [];
  for (const r of rows) {
    (stock[r.store_id] ??= {})[r.sku] = Number(r.on_hand);
    const open = opening[r.store_id]?.[r.sku] ?? 0;
    if (Number(r.on_hand) !== open + Number(r.moved)) mismatches.push(`${r.store_id}/${r.sku}: ${r.on_hand} ≠ ${open} + ${r.moved}`);
  }
  return { balanced: tb.balanced, lineCount: tb.rows.length, duplicates: dupes.rows.length, stock, mismatches };
}
