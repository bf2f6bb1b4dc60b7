import { describe, expect, it } from 'vitest';
import { apply, applyAll } from './engine';
import { parseSaleCommand, parseSaleState } from './schemas';
import { MANAGER, ctxWith, newSale } from './test-fixtures';

describe('sale boundary schemas', () => {
  it('a saved open cart reloads and keeps working', () => {
    const ctx = ctxWith();
    const r = applyAll(newSale(), [{ type: 'add_sku', sku: 'SHIRT' }, { type: 'discount_line', line_id: 'L1', discount: { percent_bp: 500 } }, { type: 'tender_cash', tendered: 100 }], ctx);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const saved = JSON.stringify(r.state);
    const back = parseSaleState(JSON.parse(saved));
    expect(back.ok).toBe(true);
    if (!back.ok) return;
    expect(back.state).toEqual(r.state);
    expect(apply(back.state, { type: 'tender_cash', tendered: 5000 }, ctx).ok).toBe(true);
  });

  it('refuses a corrupted cart with the field named', () => {
    const s = JSON.parse(JSON.stringify(newSale()));
    s.lines = [{ line_id: 'L1', unit_price: 1.5 }];
    const r = parseSaleState(s);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/lines\.0\./);
    expect(parseSaleState(null).ok).toBe(false);
  });

  it('parses commands and refuses unknown or malformed ones', () => {
    expect(parseSaleCommand({ type: 'add_sku', sku: 'SHIRT' })).toMatchObject({ ok: true });
    expect(parseSaleCommand({ type: 'void_line', line_id: 'L1', approval: MANAGER })).toMatchObject({ ok: true });
    expect(parseSaleCommand({ type: 'tender_cash', tendered: '15' })).toMatchObject({ ok: false, error: expect.stringMatching(/tendered/) });
    // values are the engine's business: it answers with a specific code
    expect(parseSaleCommand({ type: 'tender_cash', tendered: 1.5 }).ok).toBe(true);
    const r = apply(newSale(), { type: 'add_sku', sku: 42 } as never, ctxWith());
    expect(r).toMatchObject({ ok: false, error: { code: 'BAD_COMMAND', message: expect.stringMatching(/sku/) } });
    expect(parseSaleCommand({ type: 'explode' }).ok).toBe(false);
    expect(parseSaleCommand({ type: 'void_line', line_id: 'L1', approval: { approved_by: 'm', permissions: ['root'] } }).ok).toBe(false);
  });
});
