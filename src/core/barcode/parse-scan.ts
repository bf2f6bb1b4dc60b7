import { aiDefinition } from './ai-table';
import { hasValidCheckDigit, isAllDigits } from './check-digit';
import { currencyFromNumeric } from './currency';
import { type Gs1Date, parseGs1Date } from './dates';
import { type Gs1Element, GS, parseBracketed, parseElementString, toBracketed } from './element-string';
import { BarcodeError } from './errors';
import { expandUpcE, toGtin14 } from './gtin';
import { DEFAULT_RCN_LAYOUTS, decodeRcn, isRestrictedPrefix, type RcnLayouts } from './rcn';
import { type AimInfo, aimInfo, type Symbology, symbologyHint } from './symbology';

/** Longest scan accepted; far above any real symbol, it bounds every loop below. */
export const MAX_SCAN_LENGTH = 4096;

/**
 * A price embedded in the code. The amount is `amountMinor / 10^decimals` of the currency;
 * when `decimals` equals the currency's minor-unit exponent (2 for EUR/USD) `amountMinor` is
 * directly the money module's minor units, otherwise rescale it (see rescalePrice).
 */
export interface Price {
  readonly amountMinor: number;
  readonly decimals: number;
  /** ISO 4217 alphabetic code when known (from AI 393n or the store's currency for an RCN). */
  readonly currency?: string;
  /** ISO 4217 numeric code as carried by AI 393n. */
  readonly currencyNumeric?: string;
}

/** A net weight embedded in the code. */
export interface Weight {
  /** Whole grams (rounded half up when the code is finer than a gram, or given in pounds). */
  readonly grams: number;
  /** The value as encoded, in `unit`, with its decimals, e.g. "1.250". */
  readonly value: string;
  readonly unit: 'kg' | 'lb';
}

export interface RcnInfo {
  /** Prefix in 13-digit form: "02", "20"…"29". */
  readonly prefix: string;
  readonly kind: 'price' | 'weight';
  readonly itemReference: string;
}

export interface ParsedBarcode {
  /** The scan as received (minus a trailing CR/LF). */
  readonly raw: string;
  readonly symbology: Symbology;
  /** AIM symbology identifier when the scanner sent one, e.g. "]C1". */
  readonly aim?: string;
  /** The payload after any symbology identifier. */
  readonly data: string;
  /** 14-digit GTIN when the code carries one (EAN/UPC/ITF-14, or AI 01). Absent for restricted circulation numbers. */
  readonly gtin?: string;
  /** Element strings keyed by AI, e.g. {"01":"09501101020917","17":"190508"}. An EAN/UPC carries {"01": gtin}. */
  readonly elements: Readonly<Record<string, string>>;
  /** The same element strings in the order they were scanned. */
  readonly elementList: readonly Gs1Element[];
  /** Human-readable form: bracketed "(01)…(17)…" for GS1 data, the digits of an RCN, else the data. */
  readonly hri: string;
  /** What the catalog looks up: the GTIN-14, the zeroed RCN (14 digits), else the HRI/data. */
  readonly lookupKey: string;
  /** True for a restricted circulation number (EAN-13 prefix 02/20–29, UPC-A prefix 2). */
  readonly restricted?: boolean;
  /** Set when a configured RCN layout decoded the code. */
  readonly rcn?: RcnInfo;
  readonly price?: Price;
  readonly weight?: Weight;
  /** 2- or 5-digit EAN/UPC add-on. */
  readonly addOn?: string;
  readonly expiry?: Gs1Date; // (17)
  readonly bestBefore?: Gs1Date; // (15)
  readonly sellBy?: Gs1Date; // (16)
  readonly productionDate?: Gs1Date; // (11)
  readonly packagingDate?: Gs1Date; // (13)
  readonly dueDate?: Gs1Date; // (12)
  readonly batch?: string; // (10)
  readonly serial?: string; // (21)
  readonly sscc?: string; // (00)
  readonly count?: number; // (30)
}

export interface ParseScanOptions {
  /** Symbology reported by the scanner driver, used when the data has no AIM identifier. */
  readonly symbology?: string;
  /** Restricted circulation layouts; default DEFAULT_RCN_LAYOUTS; false = do not decode RCNs. */
  readonly rcn?: RcnLayouts | false;
  /** ISO 4217 alphabetic currency of prices embedded in RCNs (the store's currency). */
  readonly currency?: string;
  /** "Now" for the GS1 century rule of dates; defaults to the clock. */
  readonly now?: Date;
}

