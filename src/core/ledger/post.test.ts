import { describe, expect, it } from 'vitest';
import { EXAMPLE_SALE_COMPLETED, EXAMPLE_SALE_REFUNDED, EXAMPLE_SHIFT_CLOSED } from '../events/examples';
import { canonicalJson } from '../protocol/canonical-json';
import { defaultChart, US_DEFAULT_CHART } from './default-charts';
import { loadChart, UnmappedAccountError } from './chart';
import { assertBalanced, type JournalEntry } from './entry';
import { postEvent, PostingError, accountingDate } from './post';
import { balanceOf, isBalanced, trialBalance } from './trial-balance';
import { envelope } from './testing/envelope';

const us = defaultChart('us');
const sale = envelope('sale.completed', EXAMPLE_SALE_COMPLETED as unknown as Record<string, unknown>);

function net(entries: JournalEntry[], account: string): number {
  return Number(balanceOf(trialBalance(entries), account, 'USD'));
}

describe('postEvent: sale.completed', () => {
  const [entry] = postEvent(sale, us);

  it('posts one balanced entry with a deterministic id and link to its event', () => {
    expect(entry).toBeDefined();
    assertBalanced(entry!);
    expect(entry!.entry_id).toBe(`sale-${EXAMPLE_SALE_COMPLETED.sale_id}`);
    expect(entry!.source).toEqual({ terminal_id: 'store-001-t1', store_id: 'store-001', seq: 1, event_id: sale.event_id, type: 'sale.completed' });
    expect(entry!.date).toBe('2026-11-22'); // 02:30 UTC is the evening before in New York
  });

  it('debits tenders, credits gross revenue per category, debits the discount and credits tax per jurisdiction', () => {
    const e = [entry!];
    expect(net(e, '1190')).toBe(1000); // card clearing (sim)
    expect(net(e, '1000')).toBe(678); // cash drawer, net of 3.22 change
    expect(net(e, '4010')).toBe(-698); // grocery
    expect(net(e, '4060')).toBe(-1000); // apparel, gross
    expect(net(e, '4500')).toBe(100); // line discount
    expect(net(e, '2210')).toBe(-36); // NY state
    expect(net(e, '2211')).toBe(-44); // NYC
    const apparel = entry!.lines.find((l) => l.account === '4060')!;
    expect(apparel.dimensions).toEqual({ store_id: 'store-001', terminal_id: 'store-001-t1', category: 'apparel' });
  });

  it('is deterministic and frozen', () => {
    expect(canonicalJson(postEvent(sale, us))).toBe(canonicalJson(postEvent(sale, loadChart(US_DEFAULT_CHART))));
    expect(Object.isFrozen(entry)).toBe(true);
    expect(() => {
      (entry!.lines as unknown as unknown[]).push({});
    }).toThrow();
  });
});

