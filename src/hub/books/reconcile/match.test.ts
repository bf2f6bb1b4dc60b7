import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findSumSubset, reconcile, type BankLineIn, type CashDepositIn, type MatchInput, type PayoutIn } from './match';

// The matching rules, pure: combined deposits (one bank line for several shift closes or
// bags of a store) and bank debit lines.

const close = (key: string, store: string, date: string, amount: number, bag = key.slice(-8)): CashDepositIn => ({ key, store_id: store, date, currency: 'EUR', amount, bag, source: 'shift_close' });
const bank = (key: string, date: string, amount: number, text: string): BankLineIn => ({ key, date, currency: 'EUR', amount, text });
const run = (p: Partial<MatchInput>) => {
  const items = reconcile({ tenders: [], settlement: [], payouts: [], bank: [], deposits: [], ...p });
  return new Map(items.map((i) => [i.item_key, i]));
};

describe('combined deposits', () => {
  it('one bank line equal to the sum of three shift closes of a store within the window matches all three', () => {
    const by = run({
      deposits: [
        close('shiftclose:aaaa0001', 'store-a', '2026-11-02', 10000),
        close('shiftclose:aaaa0002', 'store-a', '2026-11-03', 25000),
        close('shiftclose:aaaa0003', 'store-a', '2026-11-04', 17550),
        close('shiftclose:bbbb0001', 'store-b', '2026-11-03', 25000), // another store, same amount as one of them
      ],
      bank: [bank('bank:1', '2026-11-05', 52550, 'BAREINZAHLUNG FILIALE'), bank('bank:2', '2026-11-20', 1, 'later statement')],
    });
    for (const k of ['shiftclose:aaaa0001', 'shiftclose:aaaa0002', 'shiftclose:aaaa0003']) {
      expect(by.get(k)).toMatchObject({ status: 'matched', matched_with: 'bank:1', received: by.get(k)!.expected });
      expect(by.get(k)!.detail).toMatch(/deposited together with .* in one bank line of 52550 \(their sum, within the deposit window\)/);
    }
    expect(by.get('shiftclose:bbbb0001')).toMatchObject({ status: 'open', reason: 'missing' });
    expect(by.has('bank:1')).toBe(false); // claimed, so not an unknown credit
  });

  it('a bank line naming several bags takes them when it equals their sum', () => {
    const by = run({
      deposits: [
        { key: 'deposit:1', store_id: 'store-a', date: '2026-11-02', currency: 'EUR', amount: 30000, bag: '000501', source: 'drop' },
        { key: 'deposit:2', store_id: 'store-a', date: '2026-11-02', currency: 'EUR', amount: 12000, bag: '000502', source: 'drop' },
      ],
      bank: [bank('bank:1', '2026-11-03', 42000, 'Night safe bags 000501 000502')],
    });
    expect(by.get('deposit:1')).toMatchObject({ status: 'matched', matched_with: 'bank:1' });
    expect(by.get('deposit:2')).toMatchObject({ status: 'matched', matched_with: 'bank:1' });
    expect(by.get('deposit:1')!.detail).toMatch(/the bag numbers in its text/);
  });

  it('no sum across stores, outside the window or off by a cent: the deposits stay open and the line unknown', () => {
    const by = run({
      deposits: [
        close('shiftclose:aaaa0001', 'store-a', '2026-11-02', 10000),
        close('shiftclose:bbbb0001', 'store-b', '2026-11-02', 5000),
        close('shiftclose:aaaa0002', 'store-a', '2026-10-20', 5000), // 16 days before
        close('shiftclose:aaaa0003', 'store-a', '2026-11-03', 4999),
      ],
      bank: [bank('bank:1', '2026-11-05', 15000, 'cash in'), bank('bank:2', '2026-11-20', 1, 'later')],
    });
    expect(by.get('shiftclose:aaaa0001')).toMatchObject({ status: 'open', reason: 'missing' });
    expect(by.get('shiftclose:bbbb0001')).toMatchObject({ status: 'open', reason: 'missing' });
    expect(by.get('bank:1')).toMatchObject({ status: 'open', reason: 'unknown reference' });
  });

  it('a single deposit that matches by itself is not taken into a sum', () => {
    const by = run({
      deposits: [close('shiftclose:aaaa0001', 'store-a', '2026-11-02', 10000), close('shiftclose:aaaa0002', 'store-a', '2026-11-02', 5000)],
      bank: [bank('bank:1', '2026-11-03', 10000, 'cash'), bank('bank:2', '2026-11-03', 5000, 'cash')],
    });
    expect(by.get('shiftclose:aaaa0001')).toMatchObject({ status: 'matched', matched_with: 'bank:1', detail: expect.stringMatching(/matched by amount and date$/) });
    expect(by.get('shiftclose:aaaa0002')).toMatchObject({ status: 'matched', matched_with: 'bank:2' });
  });
});