const GS_CODE = 0x1d;
const GS1_INFO: AimInfo = { symbology: 'GS1', payload: 'gs1' };
const UNKNOWN_INFO: AimInfo = { symbology: 'unknown', payload: 'plain' };
const BRACKETED_START = /^\(\d{2,4}\)/;
const ELEMENT_STRING_START = /^(?:0[12]\d{14}|00\d{18})./s;

/** Guess the payload of data that came with no AIM identifier and no driver hint. */
function detect(data: string): AimInfo {
  const c0 = data.charCodeAt(0);
  if (c0 === GS_CODE) return GS1_INFO;
  if (c0 === 40 /* ( */ && BRACKETED_START.test(data)) return GS1_INFO;
  if (isAllDigits(data)) {
    switch (data.length) {
      case 8:
        return { symbology: 'EAN-8', payload: 'ean8' };
      case 12:
        return { symbology: 'UPC-A', payload: 'ean' };
      case 13:
        return { symbology: 'EAN-13', payload: 'ean' };
      case 14:
        return { symbology: 'GTIN-14', payload: 'ean' };
      case 15:
      case 18:
        // EAN-13 followed by its 2- or 5-digit add-on.
        if (hasValidCheckDigit(data.slice(0, 13))) return { symbology: 'EAN-13', payload: 'ean' };
    }
  }
  // An element string sent without FNC1/GS, e.g. "0109501101020917…": it opens with an SSCC or GTIN.
  if (ELEMENT_STRING_START.test(data)) return GS1_INFO;
  if (data.includes(GS)) return GS1_INFO;
  return UNKNOWN_INFO;
}

/** Parse one scan: symbology identifier, GTIN check digits, GS1 element strings, RCN price/weight. Throws BarcodeError. */
export function parseScan(raw: string, options: ParseScanOptions = {}): ParsedBarcode {
  if (typeof raw !== 'string') throw new BarcodeError('BAD_FORMAT', 'scan data must be a string');
  let end = raw.length;
  while (end > 0 && (raw.charCodeAt(end - 1) === 13 || raw.charCodeAt(end - 1) === 10)) end--;
  const s = end === raw.length ? raw : raw.slice(0, end);
  if (s.length === 0) throw new BarcodeError('EMPTY', 'empty scan');
  if (s.length > MAX_SCAN_LENGTH) throw new BarcodeError('TOO_LONG', `scan of ${s.length} characters exceeds ${MAX_SCAN_LENGTH}`);

  let info: AimInfo | undefined;
  let aim: string | undefined;
  let data = s;
  if (s.charCodeAt(0) === 93 /* ] */ && s.length >= 3) {
    aim = s.slice(0, 3);
    data = s.slice(3);
    info = aimInfo(aim) ?? UNKNOWN_INFO;
    if (data.length === 0) throw new BarcodeError('EMPTY', `no data after symbology identifier ${aim}`);
  } else if (options.symbology !== undefined) {
    info = symbologyHint(options.symbology);
  }
  info ??= detect(data);

  const base: Base = { raw: s, data, aim };
  switch (info.payload) {
    case 'gs1':
      return gs1Result(base, info.symbology, data, options);
    case 'ean':
      return eanResult(base, info.symbology, data, aim === ']E3' || isAddOnHint(aim, options.symbology), options);
    case 'ean8':
      if (!isAllDigits(data)) throw new BarcodeError('BAD_CHARACTER', `EAN-8 must be digits only, got "${data}"`);
      if (data.length !== 8) throw new BarcodeError('BAD_LENGTH', `EAN-8: expected 8 digits, got ${data.length}`);
      return gtinResult(base, 'EAN-8', toGtin14(data, 'EAN-8'));
    case 'itf':
      if (data.length === 14 && isAllDigits(data)) return gtinResult(base, 'ITF-14', toGtin14(data, 'GTIN-14'));
      return plainResult(base, info.symbology === 'ITF-14' ? 'ITF' : info.symbology, data);
    case 'plain':
      if (data.charCodeAt(0) === GS_CODE) {
        // A plain carrier whose data opens with FNC1 sent as GS is in fact the GS1 variant.
        const gs1: Symbology =
          info.symbology === 'Code 128' ? 'GS1-128' : info.symbology === 'Data Matrix' ? 'GS1 DataMatrix' : info.symbology === 'QR Code' ? 'GS1 QR' : 'GS1';
        return gs1Result(base, gs1, data, options);
      }
      return plainResult(base, info.symbology, data);
  }
}

function isAddOnHint(aim: string | undefined, hint: string | undefined): boolean {
  return aim === undefined && hint !== undefined && hint.toUpperCase().replace(/[^A-Z0-9]/g, '') === 'EANADDON';
}

