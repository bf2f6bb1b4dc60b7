// Typed result codes in the shape of UnifiedPOS / OPOS (ResultCode and ResultCodeExtended).
// Every failing driver call rejects with a PosError carrying one of these, so the application
// can branch on `err.code` instead of parsing messages.

/** OPOS numeric values, kept so logs and support staff can match them to vendor documentation. */
export const OPOS_RESULT = {
  SUCCESS: 0,
  E_CLOSED: 101,
  E_CLAIMED: 102,
  E_NOTCLAIMED: 103,
  E_NOSERVICE: 104,
  E_DISABLED: 105,
  E_ILLEGAL: 106,
  E_NOHARDWARE: 107,
  E_OFFLINE: 108,
  E_NOEXIST: 109,
  E_EXISTS: 110,
  E_FAILURE: 111,
  E_TIMEOUT: 112,
  E_BUSY: 113,
  E_EXTENDED: 114,
} as const;

export type ResultCode = keyof typeof OPOS_RESULT;

/**
 * Extended result codes (ResultCodeExtended) used with E_EXTENDED. The numbers are the OPOS
 * POSPrinter / Scale values; drivers may add their own string codes.
 */
export const EXTENDED_RESULT = {
  EPTR_COVER_OPEN: 201,
  EPTR_REC_EMPTY: 203,
  EPTR_REC_NEAREND: 206,
  EPTR_TOOBIG: 208,
  EPTR_BADFORMAT: 209,
  ESCAL_OVERWEIGHT: 201,
  ESCAL_UNDER_ZERO: 204,
  ESCAL_SAME_WEIGHT: 205,
} as const;

export type ExtendedResult = keyof typeof EXTENDED_RESULT | (string & {});

export interface PosErrorOptions {
  extended?: ExtendedResult;
  cause?: unknown;
}

/** The one error type device calls reject with. */
export class PosError extends Error {
  override readonly name = 'PosError';
  readonly code: ResultCode;
  readonly extended: ExtendedResult | undefined;
  constructor(code: ResultCode, message: string, options: PosErrorOptions = {}) {
    super(`${code}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.extended = options.extended;
  }
  /** OPOS numeric value of `code`. */
  get opos(): number {
    return OPOS_RESULT[this.code];
  }
}

export function isPosError(err: unknown, code?: ResultCode): err is PosError {
  return err instanceof PosError && (code === undefined || err.code === code);
}
