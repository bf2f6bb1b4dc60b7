import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decideUpdate, type UpdateState } from './update-policy';

const idle: UpdateState = { unsyncedCount: 0, openSale: false, shiftOpen: false, downloaded: true };

describe('update policy', () => {
  it('installs only when downloaded, no sale open and everything synced', () => {
    expect(decideUpdate(idle)).toEqual({ action: 'install' });
    expect(decideUpdate({ ...idle, downloaded: false })).toMatchObject({ action: 'defer', reason: 'not_downloaded' });
    expect(decideUpdate({ ...idle, openSale: true })).toMatchObject({ action: 'defer', reason: 'sale_open' });
    expect(decideUpdate({ ...idle, unsyncedCount: 3 })).toMatchObject({ action: 'defer', reason: 'unsynced_sales', message: expect.stringMatching(/3 journal events/) });
    expect(decideUpdate({ ...idle, unsyncedCount: 1 })).toMatchObject({ message: expect.stringMatching(/1 journal event not/) });
  });
  it('an open shift blocks only when the store requires a closed shift', () => {
    expect(decideUpdate({ ...idle, shiftOpen: true })).toEqual({ action: 'install' });
    expect(decideUpdate({ ...idle, shiftOpen: true }, { requireClosedShift: true })).toMatchObject({ action: 'defer', reason: 'shift_open' });
    // unknown shift state with the requirement on: defer
    expect(decideUpdate({ unsyncedCount: 0, openSale: false, downloaded: true }, { requireClosedShift: true })).toMatchObject({ reason: 'shift_open' });
    expect(decideUpdate({ ...idle, shiftOpen: false }, { requireClosedShift: true })).toEqual({ action: 'install' });
  });
  it('a sale in progress wins over unsynced (the cashier-facing reason)', () => {
    expect(decideUpdate({ ...idle, openSale: true, unsyncedCount: 5 })).toMatchObject({ reason: 'sale_open' });
  });
  it('malformed state always defers', () => {
    for (const bad of [
      null,
      {},
      { ...idle, unsyncedCount: -1 },
      { ...idle, unsyncedCount: 0.5 },
      { ...idle, unsyncedCount: Number.NaN },
      { ...idle, unsyncedCount: '0' },
      { ...idle, openSale: 'no' },
      { ...idle, downloaded: 1 },
      { ...idle, shiftOpen: 'closed' },
    ]) {
      expect(decideUpdate(bad as unknown as UpdateState), JSON.stringify(bad)).toMatchObject({ action: 'defer', reason: 'state_unknown' });
    }
  });
  it('property: install ⇔ downloaded ∧ ¬openSale ∧ unsynced = 0 (∧ shift closed if required)', () => {
    fc.assert(
      fc.property(
        fc.record({ unsyncedCount: fc.nat(1_000_000), openSale: fc.boolean(), shiftOpen: fc.option(fc.boolean(), { nil: undefined }), downloaded: fc.boolean() }),
        fc.boolean(),
        (s, requireClosedShift) => {
          const d = decideUpdate(s, { requireClosedShift });
          const allowed = s.downloaded && !s.openSale && s.unsyncedCount === 0 && (!requireClosedShift || s.shiftOpen === false);
          return (d.action === 'install') === allowed;
        },
      ),
    );
  });
});