type Base = { raw: string; data: string; aim: string | undefined };
type Draft = { -readonly [K in keyof ParsedBarcode]: ParsedBarcode[K] };

// Results are built with one literal shape and optional fields assigned after: object spreads
// with conditional parts cost several times the whole parse.
function draft(base: Base, symbology: Symbology, elements: Record<string, string>, elementList: readonly Gs1Element[], hri: string, lookupKey: string): Draft {
  const r: Draft = { raw: base.raw, symbology, data: base.data, elements, elementList, hri, lookupKey };
  if (base.aim !== undefined) r.aim = base.aim;
  return r;
}

function plainResult(base: Base, symbology: Symbology, data: string): ParsedBarcode {
  return draft(base, symbology, {}, [], data, data);
}

function gtinResult(base: Base, symbology: Symbology, gtin: string, addOn?: string): ParsedBarcode {
  const r = draft(base, symbology, { '01': gtin }, [{ ai: '01', value: gtin }], '(01)' + gtin, gtin);
  r.gtin = gtin;
  if (addOn) r.addOn = addOn;
  return r;
}

function eanResult(base: Base, hinted: Symbology, data: string, withAddOn: boolean, options: ParseScanOptions): ParsedBarcode {
  if (!isAllDigits(data)) throw new BarcodeError('BAD_CHARACTER', `${hinted === 'unknown' ? 'EAN/UPC' : hinted} must be digits only, got "${data}"`);
  if (withAddOn && (data.length === 2 || data.length === 5)) {
    // The add-on alone (the driver's "ean-addon" for ]E1/]E2); nothing to look up by itself.
    const r = draft(base, 'EAN add-on', {}, [], data, data);
    r.addOn = data;
    return r;
  }
  let main = data;
  let addOn: string | undefined;
  // Add-ons: unambiguous lengths always; the ones that collide with plain lengths only under ]E3.
  const n = data.length;
  if (n === 15 || n === 18 || (withAddOn && (n === 10 || n === 13 || n === 14 || n === 17))) {
    const mainLength = n === 15 || n === 18 ? 13 : n === 14 || n === 17 ? 12 : 8;
    main = data.slice(0, mainLength);
    addOn = data.slice(mainLength);
  }
  let symbology: Symbology;
  let gtin: string;
  switch (main.length) {
    case 13:
      // An EAN-13 starting with 0 is bar for bar a UPC-A (scanners send UPC-A that way under ]E0).
      symbology = main.charCodeAt(0) === 48 ? 'UPC-A' : 'EAN-13';
      gtin = toGtin14(main, 'EAN-13');
      break;
    case 12:
      symbology = 'UPC-A';
      gtin = toGtin14(main, 'UPC-A');
      break;
    case 14:
      symbology = 'GTIN-14';
      gtin = toGtin14(main, 'GTIN-14');
      break;
    case 8:
      if (hinted === 'EAN-8') {
        symbology = 'EAN-8';
        gtin = toGtin14(main, 'EAN-8');
      } else {
        symbology = 'UPC-E';
        gtin = '00' + expandUpcE(main);
      }
      break;
    case 6:
    case 7:
      if (hinted !== 'UPC-E') throw new BarcodeError('BAD_LENGTH', `EAN/UPC: expected 8, 12 or 13 digits, got ${main.length}`);
      symbology = 'UPC-E';
      gtin = '00' + expandUpcE(main);
      break;
    default:
      throw new BarcodeError('BAD_LENGTH', `${hinted === 'unknown' ? 'EAN/UPC' : hinted}: expected 8, 12 or 13 digits, got ${main.length}`);
  }
  const code13 = gtin.slice(1);
  if ((symbology === 'EAN-13' || symbology === 'UPC-A') && isRestrictedPrefix(code13)) {
    return rcnResult(base, symbology, main, gtin, code13, addOn, options);
  }
  return gtinResult(base, symbology, gtin, addOn);
}

function rcnResult(
  base: Base,
  symbology: Symbology,
  main: string,
  gtin: string,
  code13: string,
  addOn: string | undefined,
  options: ParseScanOptions,
): ParsedBarcode {
  const layouts = options.rcn === false ? {} : options.rcn ?? DEFAULT_RCN_LAYOUTS;
  const decoded = decodeRcn(code13, layouts);
  const r = draft(base, symbology, {}, [], main, decoded ? decoded.lookupKey : gtin);
  r.restricted = true;
  if (addOn) r.addOn = addOn;
  if (!decoded) return r;
  r.rcn = { prefix: decoded.prefix, kind: decoded.kind, itemReference: decoded.itemReference };
  if (decoded.kind === 'price') {
    r.price = options.currency
      ? { amountMinor: decoded.value, decimals: decoded.decimals, currency: options.currency }
      : { amountMinor: decoded.value, decimals: decoded.decimals };
  } else {
    r.weight = weightOf(decoded.value, decoded.decimals, 'kg');
  }
  return r;
}

