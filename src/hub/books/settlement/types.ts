// A card processor's settlement report, in one shape whatever the processor: the lines it
// settled (sales, refunds, chargebacks, fees, adjustments) and the payouts it made to the
// bank. Amounts are signed decimal strings in the settlement currency, from the merchant's
// side: gross + for a sale, − for a refund or chargeback; fee is what the processor kept
// (+ a cost, − a credit); net = gross − fee. A payout's amount is what reached the bank (+).

export const SETTLEMENT_FORMATS = ['generic', 'stripe', 'adyen'] as const;
export type SettlementFormat = (typeof SETTLEMENT_FORMATS)[number];

export const SETTLEMENT_KINDS = ['sale', 'refund', 'chargeback', 'chargeback_reversal', 'fee', 'adjustment'] as const;
export type SettlementKind = (typeof SETTLEMENT_KINDS)[number];

export interface SettlementLine {
  /** 1-based line of the file, for people and error messages. */
  line: number;
  kind: SettlementKind;
  /** The processor's own id of this line (balance transaction, modification reference); unique per report. */
  line_id: string;
  /** The payment's reference as the terminal reported it (Adyen PSP reference, Stripe payment intent or charge). */
  reference: string;
  /** The merchant's reference sent with the payment, when the report has one. */
  merchant_reference: string;
  transaction_date: string;
  currency: string;
  gross: string;
  fee: string;
  net: string;
  /** The payout (batch) this line was paid out in, '' when not yet paid out. */
  payout_id: string;
  description: string;
}

export interface SettlementPayout {
  payout_id: string;
  date: string;
  currency: string;
  amount: string;
  /** Σ net of the lines in this payout equals its amount: ok | mismatch (the report is shown as is, never "fixed"). */
  lines_check: 'ok' | 'mismatch' | 'no lines';
}

export interface SettlementReport {
  format: SettlementFormat;
  processor: string;
  lines: SettlementLine[];
  payouts: SettlementPayout[];
}

export class SettlementParseError extends Error {
  constructor(
    readonly format: SettlementFormat | 'unknown',
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${format}: ${where}: ${problem}`);
    this.name = 'SettlementParseError';
  }
}

export const MAX_SETTLEMENT_BYTES = 100 * 1024 * 1024;
export const MAX_SETTLEMENT_LINES = 1_000_000;
