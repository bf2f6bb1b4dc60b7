// GS1 Application Identifiers this register understands (GS1 General Specifications 3.2),
// with the format notation of the specification: "N6" six digits, "X..20" up to 20 characters
// of the GS1 AI encodable character set 82, "N3+N..15" an ISO code followed by up to 15 digits.

export type AiCharset = 'N' | 'X';

export interface AiComponent {
  readonly charset: AiCharset;
  readonly min: number;
  readonly max: number;
}

export type AiKind =
  | 'date' // YYMMDD, DD=00 allowed
  | 'datetime' // YYMMDDHHMM
  | 'measure' // N6 with implied decimals (last AI digit)
  | 'amount' // N..15 with implied decimals
  | 'amountIso'; // N3 ISO 4217 currency + N..15 with implied decimals

export interface AiDefinition {
  readonly ai: string;
  readonly title: string;
  /** The format as written in the GS1 specification, e.g. "N3+N..15". */
  readonly format: string;
  readonly components: readonly AiComponent[];
  /** Data length (without the AI) bounds. */
  readonly minLength: number;
  readonly maxLength: number;
  readonly fixedLength: boolean;
  /** True when its first component ends in a GS1 mod-10 check digit. */
  readonly checkDigit: boolean;
  readonly kind?: AiKind;
  /** Implied decimal places (the 4th digit of 31nn–39nn AIs). */
  readonly decimals?: number;
  /** Unit of a measure AI. */
  readonly unit?: string;
}

function parseFormat(format: string): AiComponent[] {
  return format.split('+').map((part) => {
    const m = /^([NX])(\.\.)?(\d+)$/.exec(part);
    if (!m) throw new Error(`bad AI format ${format}`);
    const max = Number(m[3]);
    return { charset: m[1] as AiCharset, min: m[2] ? 1 : max, max };
  });
}

type Extra = Partial<Pick<AiDefinition, 'checkDigit' | 'kind' | 'decimals' | 'unit'>>;

function def(ai: string, title: string, format: string, extra: Extra = {}): AiDefinition {
  const components = parseFormat(format);
  const minLength = components.reduce((s, c) => s + c.min, 0);
  const maxLength = components.reduce((s, c) => s + c.max, 0);
  return {
    ai,
    title,
    format,
    components,
    minLength,
    maxLength,
    fixedLength: minLength === maxLength,
    checkDigit: extra.checkDigit ?? false,
    ...(extra.kind ? { kind: extra.kind } : {}),
    ...(extra.decimals !== undefined ? { decimals: extra.decimals } : {}),
    ...(extra.unit ? { unit: extra.unit } : {}),
  };
}

const CD = { checkDigit: true } as const;
const DATE = { kind: 'date' } as const;

const defs: AiDefinition[] = [
  def('00', 'SSCC', 'N18', CD),
  def('01', 'GTIN', 'N14', CD),
  def('02', 'CONTENT', 'N14', CD),
  def('10', 'BATCH/LOT', 'X..20'),
  def('11', 'PROD DATE', 'N6', DATE),
  def('12', 'DUE DATE', 'N6', DATE),
  def('13', 'PACK DATE', 'N6', DATE),
  def('15', 'BEST BEFORE or BEST BY', 'N6', DATE),
  def('16', 'SELL BY', 'N6', DATE),
  def('17', 'USE BY OR EXPIRY', 'N6', DATE),
  def('20', 'VARIANT', 'N2'),
  def('21', 'SERIAL', 'X..20'),
  def('22', 'CPV', 'X..20'),
  def('30', 'VAR. COUNT', 'N..8'),
  def('37', 'COUNT', 'N..8'),
  def('240', 'ADDITIONAL ID', 'X..30'),
  def('241', 'CUST. PART No.', 'X..30'),
  def('242', 'MTO VARIANT', 'N..6'),
  def('243', 'PCN', 'X..20'),
  def('250', 'SECONDARY SERIAL', 'X..30'),
  def('251', 'REF. TO SOURCE', 'X..30'),
  def('253', 'GDTI', 'N13+X..17', CD),
  def('254', 'GLN EXTENSION COMPONENT', 'X..20'),
  def('255', 'GCN', 'N13+N..12', CD),
  def('400', 'ORDER NUMBER', 'X..30'),
  def('401', 'GINC', 'X..30'),
  def('402', 'GSIN', 'N17', CD),
  def('403', 'ROUTE', 'X..30'),
  def('410', 'SHIP TO LOC', 'N13', CD),
  def('411', 'BILL TO', 'N13', CD),
  def('412', 'PURCHASE FROM', 'N13', CD),
  def('413', 'SHIP FOR LOC', 'N13', CD),
  def('414', 'LOC No.', 'N13', CD),
  def('415', 'PAY TO', 'N13', CD),
  def('416', 'PROD/SERV LOC', 'N13', CD),
  def('417', 'PARTY', 'N13', CD),
  def('420', 'SHIP TO POST', 'X..20'),
  def('421', 'SHIP TO POST', 'N3+X..9'),
  def('422', 'ORIGIN', 'N3'),
  def('423', 'COUNTRY - INITIAL PROCESS.', 'N3+N..12'),
  def('424', 'COUNTRY - PROCESS.', 'N3'),
  def('425', 'COUNTRY - DISASSEMBLY', 'N3+N..12'),
  def('426', 'COUNTRY - FULL PROCESS', 'N3'),
  def('427', 'ORIGIN SUBDIVISION', 'X..3'),
  def('7001', 'NSN', 'N13'),
  def('7002', 'MEAT CUT', 'X..30'),
  def('7003', 'EXPIRY TIME', 'N10', { kind: 'datetime' }),
  def('7006', 'FIRST FREEZE DATE', 'N6', DATE),
  def('8003', 'GRAI', 'N14+X..16', CD),
  def('8004', 'GIAI', 'X..30'),
  def('8005', 'PRICE PER UNIT', 'N6'),
  def('8006', 'ITIP', 'N14+N2+N2', CD),
  def('8007', 'IBAN', 'X..34'),
  def('8008', 'PROD TIME', 'N8+N..4'),
  def('8017', 'GSRNP', 'N18', CD),
  def('8018', 'GSRN', 'N18', CD),
  def('8020', 'REF No.', 'X..25'),
  def('8200', 'PRODUCT URL', 'X..70'),
  def('90', 'INTERNAL', 'X..30'),
];
for (let d = 1; d <= 9; d++) defs.push(def(`9${d}`, 'INTERNAL', 'X..90'));

