import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { call, withHub, type HubOpts } from './hq';

// HQ's manual adjustments of points and gift card / store credit balances, through a running
// hub's HTTP API (docs/loyalty.md, Adjustments):
//   tillstream loyalty adjust-points <customer_id> <points> --reason "…" [--key K]
//   tillstream loyalty adjust-points --reason "…" -- <customer_id> -100   (a negative amount)
//   tillstream loyalty adjust-card <gift_card_id> <amount> --reason "…" [--currency USD] [--key K]
// Each is applied once per key: run it again with the same --key (after a lost reply) and the
// hub answers the first result instead of adjusting twice. Without --key a new one is made and
// printed, so a retry can name it.

type AdjustOpts = HubOpts & { reason: string; key?: string; currency?: string };

function signedInt(text: string, what: string): number {
  if (!/^[+-]?\d{1,12}$/.test(text.trim())) throw new Error(`${what} "${text}" must be a whole number, + to add or - to take away`);
  const n = Number(text);
  if (n === 0) throw new Error(`${what} must not be 0`);
  return n;
}

function print(o: AdjustOpts, key: string, r: Record<string, unknown>, unit: string): void {
  if (o.json) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  const what = r.applied ? 'Adjusted' : 'Already applied under this key (nothing more done)';
  process.stdout.write(`${what}: ${String(r.account_id)} ${Number(r.amount) > 0 ? '+' : ''}${String(r.amount)} ${unit}; balance now ${String(r.balance)}; ledger entry ${String(r.entry_id)}; key ${key}\n`);
}

export function register(program: Command): void {
  const loyalty = program.command('loyalty').description('Customers’ points and gift cards on a running hub (HTTP API): manual adjustments with a reason');
  withHub(loyalty.command('adjust-points').description('Add (+) or take away (-) a customer’s points with a reason; posted against the posting map’s adjustments account'))
    .argument('<customer_id>', 'the customer')
    .argument('<points>', 'signed whole points, e.g. 250 or -100 (for a negative one put the options first, then -- <id> -100)')
    .requiredOption('--reason <text>', 'why (kept with the movement and on the ledger entry, at most 200 characters)')
    .option('--key <key>', 'idempotency key (8-57 of A-Z a-z 0-9 . _ : -); default: a new UUID, printed')
    .option('--currency <code>', 'currency the points are valued in (default: the customer’s store’s)')
    .action(async (customer: string, points: string, o: AdjustOpts) => {
      const key = o.key ?? randomUUID();
      const r = await call(o, 'POST', `/api/customers/${encodeURIComponent(customer)}/points/adjustments`, { key, points: signedInt(points, 'points'), reason: o.reason, ...(o.currency ? { currency: o.currency } : {}) });
      print(o, key, r, 'points');
    });
  withHub(loyalty.command('adjust-card').description('Add (+) or take away (-) value on a gift card or store credit with a reason; a new card id issues store credit (needs --currency)'))
    .argument('<gift_card_id>', 'the card')
    .argument('<amount>', 'signed minor units, e.g. 2500 for 25.00 or -1200 (for a negative one put the options first, then -- <id> -100)')
    .requiredOption('--reason <text>', 'why (kept with the movement and on the ledger entry, at most 200 characters)')
    .option('--key <key>', 'idempotency key (8-57 of A-Z a-z 0-9 . _ : -); default: a new UUID, printed')
    .option('--currency <code>', 'the card’s currency (required for a card the hub does not know yet)')
    .action(async (card: string, amount: string, o: AdjustOpts) => {
      const key = o.key ?? randomUUID();
      const r = await call(o, 'POST', `/api/gift-cards/${encodeURIComponent(card)}/adjustments`, { key, amount: signedInt(amount, 'amount'), reason: o.reason, ...(o.currency ? { currency: o.currency } : {}) });
      print(o, key, r, 'minor units');
    });
}
