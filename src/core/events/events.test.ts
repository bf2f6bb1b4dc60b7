import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  EVENT_TYPES,
  EVENT_TYPE_NAMES,
  EXAMPLE_SALE_COMPLETED,
  EXAMPLE_SALE_REFUNDED,
  EXAMPLE_SHIFT_CLOSED,
  EventPayloadError,
  assertEventPayload,
  maskedPanSchema,
  parseEventPayload,
  parseJournalEvent,
} from './index';
import { GENESIS_HASH, sealEvent } from '../protocol/journal-event';

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('event payload schemas', () => {
  it('accepts the examples', () => {
    expect(parseEventPayload('sale.completed', EXAMPLE_SALE_COMPLETED)).toMatchObject({ ok: true });
    expect(parseEventPayload('sale.refunded', EXAMPLE_SALE_REFUNDED)).toMatchObject({ ok: true });
    expect(parseEventPayload('shift.closed', EXAMPLE_SHIFT_CLOSED)).toMatchObject({ ok: true });
    const pv = {
      post_void_id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      sale_id: EXAMPLE_SALE_COMPLETED.sale_id,
      store_id: 'store-001',
      terminal_id: 'store-001-t1',
      shift_id: EXAMPLE_SALE_COMPLETED.shift_id,
      cashier_id: 'emp-17',
      approved_by: 'mgr-2',
      reason: 'Rang up on wrong customer',
      original: EXAMPLE_SALE_COMPLETED,
      voided_at: '2026-11-23T02:31:00.000Z',
    };
    expect(parseEventPayload('sale.post_voided', pv)).toMatchObject({ ok: true });
    expect(parseEventPayload('sale.post_voided', { ...pv, sale_id: '1b9d2f0e-6a5c-4c1e-9d53-2a4f6f1f7c10' }).ok).toBe(false);
  });

  it('accepts shift, drawer and void events', () => {
    const base = { shift_id: EXAMPLE_SALE_COMPLETED.shift_id, store_id: 's1', terminal_id: 't1', cashier_id: 'c1' };
    expect(parseEventPayload('shift.opened', { ...base, currency: 'EUR', opening_float: 15000, opened_at: '2026-01-01T08:00:00Z' }).ok).toBe(true);
    expect(
      parseEventPayload('shift.cash_moved', {
        ...base,
        movement_id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
        currency: 'EUR',
        kind: 'paid_out',
        amount: 1250,
        reason: 'Milk delivery tip',
        account_hint: 'expense:supplies',
        moved_at: '2026-01-01T09:00:00Z',
      }).ok,
    ).toBe(true);
    expect(parseEventPayload('drawer.no_sale', { ...base, no_sale_id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', opened_at: '2026-01-01T09:00:00Z' }).ok).toBe(true);
    expect(
      parseEventPayload('sale.voided', {
        ...base,
        sale_id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
        currency: 'EUR',
        lines: [{ sku: 'A', description: 'a', quantity: { units: 1, scale: 0 }, total: 100 }],
        total: 100,
        voided_at: '2026-01-01T09:00:00Z',
      }).ok,
    ).toBe(true);
  });

  it('names the problem for bad input', () => {
    const p = clone(EXAMPLE_SALE_COMPLETED);
    p.lines[1]!.net = 901;
    const r = parseEventPayload('sale.completed', p);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/net 901/);

    const q = clone(EXAMPLE_SALE_COMPLETED) as unknown as { lines: Array<{ unit_price: number }> };
    q.lines[0]!.unit_price = 3.49;
    const r2 = parseEventPayload('sale.completed', q);
    expect(r2.ok).toBe(false);
    if (!r2.ok) expect(r2.error).toMatch(/lines\[0\]\.unit_price/);

    expect(parseEventPayload('sale.exploded', {})).toMatchObject({ ok: false, error: expect.stringMatching(/unknown event type "sale.exploded"/) });
    expect(() => assertEventPayload('shift.opened', {})).toThrow(EventPayloadError);
  });

  it('catches tenders that do not cover the total, a bad breakdown and a bad change', () => {
    const a = clone(EXAMPLE_SALE_COMPLETED);
    a.tenders[0]!.amount = 999;
    expect(parseEventPayload('sale.completed', a).ok).toBe(false);
    const b = clone(EXAMPLE_SALE_COMPLETED);
    b.tax_breakdown[0]!.amount = 35;
    expect(parseEventPayload('sale.completed', b).ok).toBe(false);
    const c = clone(EXAMPLE_SALE_COMPLETED);
    c.tax_breakdown.pop();
    expect(parseEventPayload('sale.completed', c).ok).toBe(false);
    const t1 = clone(EXAMPLE_SALE_COMPLETED);
    t1.lines[1]!.taxes[0]!.base = 1000; // base must be the net 900
    t1.tax_breakdown[0]!.base = 1000;
    expect(parseEventPayload('sale.completed', t1)).toMatchObject({ ok: false, error: expect.stringMatching(/base 1000 ≠ 900/) });
    const t2 = clone(EXAMPLE_SALE_COMPLETED);
    t2.lines[1]!.taxes[0]!.rate_ppm = 400_000; // 40 % of 9.00 is not 0.36
    t2.tax_breakdown[0]!.rate_ppm = 400_000;
    expect(parseEventPayload('sale.completed', t2)).toMatchObject({ ok: false, error: expect.stringMatching(/is not 400000 ppm of 900/) });
    const d = clone(EXAMPLE_SALE_COMPLETED);
    d.change_due = 0;
    expect(parseEventPayload('sale.completed', d).ok).toBe(false);
    const e = clone(EXAMPLE_SALE_COMPLETED);
    e.lines[0]!.gross = 700; // 2 × 3.49 = 6.98
    e.lines[0]!.net = 700;
    e.lines[0]!.total = 700;
    e.totals.subtotal = 1700;
    e.totals.total = 1680;
    e.tenders[1]!.amount = 680;
    (e.tenders[1] as { change?: number }).change = 320;
    e.change_due = 320;
    const re = parseEventPayload('sale.completed', e);
    expect(re.ok).toBe(false);
    if (!re.ok) expect(re.error).toMatch(/gross 700 is not unit_price × quantity/);
  });

  it('masked_pan refuses more than first 6 + last 4 digits', () => {
    for (const ok of ['411111******1111', '************1111', '****1234', '411111XXXXXX1111', '5500\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u20220004'])
      expect(maskedPanSchema.safeParse(ok).success, ok).toBe(true);
    for (const bad of ['4111111111111111', '4111111*****1111', '411111******11111', '411111 ****** 1111', '1234', ''])
      expect(maskedPanSchema.safeParse(bad).success, bad).toBe(false);
    const p = clone(EXAMPLE_SALE_COMPLETED) as unknown as { tenders: Array<{ masked_pan?: string }> };
    p.tenders[0]!.masked_pan = '4111111111111111';
    expect(parseEventPayload('sale.completed', p).ok).toBe(false);
  });

  it('every registered type has a schema and journal events parse typed', () => {
    expect(EVENT_TYPE_NAMES.sort()).toEqual(Object.keys(EVENT_TYPES).sort());
    const e = sealEvent(GENESIS_HASH, {
      version: 1,
      terminal_id: 'store-001-t1',
      store_id: 'store-001',
      seq: 1,
      event_id: '5f0c3a1e-2b4d-4c6e-8f0a-1b2c3d4e5f60',
      type: 'sale.completed',
      occurred_at: '2026-11-23T02:30:00.000Z',
      payload: EXAMPLE_SALE_COMPLETED as unknown as Record<string, unknown>,
    });
    const r = parseJournalEvent(e);
    expect(r.ok).toBe(true);
    if (r.ok && r.event.type === 'sale.completed') expect(r.event.payload.totals.total).toBe(1678);
  });
});

describe('a payload whose fields fail is refused, never thrown', () => {
  // Zod runs refinements past range failures, so the sale's arithmetic sees values its fields
  // refused; the hub treats a throw here as its own fault and the register would retry forever.
  it('a quantity scale outside 0..6 is refused by its field', () => {
    for (const scale of [-1, -(2 ** 31), 7, 1e15, 2 ** 53]) {
      const p = clone(EXAMPLE_SALE_COMPLETED) as unknown as { lines: Array<{ quantity: { scale: number } }> };
      p.lines[0]!.quantity.scale = scale;
      const r = parseEventPayload('sale.completed', p);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.error).toMatch(/lines\[0\]\.quantity\.scale/);
    }
  });

  it('any number at any numeric member of the examples: parse answers, it never throws', () => {
    const leaves = (x: unknown, at: Array<string | number> = []): Array<Array<string | number>> =>
      typeof x === 'number'
        ? [at]
        : x && typeof x === 'object'
          ? Object.entries(x).flatMap(([k, v]) => leaves(v, [...at, Array.isArray(x) ? Number(k) : k]))
          : [];
    const examples = [
      ['sale.completed', EXAMPLE_SALE_COMPLETED],
      ['sale.refunded', EXAMPLE_SALE_REFUNDED],
      ['shift.closed', EXAMPLE_SHIFT_CLOSED],
    ] as const;
    const value = fc.oneof(fc.integer(), fc.integer({ min: -100, max: 100 }), fc.double(), fc.constantFrom(-1, 7, 1e15, 2 ** 53, -(2 ** 53), 1e308, Number.MAX_SAFE_INTEGER));
    fc.assert(
      fc.property(fc.constantFrom(...examples), fc.nat(), value, ([type, example], pick, v) => {
        const paths = leaves(example);
        const path = paths[pick % paths.length]!;
        const p = clone(example) as unknown as Record<string | number, unknown>;
        let o = p;
        for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
        o[path[path.length - 1]!] = v;
        const r = parseEventPayload(type, p);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});
