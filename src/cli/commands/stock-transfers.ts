import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { call, parseQuantity, withHub, type HubOpts } from './hq';

// Transfers between stores on a running hub (docs/hub.md, Stock transfers):
//   tillstream stock transfer --from A --to B --item SKU=QTY …       one step: out of A, into B
//   tillstream stock transfer ship --from A --to B --item SKU=QTY …  out of A, in transit
//   tillstream stock transfer receive <id> [--item SKU=QTY …]        into B (lines not named: all arrived)
//   tillstream stock transfer cancel <id>                            back into A
//   tillstream stock transfer list [--store A] [--state open]
// Ship, receive and cancel carry an idempotency key (--key, else a new one, printed): run the
// same command again with that key after a lost reply and the hub answers the first result.

type Item = { sku: string; quantity: { units: number; scale: number } };
const collect = (v: string, acc: string[] = []) => [...acc, v];

/** "SKU=QTY" pairs; `zero` allows a quantity of 0 (nothing of that line arrived). */
function items(pairs: string[], zero = false): Item[] {
  return pairs.map((s) => {
    const i = s.lastIndexOf('=');
    if (i <= 0) throw new Error(`--item ${s}: expected SKU=QUANTITY`);
    const qty = s.slice(i + 1).trim();
    if (zero && /^0+(\.0+)?$/.test(qty)) return { sku: s.slice(0, i), quantity: { units: 0, scale: 0 } };
    return { sku: s.slice(0, i), quantity: parseQuantity(qty) };
  });
}

function transferId(text: string): number {
  if (!/^\d{1,15}$/.test(text) || Number(text) < 1) throw new Error(`transfer id "${text}" must be a whole number above 0`);
  return Number(text);
}

type Line = { sku: string; shipped: string; received: string | null; short: string | null };
type Transfer = { transfer_id: number; from_store: string; to_store: string; state: string; lines: Line[]; line_count: number; created_at: string; note: string };

function describe(t: Transfer): string {
  const lines = t.lines.map((l) => `  ${l.sku}  shipped ${l.shipped}${l.received === null ? '' : `  received ${l.received}${l.short && l.short !== '0' ? `  short ${l.short}` : ''}`}`);
  const more = t.line_count > t.lines.length ? [`  … ${t.line_count - t.lines.length} more line(s)`] : [];
  return [`Transfer ${t.transfer_id}  ${t.from_store} -> ${t.to_store}  ${t.state}  shipped ${t.created_at}${t.note ? `  "${t.note}"` : ''}`, ...lines, ...more].join('\n');
}

function printStep(o: HubOpts, r: Record<string, unknown>, key: string | null): void {
  if (o.json) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  const head = r.applied === false ? 'Already done under this key (nothing more changed):\n' : '';
  process.stdout.write(`${head}${describe(r.transfer as Transfer)}${key ? `\nkey ${key}` : ''}\n`);
}

