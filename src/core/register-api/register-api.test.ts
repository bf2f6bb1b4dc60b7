import { describe, expect, it } from 'vitest';
import { dispatch, parseParams, parseRequest, RegisterError, saleSchema, tenderSchema, type RegisterHandler } from './index';

const eur = (amount: number) => ({ amount, currency: 'EUR' });

describe('register api boundary', () => {
  it('refuses malformed params with a message naming the field', () => {
    expect(() => parseParams('session.signIn', { cashier_id: 'c1', pin: '12' })).toThrow(/pin: must be 4 to 8 digits/);
    expect(() => parseParams('sale.tender', { kind: 'cash', amount: { amount: 1.5, currency: 'EUR' } })).toThrow(RegisterError);
    expect(() => parseParams('sale.discount', { percent_bp: 1000, amount: eur(100) })).toThrow(/exactly one/);
    expect(() => parseParams('session.signOut', { extra: 1 })).toThrow(/BAD_REQUEST|Unrecognized/i);
  });
  it('refuses unknown commands and non-JSON frames', () => {
    expect(() => parseRequest('{nope')).toThrow(/not JSON/);
    expect(() => parseRequest({ kind: 'call', id: 1, name: 'fs.readFile', params: {} })).toThrow(/name/);
  });
  it('never carries a full card number', () => {
    const t = { tender_id: 't1', kind: 'card', amount: eur(100), status: 'approved' };
    expect(tenderSchema.safeParse({ ...t, masked_pan: '476173******0119' }).success).toBe(true);
    expect(tenderSchema.safeParse({ ...t, masked_pan: '4761739001010119' }).success).toBe(false);
  });
  it('dispatch validates results and maps errors', async () => {
    const handler: RegisterHandler = {
      handle: async (name) => {
        if (name === 'sale.void') throw new RegisterError('APPROVAL_REQUIRED', 'manager PIN needed');
        return { not: 'a sale' };
      },
      subscribe: () => () => {},
    };
    const bad = await dispatch(handler, { kind: 'call', id: 1, name: 'sale.get', params: {} });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    const denied = await dispatch(handler, { kind: 'call', id: 2, name: 'sale.void', params: {} });
    expect(denied).toMatchObject({ ok: false, error: { code: 'APPROVAL_REQUIRED' } });
    expect(saleSchema.safeParse({}).success).toBe(false);
  });
});
