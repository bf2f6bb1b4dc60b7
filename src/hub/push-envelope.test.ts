import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_EVENTS_PER_BATCH, pushEventsRequestSchema } from '../core/protocol';
import { RegisterSim } from './testing/register-sim';
import { leanPushRequest, parsePushRequest } from './push-envelope';
import { freshCopy } from './testing/fresh-copy';

// The hand-written events.push check must give exactly zod's answer: accepted with the same
// data, or refused by zod itself (same issues, so the same BAD_REQUEST message).

const sim = new RegisterSim('S1', 'S1-R1', 'tok');
for (let i = 0; i < 6; i++) sim.sell([{ sku: `SKU-${i}`, units: 1 + i, unit_price: 150 + i }]);
const wire = (): Record<string, unknown> => JSON.parse(JSON.stringify({ terminal_id: 'S1-R1', events: sim.journal.slice(0, 4) })) as Record<string, unknown>;
const SIG = { alg: 'ed25519', first_seq: 1, last_seq: 4, head_hash: 'a'.repeat(64), sig: `${'A'.repeat(86)}==` };

function same(x: unknown): void {
  const a = parsePushRequest(x);
  const b = pushEventsRequestSchema.safeParse(x);
  expect(a.success).toBe(b.success);
  // node's deep strict equality, not toStrictEqual: that one compares each object's
  // `constructor` member, and a payload whose own `constructor` is NaN never equals itself.
  if (a.success && b.success) expect(isDeepStrictEqual(a.data, b.data), 'same data as zod').toBe(true);
  else expect(a.error?.issues).toStrictEqual(b.error?.issues);
}

// Values a mutation puts somewhere: anything, and near misses of each field's form.
const odd = fc.oneof(
  fc.anything({ maxDepth: 2, withNullPrototype: true, withSparseArray: true, withBoxedValues: true }),
  fc.constantFrom(
    0, 1, -1, 1.5, -0, 2 ** 53, Number.MAX_SAFE_INTEGER, Number.NaN, '', '1', 'S1-R1', 'S1', 'ed25519', 'sale.completed', 'Sale.completed', 'sale',
    '2026-12-02T08:00:00Z', '2026-12-02T08:00:00.123Z', '2026-12-02T08:00:00+01:00', '2026-02-30T08:00:00Z', 'a'.repeat(64), 'A'.repeat(64), 'a'.repeat(63),
    '123e4567-e89b-12d3-a456-426614174000', '123E4567-E89B-12D3-A456-426614174000', '123e4567-e89b-02d3-a456-426614174000', '00000000-0000-0000-0000-000000000000',
    `${'A'.repeat(86)}==`, `${'A'.repeat(85)}==`, 'x'.repeat(65), '-R1', 'R1 ', null, [], {}, { a: 1 },
  ),
);
const key = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('version', 'terminal_id', 'store_id', 'seq', 'event_id', 'type', 'occurred_at', 'payload', 'prev_hash', 'hash', 'events', 'signature', 'alg', 'first_seq', 'last_seq', 'head_hash', 'sig', '__proto__', 'constructor', 'extra'));

type Mutation = { where: 'top' | 'event' | 'payload' | 'signature'; index: number; op: 'set' | 'delete'; key: string; value: unknown };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  where: fc.constantFrom('top', 'event', 'payload', 'signature'),
  index: fc.nat({ max: 3 }),
  op: fc.constantFrom('set', 'delete'),
  key,
  value: odd,
});

function apply(req: Record<string, unknown>, m0: Mutation): void {
  const m = { ...m0, value: freshCopy(m0.value) };
  const events = Array.isArray(req.events) ? (req.events as unknown[]) : [];
  const event = events[m.index] as Record<string, unknown> | null | undefined;
  const target = (m.where === 'top' ? req : m.where === 'event' ? event : m.where === 'payload' ? (event && typeof event === 'object' ? event.payload : undefined) : req.signature) as Record<string, unknown> | null | undefined;
  if (!target || typeof target !== 'object') return;
  if (m.op === 'delete') delete target[m.key];
  else if (m.key === '__proto__') Object.defineProperty(target, '__proto__', { value: m.value, enumerable: true, configurable: true, writable: true });
  else target[m.key] = m.value;
}

describe('events.push: the lean check against zod', () => {
  it('takes the common request itself, with zod’s data', () => {
    const req = wire();
    expect(leanPushRequest(req)).not.toBeNull();
    same(req);
    const signed = { ...wire(), signature: SIG };
    expect(leanPushRequest(signed)).not.toBeNull();
    same(signed);
    // unknown event members are kept (refused per event later, UNKNOWN_MEMBER), as zod's wire schema keeps them
    const extra = wire();
    (extra.events as Array<Record<string, unknown>>)[1]!.note = 'x';
    expect(leanPushRequest(extra)).not.toBeNull();
    same(extra);
  });

  it('same answer on mutated requests (0-4 mutations, signed or not)', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(mutation, { maxLength: 4 }), (signed, ms) => {
        const req = wire();
        if (signed) req.signature = { ...SIG };
        for (const m of ms) apply(req, m);
        same(req);
      }),
      { numRuns: 2000, examples: [[false, [{ where: 'payload', index: 0, op: 'set', key: 'constructor', value: Number.NaN }]]] },
    );
  });

  it('same answer on arbitrary values and on batch sizes around the bound', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 3, withNullPrototype: true }), (v) => same(v)),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.anything({ maxDepth: 2 }), (v) => same({ terminal_id: 'S1-R1', events: v })),
      { numRuns: 500 },
    );
    const one = (wire().events as unknown[])[0];
    for (const n of [0, 1, MAX_EVENTS_PER_BATCH, MAX_EVENTS_PER_BATCH + 1]) same({ terminal_id: 'S1-R1', events: Array.from({ length: n }, () => one) });
    // eslint-disable-next-line no-sparse-arrays
    same({ terminal_id: 'S1-R1', events: [one, , one] });
    same({ terminal_id: 'S1-R1', events: [one], signature: undefined });
    same(JSON.parse('{"terminal_id":"S1-R1","events":[],"__proto__":{}}'));
  });
});