export function registerTransfers(stock: Command): void {
  const transfer = stock.command('transfer').description('Transfers between stores: one step (the default), or ship, receive, cancel; and list');
  withHub(transfer.command('move', { isDefault: true }).description('Move stock from one store to another in one step (out of one, into the other, in one transaction); the default of `stock transfer`'))
    .requiredOption('--from <store>', 'source store')
    .requiredOption('--to <store>', 'destination store')
    .requiredOption('--item <sku=qty...>', 'an item and its quantity, e.g. --item MILK=3 --item CHEESE=0.250', collect)
    .option('--note <text>', 'recorded with the transfer')
    .action(async (o: HubOpts & { from: string; to: string; item: string[]; note?: string }) => {
      const list = items(o.item);
      const r = await call(o, 'POST', '/api/stock/transfers', { from_store: o.from, to_store: o.to, items: list, receive: true, ...(o.note ? { note: o.note } : {}) });
      process.stdout.write(o.json ? `${JSON.stringify(r)}\n` : `Transfer ${String(r.transfer_id)}: ${list.length} item(s) from ${o.from} to ${o.to}\n`);
    });
  withHub(transfer.command('ship').description('Ship stock to another store: out of the source now, in transit until the destination receives it (or it is cancelled)'))
    .requiredOption('--from <store>', 'source store')
    .requiredOption('--to <store>', 'destination store')
    .requiredOption('--item <sku=qty...>', 'an item and its quantity, e.g. --item MILK=3 --item CHEESE=0.250', collect)
    .option('--note <text>', 'recorded with the transfer')
    .option('--key <key>', 'idempotency key (8-57 of A-Z a-z 0-9 . _ : -); default: a new UUID, printed')
    .action(async (o: HubOpts & { from: string; to: string; item: string[]; note?: string; key?: string }) => {
      const key = o.key ?? randomUUID();
      const r = await call(o, 'POST', '/api/stock/transfers', { from_store: o.from, to_store: o.to, items: items(o.item), receive: false, key, ...(o.note ? { note: o.note } : {}) });
      printStep(o, r, key);
    });
  withHub(transfer.command('receive').description('Receive a transfer at its destination; name the lines that arrived short (what did arrive), the rest arrived in full'))
    .argument('<transfer_id>', 'the transfer')
    .option('--item <sku=qty...>', 'what arrived of a line, e.g. --item MILK=8 (0: none of it); lines not named arrived in full', collect)
    .option('--note <text>', 'recorded with the receipt, e.g. "2 crushed"')
    .option('--key <key>', 'idempotency key (8-57 of A-Z a-z 0-9 . _ : -); default: a new UUID, printed')
    .action(async (id: string, o: HubOpts & { item?: string[]; note?: string; key?: string }) => {
      const key = o.key ?? randomUUID();
      const r = await call(o, 'POST', `/api/stock/transfers/${transferId(id)}/receive`, { key, ...(o.item ? { items: items(o.item, true) } : {}), ...(o.note ? { note: o.note } : {}) });
      printStep(o, r, key);
    });
  withHub(transfer.command('cancel').description('Cancel a transfer still in transit: the goods go back into the source store'))
    .argument('<transfer_id>', 'the transfer')
    .option('--note <text>', 'why')
    .option('--key <key>', 'idempotency key (8-57 of A-Z a-z 0-9 . _ : -); default: a new UUID, printed')
    .action(async (id: string, o: HubOpts & { note?: string; key?: string }) => {
      const key = o.key ?? randomUUID();
      const r = await call(o, 'POST', `/api/stock/transfers/${transferId(id)}/cancel`, { key, ...(o.note ? { note: o.note } : {}) });
      printStep(o, r, key);
    });
  withHub(transfer.command('list').description('Transfers, newest first, with their lines and states'))
    .option('--store <id>', 'only transfers from or to this store')
    .option('--direction <d>', 'with --store: in (to it) or out (from it)')
    .option('--state <s>', 'in_transit | received | received_short | cancelled | open | done')
    .option('--since <time>', 'shipped at or after this date or ISO time')
    .option('--until <time>', 'shipped before this date or ISO time')
    .option('--limit <n>', 'at most this many (1-5000)', '50')
    .action(async (o: HubOpts & { store?: string; direction?: string; state?: string; since?: string; until?: string; limit: string }) => {
      const want = Number(o.limit);
      if (!Number.isInteger(want) || want < 1 || want > 5000) throw new Error('--limit must be a whole number from 1 to 5000');
      const rows: Transfer[] = [];
      let cursor: string | null = null;
      do {
        const p = new URLSearchParams({ limit: String(Math.min(500, want - rows.length)) });
        for (const [k, v] of [['store_id', o.store], ['direction', o.direction], ['state', o.state], ['from', o.since], ['to', o.until], ['cursor', cursor]] as const) if (v) p.set(k, v);
        const page = await call(o, 'GET', `/api/stock/transfers?${p.toString()}`);
        rows.push(...(page.transfers as Transfer[]));
        cursor = page.next_cursor as string | null;
      } while (cursor && rows.length < want);
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ transfers: rows })}\n`);
        return;
      }
      process.stdout.write(`${[...rows.map(describe), `${rows.length} transfer(s)`].join('\n')}\n`);
    });
}
