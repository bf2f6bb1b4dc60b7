import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { eventContentProblem, payloadContentProblem } from './event-content';
import { journalEventSchema, sealEvent, GENESIS_HASH } from './journal-event';
import { EXAMPLE_SALE_COMPLETED } from '../events';

describe('event content rules', () => {
  it('accepts the example sale and names each kind of problem', () => {
    expect(payloadContentProblem(EXAMPLE_SALE_COMPLETED)).toBeNull();
    expect(payloadContentProblem({ a: 'x\u0000' })?.code).toBe('BAD_TEXT');
    expect(payloadContentProblem({ a: 'x\uDC00' })?.code).toBe('BAD_TEXT');
    expect(payloadContentProblem({ ['k\u0001']: 1 })?.code).toBe('BAD_TEXT');
    expect(payloadContentProblem({ a: 0.5 })?.code).toBe('UNHASHABLE');
    expect(payloadContentProblem({ a: 2 ** 53 })?.code).toBe('UNHASHABLE');
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(payloadContentProblem({ a: deep })?.code).toBe('UNHASHABLE');
    expect(payloadContentProblem({ reason: 'card 4111-1111-1111-1111 declined' })?.code).toBe('CARD_NUMBER');
    expect(payloadContentProblem({ gtin: '4006381333931' })).toBeNull(); // an article number, Luhn-valid like a PAN
    expect(payloadContentProblem({ lines: [{ description: 'Stifte EAN 4006381333931' }] })).toBeNull(); // from the catalog
    expect(eventContentProblem({ event_id: randomUUID().toUpperCase(), payload: {} })?.code).toBe('NON_CANONICAL_ID');
  });

  it('property: a UUID is never mistaken for a card number', () => {
    fc.assert(fc.property(fc.uuid(), (id) => payloadContentProblem({ sale_id: id, note: `see ${id}` }) === null), { numRuns: 2000 });
  });

  it('the register-side schema refuses what the hub would refuse; the same event is fine without it', () => {
    const body = { version: 1 as const, terminal_id: 'T', store_id: 'S', seq: 1, event_id: randomUUID(), type: 'sale.voided', occurred_at: '2026-01-01T00:00:00.000Z' };
    expect(journalEventSchema.safeParse(sealEvent(GENESIS_HASH, { ...body, payload: { reason: 'ok' } })).success).toBe(true);
    const bad = journalEventSchema.safeParse(sealEvent(GENESIS_HASH, { ...body, payload: { reason: 'no\u0000' } }));
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/BAD_TEXT/);
  });
});
