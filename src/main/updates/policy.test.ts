import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decideUpdate, insideWindow, type UpdateState } from './policy';

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
  it('an update window: inside [from, to), wrapping midnight; malformed or missing clock defers', () => {
    const w = { from: '22:00', to: '04:00' };
    expect(insideWindow(22 * 60, w)).toBe(true);
    expect(insideWindow(3 * 60 + 59, w)).toBe(true);
    expect(insideWindow(4 * 60, w)).toBe(false);
    expect(insideWindow(12 * 60, w)).toBe(false);
    expect(insideWindow(2 * 60, { from: '02:00', to: '05:00' })).toBe(true);
    expect(insideWindow(5 * 60, { from: '02:00', to: '05:00' })).toBe(false);
    expect(insideWindow(777, { from: '00:00', to: '00:00' })).toBe(true);
    expect(insideWindow(60, { from: '24:00', to: '01:00' })).toBeNull();
    expect(decideUpdate({ ...idle, minuteOfDay: 23 * 60 }, { window: w })).toEqual({ action: 'install' });
    expect(decideUpdate({ ...idle, minuteOfDay: 9 * 60 }, { window: w })).toMatchObject({ reason: 'outside_window' });
    expect(decideUpdate({ ...idle }, { window: w })).toMatchObject({ reason: 'state_unknown' });
    expect(decideUpdate({ ...idle, minuteOfDay: 1440 }, { window: w })).toMatchObject({ reason: 'state_unknown' });
    // the sale and sync reasons still come first
    expect(decideUpdate({ ...idle, openSale: true, minuteOfDay: 9 * 60 }, { window: w })).toMatchObject({ reason: 'sale_open' });
  });
  it('property: with a window, install ⇔ the rest allows it ∧ the minute is inside', () => {
    const hhmm = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
    fc.assert(
      fc.property(
        fc.record({ unsyncedCount: fc.nat(10), openSale: fc.boolean(), downloaded: fc.boolean(), minuteOfDay: fc.integer({ min: 0, max: 1439 }) }),
        hhmm,
        hhmm,
        (s, from, to) => {
          const d = decideUpdate(s, { window: { from, to } });
          return (d.action === 'install') === (s.downloaded && !s.openSale && s.unsyncedCount === 0 && insideWindow(s.minuteOfDay, { from, to }) === true);
        },
      ),
    );
  });
});
