import { parseReceiptCode } from '../../core/receipt';
import { RegisterError, type RegisterJournal, type SaleOnRecord } from '../../core/register-api';

// Finds the original of a return by its receipt number or QR content. A receipt of this
// register is in its own journal (indexed); one from another register of the store comes
// from the hub, which is the authority on what was already returned against it anywhere.

export interface FoundSale {
  record: SaleOnRecord;
  source: 'journal' | 'hub';
}

/** The hub's answer for a receipt of this store, or null when the hub cannot be asked now. */
export type HubSaleLookup = (receiptNo: string) => Promise<SaleOnRecord | null>;

export class ReceiptLookup {
  constructor(
    private readonly terminalId: string,
    private readonly journal: RegisterJournal,
    private readonly hub: HubSaleLookup | null,
  ) {}

  async find(receipt: string): Promise<FoundSale> {
    const code = parseReceiptCode(receipt, this.terminalId);
    if (!code) throw new RegisterError('NOT_FOUND', `not a receipt code: ${receipt.slice(0, 40)}`);
    if (code.terminal_id === this.terminalId) {
      const local = this.journal.saleByReceipt(code.receipt_no);
      if (!local) throw new RegisterError('NOT_FOUND', `no sale with receipt ${code.receipt_no}`);
      return { record: local, source: 'journal' };
    }
    if (!this.hub) throw new RegisterError('NOT_FOUND', `receipt ${code.receipt_no} is from register ${code.terminal_id}; this register has no hub to ask`);
    const found = await this.hub(code.receipt_no);
    if (!found) throw new RegisterError('NOT_FOUND', `receipt ${code.receipt_no} is from register ${code.terminal_id} and the hub cannot be reached: use a no-receipt return`);
    return { record: found, source: 'hub' };
  }
}
