// The register's view of a card payment terminal, independent of the ECR protocol behind it.
// A result is approved, declined or unknown (time-out / lost link). An unknown outcome must be
// resolved (statusInquiry) before another payment may start: the customer may already have
// been charged, and a blind retry would charge twice.

import type { Money } from '../../core/money';
import { PosError } from '../device/result';

export type PaymentOutcome = 'approved' | 'declined' | 'unknown';
export type PaymentKind = 'sale' | 'refund' | 'void';

/**
 * What the register tells the terminal about a payment: its own reference (sale and tender
 * ids), so the terminal's journal and receipt tie back to the sale; for a refund, the
 * terminal's reference of the payment it gives money back to.
 */
export interface PaymentRequestInfo {
  /** Printable ASCII, at most 64 characters (longer is cut, other characters dropped). */
  reference?: string;
  /** Refunds: the original payment's terminal reference ("receipt/trace"). */
  originalTerminalRef?: string;
}

export interface PaymentResult {
  outcome: PaymentOutcome;
  kind: PaymentKind;
  /** The amount asked for (for a void: the amount of the voided sale when the terminal reports it). */
  amount: Money;
  /** Approval code from the issuer/host, when approved. */
  authCode?: string;
  /** The terminal's reference for this transaction, "receipt/trace" (e.g. "0005/000017"): quote it to void. */
  terminalRef?: string;
  receiptNo?: number;
  trace?: number;
  /** At most the first six and last four digits; the rest masked with '*'. */
  maskedPan?: string;
  cardName?: string;
  /** The protocol's result code (ZVT BMP 27), 0 when approved. */
  resultCode?: number;
  /** Human-readable reason, safe for logs and screens. */
  message: string;
  /** Set when this result came from resolving an earlier unknown one. */
  resolvedUnknown?: boolean;
  /** The register's reference as the terminal echoed it (else as it was sent). */
  reference?: string;
}

/** An unknown outcome that has not been resolved yet; persist it (journal) to survive a restart. */
export interface UnresolvedPayment {
  kind: 'sale' | 'refund';
  amount: Money;
  /** The register's reference sent with the payment. */
  reference?: string;
  startedAt: number;
  /** The terminal's last trace number seen before this payment started, to tell its result from older ones. */
  traceBefore?: number;
  reason: string;
}

export interface TerminalStatus {
  ready: boolean;
  /** Raw terminal status byte (ZVT: 0x00 ready). */
  statusByte?: number;
  message: string;
}

export interface PaymentTerminal {
  sale(amount: Money, info?: PaymentRequestInfo): Promise<PaymentResult>;
  refund(amount: Money, info?: PaymentRequestInfo): Promise<PaymentResult>;
  /** Reverse an approved sale by its terminal reference (receipt number). */
  void(terminalRef: string): Promise<PaymentResult>;
  /**
   * Ask the terminal for the outcome of its last transaction. While a payment is unresolved
   * this resolves it (approved or declined) and clears the block on new payments; if the
   * terminal cannot be reached the result stays 'unknown' and the block stays.
   */
  statusInquiry(): Promise<PaymentResult | undefined>;
  /** Terminal readiness (ZVT Status Enquiry 05 01). */
  terminalStatus(): Promise<TerminalStatus>;
  /** Ask the terminal to abort the payment in progress (the customer walked away). */
  cancel(): Promise<void>;
  readonly unresolved: UnresolvedPayment | undefined;
}

/** Thrown by sale/refund/void while an unknown outcome is unresolved. */
export class UnresolvedPaymentError extends PosError {
  constructor(readonly unresolved: UnresolvedPayment) {
    super(
      'E_ILLEGAL',
      `an earlier ${unresolved.kind} of ${unresolved.amount.amount} ${unresolved.amount.currency} minor units has an unknown outcome ` +
        `(${unresolved.reason}); run a status inquiry on the terminal before starting another payment`,
      { extended: 'PAYMENT_UNRESOLVED' },
    );
  }
}
