import type { SaleRefundedPayload } from '../../core/events';
import { parseReceiptCode } from '../../core/receipt';
import { RegisterError, type RegisterJournal, type SaleOnRecord } from '../../core/register-api';
import type { HubLink } from './hub-link';

// Finds the original of a return by its receipt number or QR content. The hub is the
// authority on a sale and on what was already returned against it at any register of the
// store; this register's journal adds its own reversals the hub has not received yet. A
// receipt of this register is still found offline (its journal has it); another register's
// receipt needs the hub.

export interface FoundSale {
  record: SaleOnRecord;
  source: 'journal' | 'hub';
}

export class ReceiptLookup {
  constructor(
    private readonly terminalId: string,
    private readonly journal: RegisterJournal,
    private readonly hub: HubLink | null,
  ) {}

  async find(receipt: string): Promise<FoundSale> {
    const code = parseReceiptCode(receipt, this.terminalId);
    if (!code) throw new RegisterError('NOT_FOUND', `not a receipt code: ${receipt.slice(0, 40)}`);
    const own = code.terminal_id === this.terminalId;
    const local = own ? this.journal.saleByReceipt(code.receipt_no) : null;
    const answer = this.hub ? await this.hub.lookupSale(code.receipt_no) : { status: 'unavailable' as const, reason: 'this register has no hub' };
    if (answer.status === 'found') {
      // What this register reversed and the hub has not applied yet counts too.
      const mine = this.journal.reversalsOf(answer.sale.sale_id);
      return {
        source: 'hub',
        record: {
          receipt_no: answer.receipt_no,
          sale: answer.sale,
          reversals: { refunds: mergeRefunds(answer.refunds, mine.refunds), postVoid: answer.post_void ?? mine.postVoid },
        },
      };
    }
    if (local) return { record: local, source: 'journal' };
    if (own || answer.status === 'not_found') throw new RegisterError('NOT_FOUND', `no sale with receipt ${code.receipt_no} in this store`);
    throw new RegisterError('NOT_FOUND', `receipt ${code.receipt_no} is from register ${code.terminal_id} and the hub cannot be reached (${answer.reason.slice(0, 80)}): use a no-receipt return`);
  }
}

function mergeRefunds(a: readonly SaleRefundedPayload[], b: readonly SaleRefundedPayload[]): SaleRefundedPayload[] {
  const seen = new Set(a.map((r) => r.refund_id));
  return [...a, ...b.filter((r) => !seen.has(r.refund_id))];
}
