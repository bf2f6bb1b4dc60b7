import { cleanText, finishStatement, isCurrencyCode, isoDate, normaliseDecimal, signed } from './amounts';
import { MAX_ENTRIES, MAX_TEXT, StatementParseError, type BankStatement, type DatedAmount, type StatementEntry } from './types';

// SWIFT MT940 (Customer Statement Message), hand-tokenised: no maintained npm parser reports
// the line of a bad field, and the format is line-oriented enough that a tokeniser is short.
// See docs/decisions/0004-bank-statement-parsers.md.
//
// A file holds one or more messages, each optionally wrapped in SWIFT blocks
// ({1:…}{2:…}{4:\r\n … -}) or preceded by bank header lines (ABNANL2A / 940), ended by "-".
// Fields start with ":tag:" at the beginning of a line; following lines continue the field.
//   :20: reference (a new statement)   :25: account   :28C: statement number
//   :60F:/:60M: opening balance C|D YYMMDD CCY amount   :62F:/:62M: closing balance
//   :61: statement line  YYMMDD [MMDD] C|D|RC|RD [funds code] amount type(4) cust-ref [//bank-ref] [\n details]
//   :86: information to the account owner, free text or structured (German ?20 / Dutch /EREF/)

const MT = 'mt940' as const;

interface Field {
  tag: string;
  line: number;
  lines: string[];
}

/** A message's fields, and whether it was ended by a "-" / "-}" line or a next message (not the end of the file). */
type Message = Field[] & { terminated?: boolean };

const TAG = /^:(\d{2}[A-Z]?|NS):(.*)$/;
const KNOWN_TAGS = new Set(['20', '21', '25', '28', '28C', '60F', '60M', '61', '62F', '62M', '64', '65', '86', '13', '13D', '34F', '90D', '90C', 'NS']);

function fail(line: number, problem: string): never {
  throw new StatementParseError(MT, `line ${line}`, problem);
}