describe('bank debit lines', () => {
  const payout = (id: string, amount: number): PayoutIn => ({ key: `payout:stripe:${id}`, processor: 'stripe', payout_id: id, date: '2026-11-10', currency: 'EUR', amount, lines_check: 'ok' });
  it('a negative payout (the processor takes money back) matches a debit; other debits are listed with why', () => {
    const by = run({
      payouts: [payout('po_neg1', -4200), payout('po_pos1', 10000)],
      bank: [
        bank('bank:1', '2026-11-11', -4200, 'STRIPE po_neg1'),
        bank('bank:2', '2026-11-11', 10000, 'STRIPE po_pos1'),
        bank('bank:3', '2026-11-12', -2500, 'STRIPE PAYMENTS monthly invoice'),
        bank('bank:4', '2026-11-12', -990, 'Kontofuehrung'),
      ],
    });
    expect(by.get('payout:stripe:po_neg1')).toMatchObject({ status: 'matched', matched_with: 'bank:1', received: -4200 });
    expect(by.get('payout:stripe:po_pos1')).toMatchObject({ status: 'matched', matched_with: 'bank:2' });
    expect(by.has('bank:1')).toBe(false);
    expect(by.get('bank:3')).toMatchObject({ status: 'open', reason: 'unknown reference', received: -2500, detail: expect.stringMatching(/^money out to stripe: fees or chargebacks/) });
    expect(by.get('bank:4')).toMatchObject({ status: 'open', reason: 'unknown reference', received: -990, detail: expect.stringMatching(/^money out: no payout, deposit or settlement/) });
  });

  it('a debit repeated by an overlapping statement is a duplicate', () => {
    const by = run({ bank: [bank('bank:1', '2026-11-12', -990, 'fee'), { ...bank('bank:2', '2026-11-12', -990, 'fee'), duplicate_of: 'bank:1' }] });
    expect(by.get('bank:2')).toMatchObject({ status: 'open', reason: 'duplicate', matched_with: 'bank:1' });
  });
});

describe('findSumSubset', () => {
  it('finds a planted subset of two or more, and what it returns always adds up', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 500_000 }), { minLength: 2, maxLength: 14 }), fc.func(fc.boolean()), (amounts, pick) => {
        const planted = amounts.map((_, i) => i).filter((i) => pick(i));
        if (planted.length < 2) return;
        const target = planted.reduce((a, i) => a + amounts[i]!, 0);
        const got = findSumSubset(amounts, target);
        expect(got).not.toBeNull();
        expect(got!.length).toBeGreaterThanOrEqual(2);
        expect(new Set(got).size).toBe(got!.length);
        expect(got!.reduce((a, i) => a + amounts[i]!, 0)).toBe(target);
      }),
      { numRuns: 300 },
    );
  });
  it('never a single element, never a wrong sum, bounded steps', () => {
    expect(findSumSubset([500, 300], 500)).toBeNull();
    expect(findSumSubset([100, 200, 300], 601)).toBeNull();
    expect(findSumSubset([0, 5, 5], 10)).toBeNull(); // amounts must be positive
    const many = Array.from({ length: 40 }, (_, i) => 1_000_003 + i * 2);
    expect(findSumSubset(many, 1, 1000)).toBeNull();
    expect(findSumSubset(many, 7, 50)).toBeNull(); // unreachable target, stops within the budget
  });
  it('one budget bounds every search of a run: once spent, even a reachable sum is not searched', () => {
    const many = Array.from({ length: 40 }, (_, i) => 1_000_003 + i * 2);
    const budget = { left: 5_000 };
    expect(findSumSubset(many, 20_000_001, 100_000, budget)).toBeNull(); // unreachable, costly
    expect(budget.left).toBeLessThanOrEqual(0);
    expect(budget.left).toBeGreaterThan(-100); // stopped at the budget, not at the search's own cap
    expect(findSumSubset([100, 200, 300], 500, 100_000, budget)).toBeNull();
    expect(findSumSubset([100, 200, 300], 500, 100_000, { left: 1_000 })).toEqual([1, 2]);
  });
  it('reconcile shares one step budget across its sum searches; with none left, the deposits stay open', () => {
    const input: Partial<MatchInput> = {
      deposits: [
        close('shiftclose:aaaa0001', 'store-a', '2026-11-02', 10000),
        close('shiftclose:aaaa0002', 'store-a', '2026-11-03', 25000),
        close('shiftclose:aaaa0011', 'store-a', '2026-11-12', 7000),
        close('shiftclose:aaaa0012', 'store-a', '2026-11-13', 8000),
      ],
      bank: [bank('bank:1', '2026-11-04', 35000, 'BAREINZAHLUNG'), bank('bank:2', '2026-11-14', 15000, 'BAREINZAHLUNG'), bank('bank:9', '2026-11-30', 1, 'later statement')],
    };
    const all = { tenders: [], settlement: [], payouts: [], bank: [], deposits: [], ...input };
    const full = new Map(reconcile(all).map((i) => [i.item_key, i]));
    for (const k of ['shiftclose:aaaa0001', 'shiftclose:aaaa0011']) expect(full.get(k)).toMatchObject({ status: 'matched' });
    const none = new Map(reconcile(all, { sumSearchSteps: 0 }).map((i) => [i.item_key, i]));
    for (const k of ['shiftclose:aaaa0001', 'shiftclose:aaaa0002', 'shiftclose:aaaa0011', 'shiftclose:aaaa0012']) expect(none.get(k)).toMatchObject({ status: 'open', reason: 'missing' });
    expect(none.get('bank:1')).toMatchObject({ status: 'open', reason: 'unknown reference' });
  });
});
