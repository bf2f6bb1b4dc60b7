// The one shape every bank statement format is parsed into, and the error a file that does
// not parse is refused with. The JSON shape is the contract of
// `tillstream books statement parse` (docs/books.md): amounts are signed decimal strings
// (credit positive) in the currency's decimals, dates are YYYY-MM-DD.

export const STATEMENT_FORMATS = ['camt053', 'mt940', 'ofx', 'csv'] as const;
export type StatementFormat = (typeof STATEMENT_FORMATS)[number];

export interface DatedAmount {
  date: string;
  amount: string;
}

export interface StatementEntry {
  booking_date: string;
  value_date: string;
  amount: string;
  currency: string;
  reference: string;
  counterparty: string;
  description: string;
}

export type BalanceCheck = 'ok' | 'mismatch' | 'no balances';

export interface BankStatement {
  account: string;
  currency: string;
  opening: DatedAmount | null;
  closing: DatedAmount | null;
  balance_check: BalanceCheck;
  entries: StatementEntry[];
}

export interface ParsedStatements {
  format: StatementFormat;
  statements: BankStatement[];
}

/**
 * A file that does not parse whole. `where` names the line ("line 14") or the element
 * ("Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Amt (line 88)") that is wrong.
 */
export class StatementParseError extends Error {
  constructor(
    readonly format: StatementFormat | 'unknown',
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${format}: ${where}: ${problem}`);
    this.name = 'StatementParseError';
  }
}

/** Bounds: a statement file is a day or a month of one account, not a data dump. */
export const MAX_STATEMENT_BYTES = 50 * 1024 * 1024;
export const MAX_ENTRIES = 500_000;
export const MAX_TEXT = 1_000;
