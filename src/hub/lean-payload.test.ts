import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { parseEventPayload } from '../core/events';
import { saleCompletedSchema } from '../core/events/sale';
import { saleArbitraries } from '../core/ledger/testing/arbitraries';
import { compileLean, leanParsePayload, leanSaleCompleted } from './lean-payload';
import { parsedPayload } from './parsed-event';
import { salePayload } from './testing/register-sim';
import type { JournalEvent } from '../core/protocol';
import { freshCopy } from './testing/fresh-copy';

// The hand check of a sale's payload must give exactly zod's answer: where it is sure, zod
// accepts too and zod's data equals the payload; elsewhere zod decides (so refusals and their
// messages are zod's by construction).

const { saleCompletedArb } = saleArbitraries(fc);
const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function same(x: unknown): boolean {
  const lean = leanSaleCompleted(x);
  let z: ReturnType<typeof saleCompletedSchema.safeParse>;
  try {
    z = saleCompletedSchema.safeParse(x);
  } catch {
    // zod's refinement runs on some refused shapes and can throw (a negative quantity scale:
    // 10n ** -1n); the lean check never takes those, they stay zod's.
    expect(lean).toBe(false);
    return false;
  }
  if (lean) {
    expect(z.success, `zod refuses what the lean check took: ${z.error?.issues[0]?.message}`).toBe(true);
    // node's deep strict equality (toStrictEqual also compares each object's own `constructor`).
    expect(isDeepStrictEqual(z.data, x), 'zod’s data is the payload').toBe(true);
  }
  return lean;
}

const KEYS = [
  'sale_id', 'store_id', 'terminal_id', 'shift_id', 'cashier_id', 'currency', 'price_book_version', 'tax_exemption', 'lines', 'totals', 'tax_breakdown', 'tenders', 'change_due',
  'completed_at', 'loyalty', 'line_id', 'sku', 'gtin', 'description', 'category', 'tax_category', 'quantity', 'units', 'scale', 'unit', 'unit_price', 'price_source', 'gross',
  'discounts', 'net', 'taxes', 'total', 'stock', 'gift_card_id', 'kind', 'amount', 'tendered', 'change', 'processor', 'masked_pan', 'auth_code', 'customer_id', 'points',
  'offline', 'subtotal', 'discount_total', 'tax_total', 'rounding', 'code', 'jurisdiction', 'rate_ppm', 'inclusive', 'compound', 'base', 'exempt_reason', 'point_value',
  'points_earned', 'certificate_id', 'codes', 'reason', '__proto__', 'constructor', 'extra', '0', '1', 'length',
];
// Near misses of each field's form, and anything.
const odd = fc.oneof(
  fc.anything({ maxDepth: 2, withNullPrototype: true, withSparseArray: true, withBoxedValues: true }),
  fc.constantFrom(
    0, 1, -1, 1.5, -0, 2 ** 53, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, Number.NaN, Infinity, 1_000_000, 1_000_001, '', 'x', 'USD', 'usd', 'XXX', 'each', 'kg', 'lb',
    'cash', 'card', 'gift_card', 'points', 'price_book', 'open', 'line', 'order', true, false, null, [], {}, 'x'.repeat(64), 'x'.repeat(65), 'y'.repeat(120), 'y'.repeat(121),
    '2026-11-23T02:30:00.000Z', '2026-11-23T02:30:00Z', '2026-11-23T02:30:00+01:00', '2026-02-30T02:30:00Z', '6f1c8b3e-2d7a-4e5f-8a9b-0c1d2e3f4a5b',
    '6F1C8B3E-2D7A-4E5F-8A9B-0C1D2E3F4A5B', '6f1c8b3e-2d7a-0e5f-8a9b-0c1d2e3f4a5b', '12345678', '1234567890123', '411111******1111', '4111111111111111', '-A', 'A B',
    { units: 1, scale: 0 }, { units: 0, scale: 0 }, { units: 1, scale: 7 }, { kind: 'line', amount: 1 }, { tender_id: 'T9', kind: 'cash', amount: 1 },
  ),
);
type Mutation = { at: number; op: 'set' | 'delete' | 'bump'; key: string; value: unknown };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat({ max: 200 }),
  op: fc.constantFrom('set', 'delete', 'bump'),
  key: fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })),
  value: odd,
});