describe('postEvent: refunds, post-voids, shifts', () => {
  it('a refund swaps the sides, uses the returns account and links to the sale', () => {
    const ev = envelope('sale.refunded', EXAMPLE_SALE_REFUNDED as unknown as Record<string, unknown>, { seq: 2 });
    const [r] = postEvent(ev, us);
    assertBalanced(r!);
    expect(r!.adjusts).toBe(`sale-${EXAMPLE_SALE_COMPLETED.sale_id}`);
    expect(net([r!], '4600')).toBe(1000);
    expect(net([r!], '4500')).toBe(-100);
    expect(net([r!], '1000')).toBe(-980);
    expect(net([r!], '2210')).toBe(36);
  });

  it('a post-void negates the sale exactly and nets every account to zero', () => {
    const ev = envelope('sale.post_voided', {
      post_void_id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      sale_id: EXAMPLE_SALE_COMPLETED.sale_id,
      store_id: 'store-001',
      terminal_id: 'store-001-t1',
      shift_id: EXAMPLE_SALE_COMPLETED.shift_id,
      cashier_id: 'emp-17',
      reason: 'Rang up twice',
      original: EXAMPLE_SALE_COMPLETED,
      voided_at: '2026-11-23T02:31:00.000Z',
    }, { seq: 2 });
    const [s] = postEvent(sale, us);
    const [v] = postEvent(ev, us);
    const [v2] = postEvent(ev, us, { original: s });
    expect(v!.reverses).toBe(s!.entry_id);
    expect(canonicalJson(v)).toBe(canonicalJson(v2));
    expect(v!.lines).toEqual(s!.lines.map((l) => ({ ...l, debit: l.credit, credit: l.debit })));
    const tb = trialBalance([s!, v!]);
    expect(tb.rows.every((r) => r.balance === 0n)).toBe(true);
    expect(() => postEvent(ev, us, { original: { ...s!, entry_id: 'sale-other' } })).toThrow(PostingError);
  });

  it('shift close posts the variance to over/short and the counted cash to the safe', () => {
    const ev = envelope('shift.closed', EXAMPLE_SHIFT_CLOSED as unknown as Record<string, unknown>, { seq: 9, occurred_at: '2026-11-23T09:00:00.000Z' });
    const entries = postEvent(ev, us);
    expect(entries.map((e) => e.entry_id)).toEqual([`shift-${EXAMPLE_SHIFT_CLOSED.shift_id}-over-short`, `shift-${EXAMPLE_SHIFT_CLOSED.shift_id}-close-out`]);
    expect(net(entries, '6900')).toBe(-2); // over: credit over/short
    expect(net(entries, '1010')).toBe(9700);
    expect(net(entries, '1000')).toBe(2 - 9700);
    expect(isBalanced(trialBalance(entries))).toBe(true);
  });

  it('audit-only events post nothing; a bad payload or unknown type is refused', () => {
    const noSale = envelope('drawer.no_sale', { no_sale_id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', shift_id: EXAMPLE_SALE_COMPLETED.shift_id, store_id: 'store-001', terminal_id: 'store-001-t1', cashier_id: 'emp-17', opened_at: '2026-11-23T02:00:00.000Z' });
    expect(postEvent(noSale, us)).toEqual([]);
    const bad = envelope('sale.completed', { ...EXAMPLE_SALE_COMPLETED, change_due: 1 } as unknown as Record<string, unknown>);
    expect(() => postEvent(bad, us)).toThrow(/change_due/);
    const unknown = envelope('sale.teleported', { store_id: 'store-001', terminal_id: 'store-001-t1' });
    expect(() => postEvent(unknown, us)).toThrow(/unknown event type "sale.teleported"/);
    const wrongStore = { ...sale, store_id: 'store-002' };
    expect(() => postEvent(wrongStore, us)).toThrow(/≠ envelope/);
  });

  it('an unknown processor names the missing mapping; a suspense account takes it instead when configured', () => {
    const p = structuredClone(EXAMPLE_SALE_COMPLETED);
    (p.tenders[0] as { processor: string }).processor = 'worldpay';
    const ev = envelope('sale.completed', p as unknown as Record<string, unknown>);
    expect(() => postEvent(ev, us)).toThrow(UnmappedAccountError);
    expect(() => postEvent(ev, us)).toThrow(/card processor "worldpay".*mapping\.card_clearing\.by_processor/);
    const withSuspense = loadChart({ ...US_DEFAULT_CHART, mapping: { ...US_DEFAULT_CHART.mapping, suspense: '1900' } });
    const [e] = postEvent(ev, withSuspense);
    const s = e!.lines.find((l) => l.account === '1900')!;
    expect(s.debit).toBe(1000);
    expect(s.dimensions.unmapped).toBe('card processor "worldpay"');
  });
});

describe('a whole shift', () => {
  const shiftId = EXAMPLE_SHIFT_CLOSED.shift_id;
  const base = { shift_id: shiftId, store_id: 'store-001', terminal_id: 'store-001-t1', cashier_id: 'emp-17', currency: 'USD' };
  const opened = envelope('shift.opened', { ...base, opening_float: 10000, opened_at: '2026-11-23T01:00:00.000Z' }, { seq: 1 });
  const moves = (['drop', 'paid_in', 'paid_out'] as const).map((kind, i) =>
    envelope('shift.cash_moved', { ...base, movement_id: `00000000-0000-4000-8000-00000000000${i}`, kind, amount: 500 + i, reason: `test ${kind}`, moved_at: '2026-11-23T04:00:00.000Z', ...(kind === 'drop' ? { account_hint: 'bank' } : {}) }, { seq: 10 + i }),
  );
  const expected = 10000 + 678 - 980 - 500 + 501 - 502;
  const closed = envelope('shift.closed', { ...EXAMPLE_SHIFT_CLOSED, expected_cash: expected, counted_cash: expected - 3, variance: -3, drops_total: 500, paid_in_total: 501, paid_out_total: 502 }, { seq: 20, occurred_at: '2026-11-23T09:00:00.000Z' });
  const events = [opened, sale, envelope('sale.refunded', EXAMPLE_SALE_REFUNDED as unknown as Record<string, unknown>, { seq: 3 }), ...moves, closed];

  it('per_shift custody: float in from the safe, counted cash back to it; the drawer account ends at zero and the shortage is an expense', () => {
    const entries = events.flatMap((e) => postEvent(e, us));
    expect(entries.map((e) => e.entry_id)).toContain(`shift-${shiftId}-float`);
    expect(net(entries, '1000')).toBe(0);
    expect(net(entries, '6900')).toBe(3); // short 0.03: debit over/short
    expect(net(entries, '1020')).toBe(500); // drop to the bank (hint "bank")
    expect(net(entries, '4900')).toBe(-501); // paid in → other income (default)
    expect(net(entries, '6100')).toBe(502); // paid out → petty cash (default)
    expect(net(entries, '1010')).toBe(-10000 + expected - 3); // safe: float out, counted cash in
    expect(isBalanced(trialBalance(entries))).toBe(true);
    const drop = entries.find((e) => e.source.type === 'shift.cash_moved' && e.memo.startsWith('Cash drop'))!;
    expect(drop.lines.map((l) => [l.account, l.debit, l.credit, l.dimensions.reason])).toEqual([
      ['1000', 0, 500, 'test drop'],
      ['1020', 500, 0, 'test drop'],
    ]);
  });

  it('continuous custody: no float entry, no close-out; the drawer keeps its cash', () => {
    const chart = loadChart({ ...US_DEFAULT_CHART, mapping: { ...US_DEFAULT_CHART.mapping, drawer_custody: 'continuous' } });
    const entries = events.flatMap((e) => postEvent(e, chart));
    expect(entries.find((e) => e.entry_id.endsWith('-float') || e.entry_id.endsWith('-close-out'))).toBeUndefined();
    expect(net(entries, '1000')).toBe(expected - 3 - 10000); // the float was already in the drawer
  });

  it('a post-void at another terminal takes the cash from that terminal\'s drawer', () => {
    const chart = loadChart({ ...US_DEFAULT_CHART, accounts: [...US_DEFAULT_CHART.accounts, { code: '1002', name: 'Drawer T2', type: 'asset' }], mapping: { ...US_DEFAULT_CHART.mapping, cash_drawer: { default: '1000', by_store: {}, by_terminal: { 'store-001-t2': '1002' } } } });
    const ev = envelope('sale.post_voided', { post_void_id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', sale_id: EXAMPLE_SALE_COMPLETED.sale_id, store_id: 'store-001', terminal_id: 'store-001-t2', shift_id: EXAMPLE_SALE_COMPLETED.shift_id, cashier_id: 'emp-17', reason: 'x', original: EXAMPLE_SALE_COMPLETED, voided_at: '2026-11-23T02:31:00.000Z' }, { seq: 2 });
    const entries = [...postEvent(sale, chart), ...postEvent(ev, chart)];
    expect(net(entries, '1000')).toBe(678);
    expect(net(entries, '1002')).toBe(-678);
    expect(net(entries, '1190')).toBe(0);
    const cashLine = entries[1]!.lines.find((l) => l.account === '1002')!;
    expect(cashLine.dimensions.terminal_id).toBe('store-001-t2');
  });
});

describe('tax-inclusive (VAT) sale', () => {
  it('posts revenue ex VAT, the discount\'s ex-VAT share, and VAT per member state', () => {
    const eu = defaultChart('eu');
    // 2 × 5.95 incl. 19 % VAT = 11.90, 1.90 off → net 10.00 incl. VAT; VAT 1.60 (10.00 − 8.40).
    const p = {
      ...EXAMPLE_SALE_COMPLETED,
      currency: 'EUR',
      lines: [{
        line_id: 'L1', sku: 'BREAD', description: 'Bread', category: 'bakery', tax_category: 'food', quantity: { units: 2, scale: 0 }, unit: 'each', unit_price: 595,
        gross: 1190, discounts: [{ kind: 'promotion', amount: 190, promotion_id: 'P1' }], net: 1000,
        taxes: [{ code: 'DE-VAT-STD', jurisdiction: 'DE', rate_ppm: 190_000, inclusive: true, compound: false, base: 840, amount: 160 }], total: 1000,
      }],
      totals: { subtotal: 1190, discount_total: 190, tax_total: 160, total: 1000, rounding: 0 },
      tax_breakdown: [{ code: 'DE-VAT-STD', jurisdiction: 'DE', rate_ppm: 190_000, inclusive: true, base: 840, amount: 160 }],
      tenders: [{ tender_id: 'T1', kind: 'card', amount: 1000, processor: 'adyen' }],
      change_due: 0,
    };
    const [e] = postEvent(envelope('sale.completed', p as unknown as Record<string, unknown>), eu);
    const b = (a: string) => Number(balanceOf(trialBalance([e!]), a, 'EUR'));
    // discount ex VAT = 1.90 × 8.40 / 10.00 = 1.596 → 1.60; gross revenue = 8.40 + 1.60
    expect(b('4040')).toBe(-1000);
    expect(b('4510')).toBe(160);
    expect(b('2310')).toBe(-160);
    expect(b('1120')).toBe(1000);
    expect(e!.date).toBe('2026-11-23'); // Europe/Berlin
  });
});

describe('gift cards', () => {
  it('a gift card sold is a liability, redeemed debits it, and refunding the card reverses the liability (not Returns)', () => {
    const chart = loadChart({ ...US_DEFAULT_CHART, mapping: { ...US_DEFAULT_CHART.mapping, revenue: { default: '4000', by_category: { giftcards: '2100' } } } });
    const card = { ...EXAMPLE_SALE_COMPLETED.lines[0]!, line_id: 'L1', sku: 'GIFT-25', category: 'giftcards', quantity: { units: 1, scale: 0 }, unit_price: 2500, gross: 2500, net: 2500, total: 2500, discounts: [], taxes: [] };
    const sold = { ...EXAMPLE_SALE_COMPLETED, lines: [card], totals: { subtotal: 2500, discount_total: 0, tax_total: 0, total: 2500, rounding: 0 }, tax_breakdown: [], tenders: [{ tender_id: 'T1', kind: 'cash', amount: 2500 }], change_due: 0 };
    const refund = { ...EXAMPLE_SALE_REFUNDED, lines: [{ ...card, line_id: 'R1', original_line_id: 'L1' }], totals: sold.totals, tax_breakdown: [], tenders: [{ tender_id: 'RT1', kind: 'cash', amount: 2500 }] };
    const redeemed = { ...EXAMPLE_SALE_COMPLETED, sale_id: '0b9d2f0e-6a5c-4c1e-9d53-2a4f6f1f7c11', tenders: [{ tender_id: 'T1', kind: 'gift_card', amount: 1678, gift_card_id: 'GC-1' }], change_due: 0 };
    const a = postEvent(envelope('sale.completed', sold as unknown as Record<string, unknown>), chart);
    expect(net(a, '2100')).toBe(-2500);
    const b = postEvent(envelope('sale.refunded', refund as unknown as Record<string, unknown>, { seq: 2 }), chart);
    expect(net([...a, ...b], '2100')).toBe(0);
    expect(net(b, '4600')).toBe(0);
    const c = postEvent(envelope('sale.completed', redeemed as unknown as Record<string, unknown>, { seq: 3 }), chart);
    expect(net(c, '2100')).toBe(1678);
    expect(c[0]!.lines.find((l) => l.account === '2100')!.dimensions.gift_card_id).toBe('GC-1');
  });
});

describe('line merging', () => {
  it('merges equal (side, account, dimensions) and keeps different dimensions apart', () => {
    const line = EXAMPLE_SALE_COMPLETED.lines[1]!;
    const mk = (id: string, promo: string) => ({ ...line, line_id: id, discounts: [{ kind: 'promotion' as const, amount: 100, promotion_id: promo }] });
    const lines = [mk('L1', 'P1'), mk('L2', 'P2'), mk('L3', 'P1')];
    const p = {
      ...EXAMPLE_SALE_COMPLETED,
      lines,
      totals: { subtotal: 3000, discount_total: 300, tax_total: 240, total: 2940, rounding: 0 },
      tax_breakdown: EXAMPLE_SALE_COMPLETED.tax_breakdown.map((r) => ({ ...r, base: r.base * 3, amount: r.amount * 3 })),
      tenders: [{ tender_id: 'T1', kind: 'cash', amount: 2940 }],
      change_due: 0,
    };
    const [e] = postEvent(envelope('sale.completed', p as unknown as Record<string, unknown>), us);
    const promo = e!.lines.filter((l) => l.account === '4510');
    expect(promo.map((l) => [l.dimensions.promotion_id, l.debit])).toEqual([['P1', 200], ['P2', 100]]);
    expect(e!.lines.filter((l) => l.account === '4060').map((l) => l.credit)).toEqual([3000]);
    expect(e!.lines.filter((l) => l.account === '2210').map((l) => l.credit)).toEqual([108]);
  });
});

describe('accountingDate', () => {
  it('uses the chart time zone', () => {
    expect(accountingDate('2026-11-23T02:30:00.000Z', 'UTC')).toBe('2026-11-23');
    expect(accountingDate('2026-11-23T23:30:00.000Z', 'Europe/Berlin')).toBe('2026-11-24');
    // cached per UTC minute: offsets like +05:45 (Kathmandu) still land on the right day
    expect(accountingDate('2026-11-23T18:14:59.000Z', 'Asia/Kathmandu')).toBe('2026-11-23');
    expect(accountingDate('2026-11-23T18:15:00.000Z', 'Asia/Kathmandu')).toBe('2026-11-24');
    expect(accountingDate('2026-11-23T18:14:00.000Z', 'Asia/Kathmandu')).toBe('2026-11-23');
  });
});