/** Splits the text into fields grouped by message, skipping SWIFT block wrappers and bank header lines. */
function tokenise(text: string): Message[] {
  const messages: Message[] = [];
  let fields: Message = [];
  let cur: Field | null = null;
  const close = (terminated = true) => {
    if (fields.length > 0) {
      fields.terminated = terminated;
      messages.push(fields);
    }
    fields = [];
    cur = null;
  };
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    let line = lines[i]!;
    // {1:F01BANKBEBBAXXX…}{2:O940…}{4:  → the text block starts here
    const block = /^((?:\{[1-3]:(?:[^{}]|\{[^{}]*\})*\})*)\{4:(.*)$/.exec(line);
    if (block) {
      close();
      line = block[2]!;
      if (line.trim() === '') continue;
    }
    // ING wraps a structured :86: at 65 characters even where that leaves a lone "-" (a
    // mandate id "MND-EV01"): inside a "/KEY/" :86:, a "-" followed by more of it is text.
    const next = lines[i + 1]?.trim() ?? '';
    if (line.trim() === '-' && cur !== null && (cur as Field).tag === '86' && (cur as Field).lines.join('').trimStart().startsWith('/') && next !== '' && !/^[:{]/.test(next) && !/^[A-Z0-9]{1,11}$/.test(next)) {
      (cur as Field).lines.push('-');
      continue;
    }
    // "-", "-}", "-}{5:{CHK:…}}" (the trailer block on the same line, as ASN Bank writes it), "$", "{5:…}"
    if (/^-\}?\s*(\{5:.*)?$/.test(line) || /^\$\s*$/.test(line) || /^\{5:/.test(line)) {
      close();
      continue;
    }
    const m = TAG.exec(line);
    if (m && KNOWN_TAGS.has(m[1]!)) {
      if (m[1] === '20' && fields.some((f) => f.tag === '20')) close();
      cur = { tag: m[1]!, line: n, lines: [m[2]!] };
      fields.push(cur);
      continue;
    }
    if (cur === null) continue; // header lines before the first field (ABNANL2A, 940, :940:)
    if (line.trim() === '' && (cur as Field).tag !== '86') continue;
    (cur as Field).lines.push(line);
  }
  close(false);
  return messages;
}

function yymmdd(s: string, line: number, what: string): string {
  const y = Number(s.slice(0, 2));
  const m = Number(s.slice(2, 4));
  let d = Number(s.slice(4, 6));
  const year = y < 80 ? 2000 + y : 1900 + y;
  // Some German banks date interest on "30 February" (a 360-day convention): clamp to month end.
  if (m === 2 && d > 28 && d <= 31) d = isoDate(year, 2, 29) ? 29 : 28;
  const iso = isoDate(year, m, d);
  if (!iso) fail(line, `${what}: not a date YYMMDD: "${s}"`);
  return iso;
}

function balance(f: Field, currencyHint?: string): { value: DatedAmount; currency: string } {
  const body = f.lines.join('').trim();
  const m = /^([CD])(\d{6})([A-Z]{3})?(\d[\d,]*)$/.exec(body);
  // A closing balance without its currency (seen in German exports: "C020315105000,00") is in the opening's.
  if (!m || (m[3] === undefined && !currencyHint)) fail(f.line, `field :${f.tag}: must be C|D, YYMMDD, currency and amount (like C230131EUR1234,56), got "${body.slice(0, 60)}"`);
  const currency = m[3] ?? currencyHint!;
  if (currencyHint && currencyHint !== currency) fail(f.line, `field :${f.tag}: currency ${currency} differs from the opening balance's ${currencyHint}`);
  const amt = normaliseDecimal(m[4]!, currency, ',');
  if (amt === null) fail(f.line, `field :${f.tag}: not an amount in ${currency}: "${m[4]}"`);
  return { value: { date: yymmdd(m[2]!, f.line, `field :${f.tag}:`), amount: signed(amt, m[1] === 'D') }, currency };
}

// The transaction type is 1!a3!c; some banks pad it with spaces ("S   " at Sberbank Hungary).
const LINE61 = /^(\d{6})(\d{4})?(RC|RD|EC|ED|C|D)([A-Z])?(\d[\d,]{0,16})([A-Z][A-Z0-9 ]{3})([^/]*?)(?:\/\/(.*))?$/;

interface Line61 {
  value_date: string;
  booking_date: string;
  amount: string;
  customer_ref: string;
  bank_ref: string;
  details: string;
}

function statementLine(f: Field, currency: string): Line61 {
  // Some exports wrap field 61 inside its first 34x; try the first line, then the first two joined.
  let m = LINE61.exec(f.lines[0]!.trimEnd());
  let rest = f.lines.slice(1);
  if (!m && f.lines.length > 1) {
    m = LINE61.exec(`${f.lines[0]!.trimEnd()}${f.lines[1]!.trim()}`);
    rest = f.lines.slice(2);
  }
  if (!m) fail(f.line, `field :61: is not a statement line (YYMMDD[MMDD] C|D|RC|RD amount type reference), got "${f.lines[0]!.slice(0, 60)}"`);
  const valueDate = yymmdd(m[1]!, f.line, 'field :61: value date');
  let bookingDate = valueDate;
  if (m[2]) {
    // The entry date has no year: take the value date's, moved a year when they straddle New Year.
    const vy = Number(valueDate.slice(0, 4));
    const vm = Number(valueDate.slice(5, 7));
    const em = Number(m[2].slice(0, 2));
    const year = em - vm > 6 ? vy - 1 : vm - em > 6 ? vy + 1 : vy;
    let ed = Number(m[2].slice(2, 4));
    if (em === 2 && ed > 28 && ed <= 31) ed = isoDate(year, 2, 29) ? 29 : 28;
    const iso = isoDate(year, em, ed);
    if (!iso) fail(f.line, `field :61: entry date: not a date MMDD: "${m[2]}"`);
    bookingDate = iso;
  }
  const amt = normaliseDecimal(m[5]!, currency, ',');
  if (amt === null) fail(f.line, `field :61: not an amount in ${currency}: "${m[5]}"`);
  // C credit, D debit; RC reverses a credit (money out), RD reverses a debit (money in).
  const negative = m[3] === 'D' || m[3] === 'RC' || m[3] === 'ED';
  return {
    value_date: valueDate,
    booking_date: bookingDate,
    amount: signed(amt, negative),
    customer_ref: m[7]!.trim(),
    bank_ref: (m[8] ?? '').trim(),
    details: rest.map((l) => l.trim()).join(' '),
  };
}

export interface Info86 {
  reference?: string;
  counterparty?: string;
  description: string;
}

const DUTCH_KEYS = new Set(['TRTP', 'IBAN', 'BIC', 'NAME', 'REMI', 'EREF', 'MARF', 'CSID', 'CNTP', 'ORDP', 'BENM', 'ULTC', 'ULTD', 'ULTB', 'PURP', 'RTRN', 'ISDT', 'PREF', 'SVCL', 'CDTRREF', 'CDTRREFTP', 'ADDR', 'NRTX', 'TRCD', 'BUSP', 'OCMT', 'ATOM', 'EXCH', 'CHGS', 'RFCT', 'REFCT']);

/** Dutch/Belgian structured :86: (/TRTP/…/NAME/…/REMI/…/EREF/…), as ING, ABN AMRO and Rabobank write it. */
function dutch86(text: string): Info86 | null {
  if (!/^\/(TRTP|EREF|CNTP|PREF|RTRN|NAME|ORDP|BENM|REMI|TRCD|IBAN|MARF)\//.test(text)) return null;
  const parts = text.split('/');
  const values = new Map<string, string[]>();
  let key: string | null = null;
  for (const p of parts.slice(1)) {
    if (DUTCH_KEYS.has(p)) {
      key = p;
      if (!values.has(key)) values.set(key, []);
      continue;
    }
    if (key) values.get(key)!.push(p);
  }
  const joined = (k: string) => (values.get(k) ?? []).join('/').replace(/^\/+|\/+$/g, '');
  // CNTP/ORDP/BENM hold IBAN/BIC/NAME/CITY (ORDP and BENM start with an empty id: //NAME/…)
  const partyName = () => {
    for (const k of ['CNTP', 'ORDP', 'BENM']) {
      const v = values.get(k);
      if (!v) continue;
      const nameAt = v.indexOf('NAME');
      if (nameAt >= 0) return v[nameAt + 1];
      if (k === 'CNTP' && v[2]) return v[2];
    }
    return undefined;
  };
  const remi = joined('REMI').replace(/^(USTD|STRD)\/+/, '').replace(/^CUR\/+/, '');
  const eref = joined('EREF');
  // PREF: the payment information id of a batch (ING's collected direct debits / transfers).
  const pref = joined('PREF');
  return {
    reference: eref && eref !== 'NOTPROVIDED' ? eref : pref || undefined,
    counterparty: joined('NAME') || partyName(),
    description: remi || joined('TRTP'),
  };
}

/** German structured :86: (DK/ZKA): GVC code, then ?NN subfields (?00 text, ?20-29 ?60-63 purpose, ?32/?33 name). */
function german86(text: string): Info86 | null {
  const m = /^(\d{3})([?>])/.exec(text);
  if (!m) return null;
  const sep = m[2]!;
  const sub = new Map<string, string>();
  const re = new RegExp(`\\${sep}(\\d{2})([^\\${sep}]*)`, 'g');
  for (const s of text.slice(3).matchAll(re)) sub.set(s[1]!, (sub.get(s[1]!) ?? '') + s[2]!);
  const purposeKeys = ['20', '21', '22', '23', '24', '25', '26', '27', '28', '29', '60', '61', '62', '63'];
  const purposeParts = purposeKeys.map((k) => sub.get(k)).filter((v): v is string => v !== undefined);
  const sepa = purposeParts.some((p) => /^(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|COAM|OAMT)\+/.test(p));
  // SEPA purpose text is cut into 27-character lines without regard to words: join without spaces.
  const purpose = purposeParts.join(sepa ? '' : ' ');
  let reference: string | undefined;
  let description = purpose;
  if (sepa) {
    const tags = [...purpose.matchAll(/(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|COAM|OAMT|IBAN|BIC)\+/g)];
    const val = (tag: string) => {
      const i = tags.findIndex((t) => t[1] === tag);
      if (i < 0) return undefined;
      const start = tags[i]!.index! + tag.length + 1;
      return purpose.slice(start, tags[i + 1]?.index ?? purpose.length).trim();
    };
    const eref = val('EREF');
    reference = eref && eref !== 'NOTPROVIDED' ? eref : undefined;
    description = val('SVWZ') ?? purpose;
  }
  const name = [sub.get('32'), sub.get('33')].filter(Boolean).join('');
  const posting = sub.get('00');
  return { reference, counterparty: name || undefined, description: description || posting || '' };
}

export function parse86(lines: readonly string[]): Info86 {
  const raw = lines.map((l) => l.replace(/\s+$/, '')).filter((l) => l !== '');
  const tight = raw.join('');
  return dutch86(tight) ?? german86(tight) ?? { description: raw.map((l) => l.trim()).join(' ') };
}

/**
 * German non-SWIFT ":NS:" after a :61: (Postbank, Sberbank Hungary): lines "NNtext", where
 * 01-14 are the purpose and 15-16 the other party's name.
 */
function parseNS(lines: readonly string[]): Info86 {
  const purpose: string[] = [];
  const name: string[] = [];
  for (const l of lines) {
    const m = /^(\d{2})(.*)$/.exec(l.trim());
    if (!m) continue;
    const k = Number(m[1]);
    if (k >= 1 && k <= 14) purpose.push(m[2]!.trim());
    else if (k === 15 || k === 16) name.push(m[2]!.trim());
  }
  return { counterparty: name.join(' ') || undefined, description: purpose.filter(Boolean).join(' ') };
}

function statementOf(fields: Message, budget: { entries: number }): BankStatement {
  const first = fields[0]!;
  const tag = (t: string) => fields.find((f) => f.tag === t);
  const acct = tag('25');
  if (!acct) fail(first.line, 'statement has no account field :25:');
  const open = fields.find((f) => f.tag === '60F' || f.tag === '60M');
  if (!open) {
    if (fields.some((f) => f.tag === '34F' || f.tag === '13D' || f.tag === '13')) fail(first.line, 'an MT942 interim transaction report (:34F:/:13D:, no opening balance :60F:), not a statement');
    fail(first.line, 'statement has no opening balance :60F:/:60M:');
  }
  const opening = balance(open);
  const currency = opening.currency;
  const closeField = fields.find((f) => f.tag === '62F' || f.tag === '62M');
  // A statement some banks end ("-") without a closing balance has none (balance_check "no
  // balances"); one that stops at the end of the file without it is taken as truncated.
  if (!closeField && !fields.terminated) {
    const last = fields[fields.length - 1]!;
    fail(last.line + last.lines.length - 1, `statement starting at line ${first.line} has no closing balance :62F:/:62M: (file truncated?)`);
  }
  const closing = closeField ? balance(closeField, currency) : null;
  const entries: StatementEntry[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.tag !== '61') continue;
    if (closeField && f.line > closeField.line) fail(f.line, 'statement line :61: after the closing balance :62F:');
    if (++budget.entries > MAX_ENTRIES) fail(f.line, `more than ${MAX_ENTRIES} statement lines in one file`);
    const l = statementLine(f, currency);
    // Every :86: directly after this :61: (some banks write several) describes it.
    const info: string[] = [];
    for (let j = i + 1; j < fields.length && fields[j]!.tag === '86'; j++) info.push(...fields[j]!.lines);
    const parsed = info.length > 0 ? parse86(info) : fields[i + 1]?.tag === 'NS' ? parseNS(fields[i + 1]!.lines) : { description: '' };
    // ING writes which id the :86: holds ("EREF", "PREF", "MARF") where the customer reference goes.
    const custRef = l.customer_ref && !['NONREF', 'EREF', 'PREF', 'MARF'].includes(l.customer_ref.toUpperCase()) ? l.customer_ref : '';
    const bankRef = l.bank_ref && l.bank_ref.toUpperCase() !== 'NONREF' ? l.bank_ref : '';
    entries.push({
      booking_date: l.booking_date,
      value_date: l.value_date,
      amount: l.amount,
      currency,
      reference: cleanText(parsed.reference ?? (custRef || bankRef), 140),
      counterparty: cleanText(parsed.counterparty ?? '', 140),
      description: cleanText(parsed.description || l.details, MAX_TEXT),
    });
  }
  // Rabobank and ING append the currency to the account ("NL34RABO0142623393 EUR"): the account is the IBAN.
  const account = cleanText(acct.lines.join(' '), 70).replace(new RegExp(`^(\\S{8,})\\s*${currency}$`), '$1');
  return finishStatement({ account, currency, opening: opening.value, closing: closing?.value ?? null, entries });
}

export function parseMt940(text: string): BankStatement[] {
  const messages = tokenise(text);
  if (messages.length === 0) fail(1, 'no MT940 fields (:20:, :25:, :60F:, :61:, :62F:) found');
  const budget = { entries: 0 };
  const out: BankStatement[] = [];
  for (const fields of messages) {
    // A message without a balance field is a bank's header or trailer block, not a statement.
    if (!fields.some((f) => f.tag.startsWith('6'))) continue;
    out.push(statementOf(fields, budget));
  }
  if (out.length === 0) fail(messages[0]![0]!.line, 'no statement with balances (:60F: … :62F:) found');
  for (const s of out) if (!isCurrencyCode(s.currency)) fail(1, `bad currency ${s.currency}`);
  return out;
}