/** Every plain object and array in the payload (the payload first; not the insides of boxed values a mutation put there). */
function containers(v: unknown, out: Array<Record<string, unknown> | unknown[]> = []): Array<Record<string, unknown> | unknown[]> {
  if (v && typeof v === 'object' && (Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    out.push(v as Record<string, unknown>);
    for (const x of Object.values(v)) containers(x, out);
  }
  return out;
}

function apply(p: unknown, m0: Mutation): void {
  const m = { ...m0, value: freshCopy(m0.value) };
  const all = containers(p);
  const target = all[m.at % all.length]! as Record<string, unknown>;
  // An array on the wire has elements only (JSON has no other members for it): set or delete one.
  if (Array.isArray(target)) {
    const i = m.at % (target.length + 1);
    if (m.op === 'delete') target.splice(i, 1);
    else target[i] = m.value;
    return;
  }
  const keys = Object.keys(target);
  // 'bump': an existing member's number moved by one (arithmetic near misses), or set.
  if (m.op === 'bump' && keys.length) {
    const k = keys[m.at % keys.length]!;
    if (typeof target[k] === 'number') target[k] = (target[k] as number) + (m.at % 2 ? 1 : -1);
    else target[k] = m.value;
  } else if (m.op === 'delete') delete target[keys.length && m.key === 'length' ? keys[m.at % keys.length]! : m.key];
  else if (m.key === '__proto__') Object.defineProperty(target, '__proto__', { value: m.value, enumerable: true, configurable: true, writable: true });
  else target[m.key] = m.value;
}

describe('sale.completed payload: the lean check against zod', () => {
  it('takes the common sale itself, with zod’s data', () => {
    const p = json(salePayload('S1', 'S1-R1', [{ sku: 'A', units: 1, unit_price: 199 }, { sku: 'B', units: 2, unit_price: 99 }]));
    expect(same(p)).toBe(true);
    expect(leanParsePayload('sale.completed', p)).toEqual({ ok: true, type: 'sale.completed', payload: p });
    // Other types, and a sale it is not sure of, are zod's.
    expect(leanParsePayload('sale.refunded', p)).toBeNull();
    expect(leanParsePayload('sale.completed', { ...p, extra: 1 })).toBeNull();
    // The hub's one parse per event takes it, and answers as zod does.
    const e = { type: 'sale.completed', payload: p } as unknown as JournalEvent;
    const r = parsedPayload(e);
    expect(r.ok && r.payload).toBe(p);
    expect(isDeepStrictEqual(r, parseEventPayload('sale.completed', p))).toBe(true);
  });

  it('takes generated sales (taxes, discounts, weighed lines, card, gift card and cash tenders) with zod’s data', () => {
    fc.assert(
      fc.property(saleCompletedArb(), (s) => {
        expect(same(json(s))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('same answer on mutated sales (1-3 mutations anywhere in the payload)', () => {
    let taken = 0;
    fc.assert(
      fc.property(saleCompletedArb({ maxLines: 3 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), (s, ms) => {
        const p = json(s);
        for (const m of ms) apply(p, m);
        if (same(p)) taken++;
      }),
      { numRuns: 3000 },
    );
    expect(taken).toBeGreaterThan(0); // some mutations keep a valid sale (a member set to what it was, a different valid id)
  }, 120_000); // CPU-bound: seconds on a quiet machine, 10-47 s seen on a loaded 2-core one (the 30 s default)

  it('same answer on arbitrary values', () => {
    fc.assert(fc.property(fc.anything({ maxDepth: 3, withNullPrototype: true, withSparseArray: true }), (v) => void same(v)), { numRuns: 1000 });
  });
});

describe('the lean compiler on schemas the sale does not use (yet)', () => {
  // A schema written another way must compile to "not sure" or to zod's answer, never to a
  // looser one: zod 4's format schemas keep their format on the schema itself.
  const schemas: Array<[string, z.ZodType]> = [
    ['z.uuid()', z.uuid()],
    ['z.string().uuid()', z.string().uuid()],
    ['z.email()', z.email()],
    ['z.url()', z.url()],
    ['z.iso.datetime()', z.iso.datetime()],
    ['z.int()', z.int()],
    ['z.int32()', z.int32()],
    ['z.number().int().min(0)', z.number().int().min(0)],
    ['z.strictObject({ a: z.uuid() })', z.strictObject({ a: z.uuid() })],
    ['z.array(z.email()).max(2)', z.array(z.email()).max(2)],
  ];
  const values: unknown[] = ['x', '', 'a@b.co', 'https://x.example', '2026-12-02T10:00:00.000Z', '0b9d2f0e-6a5c-4c1e-9d53-2a4f6f1f7c10', 'zz9d2f0e-6a5c-4c1e-9d53-2a4f6f1f7c10', 0, -1, 1.5, 2 ** 31, 2 ** 53, { a: 'x' }, { a: '0b9d2f0e-6a5c-4c1e-9d53-2a4f6f1f7c10' }, ['x'], ['a@b.co']];
  it.each(schemas)('%s: where the lean check says yes, zod says yes', (_, schema) => {
    const lean = compileLean(schema);
    const check = (v: unknown) => {
      if (lean(v)) expect(schema.safeParse(v).success).toBe(true);
    };
    for (const v of values) check(v);
    fc.assert(fc.property(fc.oneof(fc.string(), fc.integer(), fc.double(), fc.uuid(), fc.emailAddress(), fc.webUrl(), fc.anything()), (v) => check(v)), { numRuns: 300 });
  }, 120_000); // CPU-bound: seconds on a quiet machine, 10-47 s seen on a loaded 2-core one (the 30 s default)
});
