// A scan that cannot be trusted must never turn into a sale line, so every problem is a typed
// error whose code callers can branch on and whose message names the exact fault.
export type BarcodeErrorCode =
  | 'EMPTY'
  | 'TOO_LONG'
  | 'BAD_CHECK_DIGIT'
  | 'BAD_PRICE_CHECK_DIGIT'
  | 'UNKNOWN_AI'
  | 'BAD_LENGTH'
  | 'BAD_CHARACTER'
  | 'BAD_DATE'
  | 'BAD_FORMAT'
  | 'DUPLICATE_AI'
  | 'BAD_CONFIG';

export class BarcodeError extends Error {
  readonly code: BarcodeErrorCode;
  /** The application identifier the problem is in, when there is one. */
  readonly ai: string | undefined;

  constructor(code: BarcodeErrorCode, message: string, ai?: string) {
    super(message);
    this.name = 'BarcodeError';
    this.code = code;
    this.ai = ai;
  }
}

export function isBarcodeError(err: unknown): err is BarcodeError {
  return err instanceof BarcodeError;
}
