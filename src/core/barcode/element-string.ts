import { AI_TABLE, type AiDefinition, isCset82, matchAi, needsSeparator } from './ai-table';
import { gs1CheckDigit } from './check-digit';
import { parseGs1Date } from './dates';
import { BarcodeError } from './errors';

/** ASCII group separator: how scanners transmit FNC1 used as a field separator. */
export const GS = '\u001d';
const GS_CODE = 0x1d;

/** Bounds: a GS1 symbol holds at most a few hundred characters; refuse anything absurd early. */
export const MAX_ELEMENT_STRING_LENGTH = 4096;
export const MAX_ELEMENTS = 64;

export interface Gs1Element {
  readonly ai: string;
  readonly value: string;
}

export interface ElementOptions {
  /** Year used for the GS1 century rule of YYMMDD dates; defaults to the current UTC year. */
  readonly currentYear?: number;
}

function currentYearOf(opts: ElementOptions | undefined): number {
  return opts?.currentYear ?? new Date().getUTCFullYear();
}

function lengthError(d: AiDefinition, got: number): BarcodeError {
  const unit = d.components.every((c) => c.charset === 'N') ? 'digits' : 'characters';
  const expected = d.fixedLength ? `${d.maxLength} ${unit}` : `${d.minLength} to ${d.maxLength} ${unit}`;
  return new BarcodeError('BAD_LENGTH', `AI (${d.ai}): expected ${expected}, got ${got}`, d.ai);
}

function describeChar(ch: string): string {
  const code = ch.charCodeAt(0);
  return code < 0x20 || code === 0x7f ? `0x${code.toString(16).padStart(2, '0')}` : `"${ch}"`;
}

/**
 * Validate one element: length, character set of each component, check digit and dates.
 * Throws a BarcodeError naming the AI and the fault.
 */
export function validateElement(ai: string, value: string, opts?: ElementOptions): AiDefinition {
  const d = AI_TABLE.get(ai);
  if (!d) throw new BarcodeError('UNKNOWN_AI', `unknown application identifier (${ai})`, ai);
  if (value.length < d.minLength || value.length > d.maxLength) throw lengthError(d, value.length);
  let pos = 0;
  for (let ci = 0; ci < d.components.length; ci++) {
    const c = d.components[ci]!;
    // Only the last component may be variable, so a variable one takes the rest of the value.
    const len = c.min === c.max ? c.max : value.length - pos;
    for (let i = pos; i < pos + len; i++) {
      const code = value.charCodeAt(i);
      const ok = c.charset === 'N' ? code >= 48 && code <= 57 : isCset82(code);
      if (!ok) {
        const what = c.charset === 'N' ? 'is not a digit' : 'is not in the GS1 character set 82';
        throw new BarcodeError('BAD_CHARACTER', `AI (${ai}): character ${describeChar(value[i]!)} at position ${i + 1} ${what}`, ai);
      }
    }
    if (ci === 0 && d.checkDigit) {
      const key = value.slice(0, len);
      const expected = gs1CheckDigit(key.slice(0, -1));
      const got = key.charCodeAt(len - 1) - 48;
      if (expected !== got) {
        throw new BarcodeError('BAD_CHECK_DIGIT', `AI (${ai}): bad check digit in ${key}: got ${got}, expected ${expected}`, ai);
      }
    }
    pos += len;
  }
  if (d.kind === 'date') parseGs1Date(value, currentYearOf(opts), ai);
  else if (d.kind === 'datetime') {
    parseGs1Date(value.slice(0, 6), currentYearOf(opts), ai);
    const hh = Number(value.slice(6, 8));
    const mm = Number(value.slice(8, 10));
    if (hh > 23 || mm > 59) throw new BarcodeError('BAD_DATE', `AI (${ai}): invalid time ${value.slice(6)} in ${value}`, ai);
  }
  return d;
}

function pushElement(out: Gs1Element[], ai: string, value: string): void {
  for (const e of out) {
    if (e.ai === ai) {
      // GS1 allows a repeated AI only with the same value.
      if (e.value !== value) {
        throw new BarcodeError('DUPLICATE_AI', `AI (${ai}) appears twice with different values "${e.value}" and "${value}"`, ai);
      }
      return;
    }
  }
  if (out.length >= MAX_ELEMENTS) throw new BarcodeError('TOO_LONG', `more than ${MAX_ELEMENTS} element strings`);
  out.push({ ai, value });
}

function checkSize(s: string): void {
  if (s.length > MAX_ELEMENT_STRING_LENGTH) {
    throw new BarcodeError('TOO_LONG', `element string of ${s.length} characters exceeds ${MAX_ELEMENT_STRING_LENGTH}`);
  }
}

/**
 * Parse a transmitted GS1 element string (symbology identifier already removed): AIs and data
 * concatenated, each variable-length field ended by GS (0x1D) unless it is last. A leading GS
 * (FNC1 in first position sent as data) is accepted. A fixed-length AI is read by its length
 * whether or not a separator follows, so a missing GS after e.g. (422) is tolerated.
 */
