// ZVT commands the register sends and the terminal replies it reads, as typed values. The
// subset is the one a countertop register needs: Registration 06 00, Authorisation 06 01,
// Reversal 06 30, Refund 06 31, Abort 06 B0, Repeat Receipt 06 20 (used to learn the outcome
// of the last transaction after a lost link), Status Enquiry 05 01; from the terminal:
// ACK 80 00, Intermediate Status 04 FF, Status Information 04 0F, Completion 06 0F,
// Abort 06 1E, Print Line 06 D1 / Print Text Block 06 D3 (acknowledged, not used).

import { maskPan, redactPans } from '../../../core/pci/pan-scan';
import { apdu, BMP, bcdDigits, encodeBmp, fromBcd, getBmp, parseBmps, toBcd, type Apdu } from './apdu';

/** ISO 4217 numeric codes for the currencies a ZVT terminal is likely to be set to. */
export const CURRENCY_NUMERIC: Readonly<Record<string, number>> = {
  EUR: 978, CHF: 756, GBP: 826, USD: 840, SEK: 752, NOK: 578, DKK: 208, PLN: 985, CZK: 203, HUF: 348,
  JPY: 392, CAD: 124, AUD: 36, TRY: 949,
};

/** Registration config byte: ECR prints payment and admin receipts from status data, wants intermediate status, controls payment and admin. */
export const DEFAULT_CONFIG_BYTE = 0x02 | 0x04 | 0x08 | 0x10 | 0x20;

export const RESULT_CODE_TEXT: Readonly<Record<number, string>> = {
  0x00: 'approved', 0x05: 'declined by the card issuer', 0x64: 'card not readable', 0x65: 'card data not present',
  0x66: 'processing error', 0x6c: 'aborted (time-out or abort key)', 0x6e: 'card in blocked list',
  0x6f: 'wrong currency', 0x71: 'credit not sufficient', 0x78: 'card expired', 0x7a: 'card unknown',
  0x7d: 'communication error', 0x83: 'function not possible', 0x9a: 'ZVT protocol error', 0x9c: 'please wait',
  0xa0: 'receiver not ready', 0xa1: 'remote station does not respond', 0xa3: 'no connection',
  0xb4: 'already reversed', 0xb5: 'reversal not possible', 0xc3: 'maximum amount exceeded',
  0xdc: 'card inserted', 0xff: 'system error',
};

export function resultCodeText(code: number): string {
  return RESULT_CODE_TEXT[code] ?? `result code 0x${code.toString(16).padStart(2, '0')}`;
}

function password(pw: number): Uint8Array {
  return toBcd(pw, 3);
}

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function assertAmount(amountMinor: number): void {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0 || amountMinor > 999_999_999_999) {
    throw new RangeError(`amount ${amountMinor} must be a positive integer of minor units below 10^12`);
  }
}

/** Longest reference text the register sends (BMP 3C is LLL, but terminals print it on one receipt line or two). */
export const MAX_REFERENCE_TEXT = 96;

/**
 * The register's reference as BMP 3C text: printable ASCII only, at most MAX_REFERENCE_TEXT
 * characters. A refund names the original payment after " ORIG " so the terminal's journal
 * ties the two together ("<refund-id>/RC1 ORIG 0005/000017").
 */
export function referenceText(reference?: string, originalTerminalRef?: string): string | undefined {
  const clean = (s: string) => s.replace(/[^\x20-\x7e]/g, '').trim();
  const ref = clean(reference ?? '').slice(0, 64);
  const orig = clean(originalTerminalRef ?? '').slice(0, 24);
  const text = orig ? `${ref} ORIG ${orig}`.trim() : ref;
  return text ? text.slice(0, MAX_REFERENCE_TEXT) : undefined;
}

/** Splits what referenceText built back into the reference and the original's terminal reference. */
export function parseReferenceText(text: string): { reference?: string; originalTerminalRef?: string } {
  const at = text.lastIndexOf(' ORIG ');
  const ref = (at >= 0 ? text.slice(0, at) : text).trim();
  const orig = at >= 0 ? text.slice(at + 6).trim() : '';
  return { ...(ref ? { reference: ref } : {}), ...(orig ? { originalTerminalRef: orig } : {}) };
}

function additional(text?: string): Uint8Array {
  return text ? encodeBmp(BMP.additionalData, new TextEncoder().encode(text)) : new Uint8Array(0);
}