function formatScaled(scaled: number, decimals: number): string {
  if (decimals === 0) return String(scaled);
  const t = String(scaled).padStart(decimals + 1, '0');
  return `${t.slice(0, -decimals)}.${t.slice(-decimals)}`;
}

/** Grams from an integer `scaled` in units of 10^-decimals of `unit`. */
export function weightOf(scaled: number, decimals: number, unit: 'kg' | 'lb'): Weight {
  let grams: number;
  if (unit === 'kg') {
    grams = decimals <= 3 ? scaled * 10 ** (3 - decimals) : Math.floor(scaled / 10 ** (decimals - 3) + 0.5);
  } else {
    // 1 lb = 453.59237 g exactly; scaled × 45359237 stays below 2^53 for N6 values.
    grams = Math.floor((scaled * 45359237) / 10 ** (decimals + 5) + 0.5);
  }
  return { grams, value: formatScaled(scaled, decimals), unit };
}

/**
 * A price at a different number of decimals, rounding half away from zero, e.g. a (3923) price
 * with 3 decimals to the 2 of EUR minor units.
 */
export function rescalePrice(price: Price, decimals: number): Price {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 15) throw new BarcodeError('BAD_FORMAT', `bad decimals ${decimals}`);
  let amount = price.amountMinor;
  if (decimals > price.decimals) amount *= 10 ** (decimals - price.decimals);
  else if (decimals < price.decimals) {
    const f = 10 ** (price.decimals - decimals);
    amount = Math.sign(amount) * Math.floor(Math.abs(amount) / f + 0.5);
  }
  return { ...price, amountMinor: amount, decimals };
}

function gs1Result(base: Base, symbology: Symbology, data: string, options: ParseScanOptions): ParsedBarcode {
  const currentYear = (options.now ?? new Date()).getUTCFullYear();
  const list = data.charCodeAt(0) === 40 /* ( */ ? parseBracketed(data, { currentYear }) : parseElementString(data, { currentYear });
  const elements: Record<string, string> = {};
  for (const e of list) elements[e.ai] = e.value;
  const hri = toBracketed(list);
  const gtin = elements['01'];
  const out = draft(base, symbology, elements, list, hri, gtin ?? elements['02'] ?? hri);
  if (gtin !== undefined) out.gtin = gtin;
  // Explicit assignments (not a keyed loop, no per-call closures) keep this path fast.
  if (elements['17'] !== undefined) out.expiry = parseGs1Date(elements['17'], currentYear, '17');
  if (elements['15'] !== undefined) out.bestBefore = parseGs1Date(elements['15'], currentYear, '15');
  if (elements['16'] !== undefined) out.sellBy = parseGs1Date(elements['16'], currentYear, '16');
  if (elements['11'] !== undefined) out.productionDate = parseGs1Date(elements['11'], currentYear, '11');
  if (elements['13'] !== undefined) out.packagingDate = parseGs1Date(elements['13'], currentYear, '13');
  if (elements['12'] !== undefined) out.dueDate = parseGs1Date(elements['12'], currentYear, '12');
  if (elements['10'] !== undefined) out.batch = elements['10'];
  if (elements['21'] !== undefined) out.serial = elements['21'];
  if (elements['00'] !== undefined) out.sscc = elements['00'];
  if (elements['30'] !== undefined) out.count = Number(elements['30']);
  for (const e of list) {
    const d = aiDefinition(e.ai);
    if (!d || d.decimals === undefined) continue;
    const head = e.ai.slice(0, 3);
    if (out.weight === undefined && (head === '310' || head === '320')) {
      out.weight = weightOf(Number(e.value), d.decimals, head === '310' ? 'kg' : 'lb');
    } else if (out.price === undefined && head === '392') {
      out.price = { amountMinor: Number(e.value), decimals: d.decimals } satisfies Price;
    } else if (out.price === undefined && head === '393') {
      const numeric = e.value.slice(0, 3);
      const alpha = currencyFromNumeric(numeric);
      const price: { -readonly [K in keyof Price]: Price[K] } = { amountMinor: Number(e.value.slice(3)), decimals: d.decimals, currencyNumeric: numeric };
      if (alpha) price.currency = alpha;
      out.price = price;
    }
  }
  return out;
}