// Measures: 3xxn, n = implied decimal places (0–5).
const measures: Array<[string, string, string]> = [
  ['310', 'NET WEIGHT (kg)', 'kg'],
  ['311', 'LENGTH (m)', 'm'],
  ['312', 'WIDTH (m)', 'm'],
  ['313', 'HEIGHT (m)', 'm'],
  ['314', 'AREA (m²)', 'm2'],
  ['315', 'NET VOLUME (l)', 'l'],
  ['316', 'NET VOLUME (m³)', 'm3'],
  ['320', 'NET WEIGHT (lb)', 'lb'],
  ['330', 'GROSS WEIGHT (kg)', 'kg'],
  ['331', 'LENGTH (m), log', 'm'],
  ['332', 'WIDTH (m), log', 'm'],
  ['333', 'HEIGHT (m), log', 'm'],
  ['334', 'AREA (m²), log', 'm2'],
  ['335', 'VOLUME (l), log', 'l'],
  ['336', 'VOLUME (m³), log', 'm3'],
];
for (const [base, title, unit] of measures) {
  for (let n = 0; n <= 5; n++) defs.push(def(`${base}${n}`, title, 'N6', { kind: 'measure', decimals: n, unit }));
}
// Amounts: 390n/391n amount payable, 392n/393n price of a variable measure trade item.
for (let n = 0; n <= 9; n++) {
  defs.push(def(`390${n}`, 'AMOUNT', 'N..15', { kind: 'amount', decimals: n }));
  defs.push(def(`391${n}`, 'AMOUNT', 'N3+N..15', { kind: 'amountIso', decimals: n }));
  defs.push(def(`392${n}`, 'PRICE', 'N..15', { kind: 'amount', decimals: n }));
  defs.push(def(`393${n}`, 'PRICE', 'N3+N..15', { kind: 'amountIso', decimals: n }));
}

export const AI_TABLE: ReadonlyMap<string, AiDefinition> = new Map(defs.map((d) => [d.ai, d]));

/** The definition of `ai`, or undefined when this table does not know it. */
export function aiDefinition(ai: string): AiDefinition | undefined {
  return AI_TABLE.get(ai);
}

/**
 * GS1 General Specifications figure 7.8.5-2: element strings whose AI starts with these two
 * digits have a predefined total length (AI + data) and need no FNC1/GS separator after them.
 * Every other AI must be followed by a separator unless it is the last in the symbol, even a
 * fixed-length one such as (422) or (8005). 03, 04 and the 18/19 rows are reserved entries of
 * the figure and kept so that a future AI there is treated the same way.
 */
export const PREDEFINED_LENGTH: Readonly<Record<string, number>> = {
  '00': 20,
  '01': 16,
  '02': 16,
  '03': 16,
  '04': 18,
  '11': 8,
  '12': 8,
  '13': 8,
  '14': 8,
  '15': 8,
  '16': 8,
  '17': 8,
  '18': 8,
  '19': 8,
  '20': 4,
  '31': 10,
  '32': 10,
  '33': 10,
  '34': 10,
  '35': 10,
  '36': 10,
  '41': 16,
};

/** True when an element string with this AI must be followed by a separator (unless last). */
export function needsSeparator(ai: string): boolean {
  return PREDEFINED_LENGTH[ai.slice(0, 2)] === undefined;
}

/**
 * The AI at the start of `s` (from index `at`). GS1 AIs are prefix-free, so at most one of the
 * 2-, 3- and 4-digit prefixes is a known AI.
 */
export function matchAi(s: string, at: number): AiDefinition | undefined {
  for (let len = 2; len <= 4; len++) {
    if (at + len > s.length) return undefined;
    const d = AI_TABLE.get(s.slice(at, at + len));
    if (d) return d;
  }
  return undefined;
}

// GS1 AI encodable character set 82 (GS1 General Specifications figure 7.11-1).
const CSET82 = new Uint8Array(128);
for (const ch of '!"%&\'()*+,-./:;<=>?_') CSET82[ch.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) CSET82[c] = 1;
for (let c = 65; c <= 90; c++) CSET82[c] = 1;
for (let c = 97; c <= 122; c++) CSET82[c] = 1;

export function isCset82(code: number): boolean {
  return code < 128 && CSET82[code] === 1;
}