export const build = {
  registration(pw: number, currencyNumeric: number, configByte = DEFAULT_CONFIG_BYTE, serviceByte = 0x00): Apdu {
    return apdu('registration', cat(password(pw), Uint8Array.of(configByte), toBcd(currencyNumeric, 2), encodeBmp(BMP.serviceByte, Uint8Array.of(serviceByte))));
  },
  /** `text`: BMP 3C additional data, the register's reference (printable ASCII, see referenceText). */
  authorization(amountMinor: number, text?: string): Apdu {
    assertAmount(amountMinor);
    return apdu('authorization', cat(encodeBmp(BMP.amount, toBcd(amountMinor, 6)), additional(text)));
  },
  refund(pw: number, amountMinor: number, text?: string): Apdu {
    assertAmount(amountMinor);
    return apdu('refund', cat(password(pw), encodeBmp(BMP.amount, toBcd(amountMinor, 6)), additional(text)));
  },
  reversal(pw: number, receiptNo: number): Apdu {
    return apdu('reversal', cat(password(pw), encodeBmp(BMP.receiptNo, toBcd(receiptNo, 2))));
  },
  repeatReceipt(pw: number): Apdu {
    return apdu('repeatReceipt', password(pw));
  },
  statusEnquiry(pw: number): Apdu {
    return apdu('statusEnquiry', password(pw));
  },
  abort(): Apdu {
    return apdu('abort');
  },
};

/** What a Status Information (04 0F) tells about a transaction; PCI-safe by construction. */
export interface ZvtTransactionInfo {
  resultCode?: number;
  amountMinor?: number;
  trace?: number;
  receiptNo?: number;
  /** First 6 / last 4 at most, whatever the terminal sent. */
  maskedPan?: string;
  /** BMP 3B (authorisation attribute / approval code), printable text. */
  authCode?: string;
  terminalId?: string;
  cardName?: string;
  cardType?: number;
  currencyNumeric?: number;
  /** MMDD and HHMMSS as the terminal sent them. */
  date?: string;
  time?: string;
  /** BMP 3C additional data as printable text (the register's reference, echoed). */
  additionalText?: string;
}

/** BMP 22: BCD digits, 'E' nibbles for digits the terminal masked, an 'F' nibble pads odd lengths. */
export function decodePanField(value: Uint8Array): string {
  let s = '';
  for (const ch of bcdDigits(value)) {
    if (ch === 'f') break;
    s += ch === 'e' ? '*' : /\d/.test(ch) ? ch : '*';
  }
  return maskPan(s);
}

function printable(value: Uint8Array): string {
  let s = '';
  for (const b of value) {
    if (b === 0) break;
    s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '';
  }
  return s.trim();
}

/** Parse the data of 04 0F. Track data, expiry date and CVV are never copied out. */
export function parseStatusInformation(data: Uint8Array): ZvtTransactionInfo {
  const p = parseBmps(data);
  const info: ZvtTransactionInfo = {};
  const rc = getBmp(p, BMP.resultCode);
  if (rc) info.resultCode = rc[0]!;
  const amount = getBmp(p, BMP.amount);
  if (amount) info.amountMinor = fromBcd(amount);
  const trace = getBmp(p, BMP.trace);
  if (trace) info.trace = fromBcd(trace);
  const receipt = getBmp(p, BMP.receiptNo);
  if (receipt) info.receiptNo = fromBcd(receipt);
  const pan = getBmp(p, BMP.pan);
  if (pan) info.maskedPan = decodePanField(pan);
  const aid = getBmp(p, BMP.authAttribute);
  if (aid) info.authCode = printable(aid);
  const tid = getBmp(p, BMP.terminalId);
  if (tid) info.terminalId = bcdDigits(tid);
  const name = getBmp(p, BMP.cardName);
  if (name) info.cardName = printable(name);
  const type = getBmp(p, BMP.cardType);
  if (type) info.cardType = type[0]!;
  const cc = getBmp(p, BMP.currency);
  if (cc) info.currencyNumeric = fromBcd(cc);
  const date = getBmp(p, BMP.date);
  if (date) info.date = bcdDigits(date);
  const time = getBmp(p, BMP.time);
  if (time) info.time = bcdDigits(time);
  const extra = getBmp(p, BMP.additionalData);
  // Scanned for card numbers like every other text that reaches a receipt or the journal.
  if (extra) info.additionalText = redactPans(printable(extra)).slice(0, MAX_REFERENCE_TEXT);
  return info;
}