export function parseElementString(data: string, opts?: ElementOptions): Gs1Element[] {
  checkSize(data);
  const out: Gs1Element[] = [];
  let pos = data.charCodeAt(0) === GS_CODE ? 1 : 0;
  while (pos < data.length) {
    if (data.charCodeAt(pos) === GS_CODE) {
      pos++; // a redundant separator, e.g. after a predefined-length AI
      continue;
    }
    const d = matchAi(data, pos);
    if (!d) {
      const head = data.slice(pos, pos + 4);
      if (!/^\d{2}/.test(head)) {
        throw new BarcodeError('UNKNOWN_AI', `expected an application identifier at position ${pos + 1}, got ${JSON.stringify(head)}`);
      }
      throw new BarcodeError('UNKNOWN_AI', `unknown application identifier at position ${pos + 1} ("${head}…")`);
    }
    pos += d.ai.length;
    const gsAt = data.indexOf(GS, pos);
    const fieldEnd = gsAt < 0 ? data.length : gsAt;
    let end: number;
    if (d.fixedLength) {
      end = pos + d.maxLength;
      if (fieldEnd < end) throw lengthError(d, fieldEnd - pos);
    } else {
      end = fieldEnd;
    }
    const value = data.slice(pos, end);
    validateElement(d.ai, value, opts);
    pushElement(out, d.ai, value);
    pos = end;
  }
  if (out.length === 0) throw new BarcodeError('BAD_FORMAT', 'GS1 element string holds no application identifiers');
  return out;
}

const AI_IN_BRACKETS = /\((\d{2,4})\)/y;

function knownAiAt(s: string, i: number): boolean {
  AI_IN_BRACKETS.lastIndex = i;
  const m = AI_IN_BRACKETS.exec(s);
  return m !== null && AI_TABLE.has(m[1]!);
}

/**
 * Parse the bracketed human-readable form, e.g. "(01)09501101020917(17)190508(10)ABCD1234".
 * A value runs until the next "(" that opens a known AI; write "\(" for a literal "(" that
 * would otherwise be read that way.
 */
export function parseBracketed(hri: string, opts?: ElementOptions): Gs1Element[] {
  checkSize(hri);
  const out: Gs1Element[] = [];
  let pos = 0;
  while (pos < hri.length) {
    if (hri[pos] !== '(') {
      throw new BarcodeError('BAD_FORMAT', `bracketed element string: expected "(" at position ${pos + 1}, got ${describeChar(hri[pos]!)}`);
    }
    const close = hri.indexOf(')', pos);
    if (close < 0) throw new BarcodeError('BAD_FORMAT', `bracketed element string: "(" at position ${pos + 1} is never closed`);
    const ai = hri.slice(pos + 1, close);
    if (!/^\d{2,4}$/.test(ai)) throw new BarcodeError('BAD_FORMAT', `bracketed element string: "(${ai})" is not an application identifier`);
    if (!AI_TABLE.has(ai)) throw new BarcodeError('UNKNOWN_AI', `unknown application identifier (${ai})`, ai);
    let value = '';
    let i = close + 1;
    while (i < hri.length) {
      const ch = hri[i]!;
      if (ch === '\\' && hri[i + 1] === '(') {
        value += '(';
        i += 2;
        continue;
      }
      if (ch === '(' && knownAiAt(hri, i)) break;
      value += ch;
      i++;
    }
    validateElement(ai, value, opts);
    pushElement(out, ai, value);
    pos = i;
  }
  if (out.length === 0) throw new BarcodeError('BAD_FORMAT', 'bracketed element string holds no application identifiers');
  return out;
}

/**
 * Encode elements as transmitted data: AI + value, with GS after every element whose AI is not
 * of predefined length (figure 7.8.5-2), except the last. No symbology identifier or leading FNC1.
 */
export function encodeElementString(elements: readonly Gs1Element[], opts?: ElementOptions): string {
  if (elements.length === 0) throw new BarcodeError('BAD_FORMAT', 'no element strings to encode');
  if (elements.length > MAX_ELEMENTS) throw new BarcodeError('TOO_LONG', `more than ${MAX_ELEMENTS} element strings`);
  let s = '';
  elements.forEach((e, i) => {
    validateElement(e.ai, e.value, opts);
    s += e.ai + e.value;
    if (i < elements.length - 1 && needsSeparator(e.ai)) s += GS;
  });
  return s;
}

/** The bracketed human-readable form. With `escape`, a "(" in a value is written "\(" so that parseBracketed reads it back exactly. */
export function toBracketed(elements: readonly Gs1Element[], opts?: { escape?: boolean }): string {
  let s = '';
  for (const e of elements) s += `(${e.ai})${opts?.escape ? e.value.replaceAll('(', '\\(') : e.value}`;
  return s;
}
