import type { Journal } from '../../sync';
import type { UpdateState } from './policy';

// Reads what the update policy needs straight from the journal (the register's source of
// truth), not from the window: unsynced events, the persisted open cart, the open shift.
export function registerUpdateState(journal: Pick<Journal, 'unsynced' | 'loadOpenSale' | 'getOpenShift'>): Omit<UpdateState, 'downloaded'> {
  return {
    unsyncedCount: journal.unsynced().count,
    // Any persisted cart counts as open: the service saves it while a sale is open or tendering
    // and clears it in the same transaction that commits or voids the sale.
    openSale: journal.loadOpenSale() !== null,
    shiftOpen: journal.getOpenShift() !== null,
  };
}
