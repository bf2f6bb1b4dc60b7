// Test and bench helper: a deterministic JSON Lines file of historical sales in our history
// format (docs/books.md), as a chain's old POS would export them: 1-3 lines, US sales tax
// on most, a discount now and then, cash, card (three processors) or both.

const CATEGORIES = ['grocery', 'produce', 'bakery', 'apparel', 'misc'];
const PROCESSORS = ['stripe', 'adyen', 'sim'];

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const money = (minor: number) => `${minor < 0 ? '-' : ''}${Math.floor(Math.abs(minor) / 100)}.${String(Math.abs(minor) % 100).padStart(2, '0')}`;

export interface HistoryGenOptions {
  count: number;
  seed?: number;
  stores?: readonly string[];
  /** First day; sales spread over `days` days. */
  start?: string;
  days?: number;
}

/** One line per sale; `line(i)` so big files can be streamed without holding every sale. */
export function historyLine(i: number, opts: HistoryGenOptions): string {
  const r = rng((opts.seed ?? 1) * 1_000_003 + i);
  const stores = opts.stores ?? ['store-001', 'store-002'];
  const store = stores[i % stores.length]!;
  const days = opts.days ?? 365;
  const day = new Date(`${opts.start ?? '2025-01-01'}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() + Math.floor((i * days) / Math.max(opts.count, 1)));
  const at = new Date(day.getTime() + (9 * 3600 + Math.floor(r() * 10 * 3600)) * 1000).toISOString();
  const lines = [];
  let total = 0;
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) {
    const qty = 1 + Math.floor(r() * 4);
    const unit = 50 + Math.floor(r() * 3000);
    const gross = qty * unit;
    const discount = r() < 0.15 ? Math.floor(gross * 0.1) : 0;
    const net = gross - discount;
    const taxed = r() < 0.8;
    const tax = taxed ? Math.round((net * 40_000) / 1_000_000) : 0;
    total += net + tax;
    lines.push({
      sku: `SKU-${k}-${Math.floor(r() * 500)}`,
      description: `Item ${k + 1}`,
      category: CATEGORIES[Math.floor(r() * CATEGORIES.length)]!,
      quantity: String(qty),
      unit_price: money(unit),
      ...(discount > 0 ? { discount: money(discount) } : {}),
      taxes: taxed ? [{ code: 'US-NY-STATE', jurisdiction: 'US-NY', rate: '4.0', amount: money(tax), inclusive: false }] : [],
    });
  }
  const kind = r();
  const tenders =
    kind < 0.45
      ? [{ kind: 'cash', amount: money(total) }]
      : kind < 0.9
        ? [{ kind: 'card', amount: money(total), processor: PROCESSORS[i % 3]! }]
        : [{ kind: 'card', amount: money(Math.floor(total / 2)), processor: PROCESSORS[i % 3]! }, { kind: 'cash', amount: money(total - Math.floor(total / 2)) }];
  return JSON.stringify({ id: `OLD-${store}-${i + 1}`, store_id: store, completed_at: at, currency: 'USD', cashier: `emp-${i % 7}`, lines, tenders });
}

export function historyFile(opts: HistoryGenOptions): Buffer {
  // Joined in chunks of 10,000 lines: a million sales is more text than one JS string may hold.
  const chunks: Buffer[] = [];
  for (let from = 0; from < opts.count; from += 10_000) {
    const parts: string[] = [];
    for (let i = from; i < Math.min(from + 10_000, opts.count); i++) parts.push(historyLine(i, opts));
    chunks.push(Buffer.from(`${parts.join('\n')}\n`));
  }
  return Buffer.concat(chunks);
}