/** Build a 04 0F as a terminal does (simulator). `panDigits` may contain '*' for masked digits. */
export function buildStatusInformation(t: {
  resultCode: number;
  amountMinor?: number;
  trace?: number;
  receiptNo?: number;
  panDigits?: string;
  authCode?: string;
  terminalId?: string;
  cardName?: string;
  cardType?: number;
  currencyNumeric?: number;
  date?: string;
  time?: string;
  additionalText?: string;
}): Apdu {
  const parts: Uint8Array[] = [encodeBmp(BMP.resultCode, Uint8Array.of(t.resultCode))];
  if (t.amountMinor !== undefined) parts.push(encodeBmp(BMP.amount, toBcd(t.amountMinor, 6)));
  if (t.trace !== undefined) parts.push(encodeBmp(BMP.trace, toBcd(t.trace, 3)));
  if (t.time) parts.push(encodeBmp(BMP.time, toBcd(BigInt(t.time), 3)));
  if (t.date) parts.push(encodeBmp(BMP.date, toBcd(BigInt(t.date), 2)));
  if (t.receiptNo !== undefined) parts.push(encodeBmp(BMP.receiptNo, toBcd(t.receiptNo, 2)));
  if (t.panDigits) {
    let nibbles = [...t.panDigits].map((c) => (c === '*' ? 0x0e : Number(c)));
    if (nibbles.length % 2) nibbles = [...nibbles, 0x0f];
    const bytes = new Uint8Array(nibbles.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (nibbles[2 * i]! << 4) | nibbles[2 * i + 1]!;
    parts.push(encodeBmp(BMP.pan, bytes));
  }
  if (t.authCode !== undefined) {
    const v = new Uint8Array(8);
    v.set(new TextEncoder().encode(t.authCode.slice(0, 8)));
    parts.push(encodeBmp(BMP.authAttribute, v));
  }
  if (t.terminalId) parts.push(encodeBmp(BMP.terminalId, toBcd(BigInt(t.terminalId), 4)));
  if (t.currencyNumeric !== undefined) parts.push(encodeBmp(BMP.currency, toBcd(t.currencyNumeric, 2)));
  if (t.cardType !== undefined) parts.push(encodeBmp(BMP.cardType, Uint8Array.of(t.cardType)));
  if (t.cardName) parts.push(encodeBmp(BMP.cardName, new TextEncoder().encode(t.cardName)));
  if (t.additionalText) parts.push(additional(t.additionalText));
  return apdu('statusInformation', cat(...parts));
}

export function buildIntermediateStatus(code: number, timeoutSeconds?: number): Apdu {
  return apdu('intermediateStatus', timeoutSeconds === undefined ? [code] : [code, timeoutSeconds]);
}

export function buildCompletion(terminalStatus?: number): Apdu {
  return apdu('completion', terminalStatus === undefined ? [] : [terminalStatus]);
}

export function buildAbortFromPt(resultCode: number): Apdu {
  return apdu('abortFromPt', [resultCode]);
}

/** Parsed request fields the simulator needs. */
export function parseRequestAmount(a: Apdu, hasPassword: boolean): number | undefined {
  const p = parseBmps(a.data, hasPassword ? 3 : 0);
  const v = getBmp(p, BMP.amount);
  return v ? fromBcd(v) : undefined;
}

/** BMP 3C of an authorization or refund request, as text (the simulator keeps it on its books). */
export function parseRequestText(a: Apdu, hasPassword: boolean): string | undefined {
  const p = parseBmps(a.data, hasPassword ? 3 : 0);
  const v = getBmp(p, BMP.additionalData);
  return v ? printable(v) : undefined;
}

export function parseRequestReceiptNo(a: Apdu): number | undefined {
  const p = parseBmps(a.data, 3);
  const v = getBmp(p, BMP.receiptNo);
  return v ? fromBcd(v) : undefined;
}

export function parsePassword(a: Apdu): number | undefined {
  if (a.data.length < 3) return undefined;
  try {
    return fromBcd(a.data.slice(0, 3));
  } catch {
    return undefined;
  }
}
