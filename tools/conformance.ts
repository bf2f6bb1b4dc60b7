import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import {
  EXAMPLE_SALE_COMPLETED,
  EXAMPLE_SALE_REFUNDED,
  EXAMPLE_SHIFT_CLOSED,
  parseEventPayload,
  type SaleCompletedPayload,
} from '../src/core/events';
import {
  GENESIS_HASH,
  JOURNAL_SCHEMA_VERSION,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  canonicalJson,
  hashEvent,
  protocolErrorSchema,
  rejectedEventSchema,
  sha256Hex,
  type JournalEvent,
  type JournalEventBody,
} from '../src/core/protocol';
import { publishedSchemaFiles } from '../src/core/schemas';

// `npm run conformance`: writes the conformance kit's vectors (conformance/vectors/*.json)
// from core. Deterministic: fixed ids and times, so the files only change when the protocol
// does. tests/conformance/vectors.test.ts fails when the committed files are stale, and runs
// every vector against core; tests/conformance/outsider.test.ts runs them against a real hub
// without importing anything from src/.
//
// What a vector expects is written here by hand (the intent); the tests prove core and the
// hub agree with it.

export const CONFORMANCE_STORE = 'conf-store';
const T0 = '2026-11-23T10:00:00.000Z';

/** Deterministic UUIDs (version 4, variant 8): n-th id of a namespace. */
export const uuid = (ns: number, n: number): string => `00000000-${ns.toString(16).padStart(4, '0')}-4000-8000-${n.toString(16).padStart(12, '0')}`;

// Each terminal gets its own block of ids (numbered in order of first use, so the output is
// deterministic): ledger entries are keyed by sale and shift ids, which must not collide
// between the scenarios of one hub.
const terminals = new Map<string, number>();
const termBase = (terminal: string): number => {
  if (!terminals.has(terminal)) terminals.set(terminal, terminals.size + 1);
  return terminals.get(terminal)! * 0x10000;
};
const shiftId = (terminal: string) => uuid(0x5f17, termBase(terminal) + 1);

type Payload = Record<string, unknown>;
const clone = <T>(v: T): T => structuredClone(v);

// ---- payloads ---------------------------------------------------------------------------

/** A sale by `terminal` with new ids (the examples are for store-001-t1). */
function sale(terminal: string, n: number, base: SaleCompletedPayload = EXAMPLE_SALE_COMPLETED): SaleCompletedPayload {
  return { ...clone(base), sale_id: uuid(0x5a1e, termBase(terminal) + n), store_id: CONFORMANCE_STORE, terminal_id: terminal, shift_id: shiftId(terminal) };
}

/**
 * Worked example of docs/sync-protocol.md: a weighed item with an inclusive VAT (EUR).
 * 0.756 kg × 12.99 €/kg = 9.82044 → gross 982; VAT 7 % inside: amount 982 × 7/107 = 64.24 → 64,
 * base 982 − 64 = 918; paid 10.00 cash, change 0.18.
 */
export const EXAMPLE_SALE_INCLUSIVE: SaleCompletedPayload = {
  sale_id: uuid(0x5a1e, 0xe0),
  store_id: 'store-001',
  terminal_id: 'store-001-t1',
  shift_id: uuid(0x5f17, 1),
  cashier_id: 'emp-17',
  currency: 'EUR',
  price_book_version: 7,
  lines: [
    {
      line_id: 'L1',
      sku: 'CHEESE-GOUDA',
      description: 'Gouda jung, Käse am Stück',
      category: 'deli',
      tax_category: 'food',
      quantity: { units: 756, scale: 3 },
      unit: 'kg',
      unit_price: 1299,
      price_source: 'barcode',
      gross: 982,
      discounts: [],
      net: 982,
      taxes: [{ code: 'DE-VAT-RED', jurisdiction: 'DE', rate_ppm: 70_000, inclusive: true, compound: false, base: 918, amount: 64 }],
      total: 982,
    },
  ],
  totals: { subtotal: 982, discount_total: 0, tax_total: 64, total: 982, rounding: 0 },
  tax_breakdown: [{ code: 'DE-VAT-RED', jurisdiction: 'DE', rate_ppm: 70_000, inclusive: true, base: 918, amount: 64 }],
  tenders: [{ tender_id: 'T1', kind: 'cash', amount: 982, tendered: 1000, change: 18 }],
  change_due: 18,
  completed_at: T0,
};

function shiftOpened(terminal: string): Payload {
  return { shift_id: shiftId(terminal), store_id: CONFORMANCE_STORE, terminal_id: terminal, cashier_id: 'emp-17', currency: 'USD', opening_float: 10000, opened_at: T0 };
}

function refund(terminal: string, originalSaleId: string): Payload {
  return { ...clone(EXAMPLE_SALE_REFUNDED), refund_id: uuid(0x4ef0, termBase(terminal) + 1), original_sale_id: originalSaleId, store_id: CONFORMANCE_STORE, terminal_id: terminal, shift_id: shiftId(terminal) };
}

function postVoid(terminal: string, original: SaleCompletedPayload, n = 1): Payload {
  return {
    post_void_id: uuid(0x9001, termBase(terminal) + n),
    sale_id: original.sale_id,
    store_id: original.store_id,
    terminal_id: terminal,
    shift_id: shiftId(terminal),
    cashier_id: 'emp-17',
    approved_by: 'mgr-2',
    reason: 'Rang up twice',
    original,
    voided_at: T0,
  };
}

interface PayloadVector {
  name: string;
  type: string;
  payload: unknown;
  /** Whether the hub accepts the payload (applies the event). */
  valid: boolean;
  /** The rejection code the hub gives the event when it is not valid. */
  code?: 'INVALID_PAYLOAD';
  /** The rule it breaks (docs/sync-protocol.md), for a reader. */
  rule?: string;
  /** Whether the published JSON Schema of the type accepts it (false for an unknown type). */
  json_schema_valid: boolean;
}

type Mutation = { name: string; rule: string; type?: string; base?: () => Payload; mutate: (p: Payload & SaleCompletedPayload) => void };

const SALE = () => sale('conf-payload', 1) as Payload & SaleCompletedPayload;

const INVALID: Mutation[] = [
  { name: 'gross is not unit_price × quantity', rule: 'gross', mutate: (p) => { p.lines[0]!.gross = 699; p.lines[0]!.net = 699; p.lines[0]!.total = 699; p.totals.subtotal += 1; p.totals.total += 1; (p.tenders[1] as { amount: number; tendered?: number }).amount += 1; (p.tenders[1] as { tendered?: number }).tendered! += 1; } },
  { name: 'net is not gross − discounts', rule: 'net', mutate: (p) => { p.lines[1]!.net = 1000; } },
  { name: 'line total is not net + exclusive taxes', rule: 'line total', mutate: (p) => { p.lines[1]!.total = 981; } },
  { name: 'tax base is not the line net', rule: 'tax base', mutate: (p) => { p.lines[1]!.taxes[0]!.base = 1000; } },
  { name: 'tax amount outside the allowed slack', rule: 'tax amount', mutate: (p) => { p.lines[1]!.taxes[0]!.amount = 40; p.lines[1]!.total += 4; p.totals.tax_total += 4; p.totals.total += 4; p.tax_breakdown[0]!.amount = 40; const c = p.tenders[1] as { amount: number; tendered?: number }; c.amount += 4; c.tendered! += 4; } },
  { name: 'totals.subtotal is not Σ gross', rule: 'totals', mutate: (p) => { p.totals.subtotal = 1699; } },
  { name: 'totals.discount_total is not Σ discounts', rule: 'totals', mutate: (p) => { p.totals.discount_total = 0; } },
  { name: 'totals.tax_total is not Σ line taxes', rule: 'totals', mutate: (p) => { p.totals.tax_total = 81; } },
  { name: 'totals.total is not Σ line totals + rounding', rule: 'totals', mutate: (p) => { p.totals.rounding = 2; } },
  { name: 'tax_breakdown misses a (code, jurisdiction, rate, inclusive) group', rule: 'tax breakdown', mutate: (p) => { p.tax_breakdown.pop(); } },
  { name: 'tax_breakdown amount differs from the lines', rule: 'tax breakdown', mutate: (p) => { p.tax_breakdown[0]!.amount = 37; } },
  { name: 'tax_breakdown has a row no line has', rule: 'tax breakdown', mutate: (p) => { p.tax_breakdown.push({ code: 'US-NY-MCTD', jurisdiction: 'US-NY', rate_ppm: 3_750, inclusive: false, base: 0, amount: 0 }); } },
  { name: 'Σ tenders is not totals.total', rule: 'tenders', mutate: (p) => { p.tenders[0]!.amount = 999; } },
  { name: 'cash tendered without change', rule: 'cash tendered and change', mutate: (p) => { delete (p.tenders[1] as { change?: number }).change; } },
  { name: 'cash tendered − change is not amount', rule: 'cash tendered and change', mutate: (p) => { (p.tenders[1] as { change?: number }).change = 321; } },
  { name: 'change_due is not Σ cash change', rule: 'change due', mutate: (p) => { p.change_due = 0; } },
  { name: 'duplicate line_id', rule: 'ids', mutate: (p) => { p.lines[1]!.line_id = 'L1'; } },
  { name: 'duplicate tender_id', rule: 'ids', mutate: (p) => { p.tenders[1]!.tender_id = 'T1'; } },
  { name: 'unknown payload member', rule: 'schema', mutate: (p) => { (p as Payload).loyalty_id = 'abc'; } },
  { name: 'unknown currency', rule: 'schema', mutate: (p) => { p.currency = 'XXQ'; } },
  { name: 'an amount that is not an integer', rule: 'schema', mutate: (p) => { (p.lines[0] as { unit_price: number }).unit_price = 3.49; } },
  { name: 'quantity zero', rule: 'schema', mutate: (p) => { p.lines[0]!.quantity.units = 0; } },
  { name: 'masked_pan shows more than 6 + 4 digits', rule: 'schema', mutate: (p) => { (p.tenders[0] as { masked_pan?: string }).masked_pan = '4111111*****1111'; } },
  { name: 'occurred time without Z', rule: 'schema', mutate: (p) => { p.completed_at = '2026-11-23T10:00:00+01:00'; } },
  { name: 'no lines', rule: 'schema', mutate: (p) => { p.lines = []; } },
  {
    name: 'refund: a line refunded twice in one refund',
    rule: 'refund',
    type: 'sale.refunded',
    base: () => refund('conf-payload', uuid(0x5a1e, 1)),
    mutate: (p) => {
      const r = p as unknown as { lines: Array<{ line_id: string }>; totals: { subtotal: number; discount_total: number; tax_total: number; total: number }; tax_breakdown: Array<{ base: number; amount: number }>; tenders: Array<{ amount: number }> };
      r.lines.push({ ...clone(r.lines[0]!), line_id: 'R2' });
      r.totals.subtotal *= 2; r.totals.discount_total *= 2; r.totals.tax_total *= 2; r.totals.total *= 2;
      for (const row of r.tax_breakdown) { row.base *= 2; row.amount *= 2; }
      r.tenders[0]!.amount *= 2;
    },
  },
  { name: 'shift.closed: variance is not counted − expected', rule: 'shift close', type: 'shift.closed', base: () => ({ ...clone(EXAMPLE_SHIFT_CLOSED), store_id: CONFORMANCE_STORE, terminal_id: 'conf-payload' }), mutate: (p) => { (p as Payload).variance = 0; } },
  { name: 'shift.closed: oldest_unsynced_at set with nothing unsynced', rule: 'shift close', type: 'shift.closed', base: () => ({ ...clone(EXAMPLE_SHIFT_CLOSED), store_id: CONFORMANCE_STORE, terminal_id: 'conf-payload' }), mutate: (p) => { (p as Payload).unsynced_count = 0; } },
  { name: 'sale.post_voided: sale_id is not original.sale_id', rule: 'post-void', type: 'sale.post_voided', base: () => postVoid('conf-payload', sale('conf-payload', 1)), mutate: (p) => { (p as Payload).sale_id = uuid(0x5a1e, 99); } },
];

function payloadVectors(ajvValid: (type: string, p: unknown) => boolean): PayloadVector[] {
  const valid: Array<{ name: string; type: string; payload: Payload }> = [
    { name: 'sale: exclusive US taxes, card + cash with change (core example)', type: 'sale.completed', payload: SALE() },
    { name: 'sale: weighed item, inclusive VAT, cash with change (worked example)', type: 'sale.completed', payload: { ...clone(EXAMPLE_SALE_INCLUSIVE), store_id: CONFORMANCE_STORE, terminal_id: 'conf-payload' } },
    { name: 'sale: cash without tendered/change', type: 'sale.completed', payload: (() => { const p = SALE(); const c = p.tenders[1] as { tendered?: number; change?: number }; delete c.tendered; delete c.change; p.change_due = 0; return p; })() },
    { name: 'sale: tax amount within the slack (one minor unit off the exact rate)', type: 'sale.completed', payload: (() => { const p = SALE(); p.lines[1]!.taxes[1]!.amount = 43; p.lines[1]!.total -= 1; p.totals.tax_total -= 1; p.totals.total -= 1; p.tax_breakdown[1]!.amount = 43; const c = p.tenders[1] as { amount: number; change?: number }; c.amount -= 1; c.change! += 1; p.change_due += 1; return p; })() },
    { name: 'refund (core example)', type: 'sale.refunded', payload: refund('conf-payload', uuid(0x5a1e, 1)) },
    { name: 'post-void', type: 'sale.post_voided', payload: postVoid('conf-payload', sale('conf-payload', 1)) },
    { name: 'void', type: 'sale.voided', payload: { sale_id: uuid(0x5a1e, 2), store_id: CONFORMANCE_STORE, terminal_id: 'conf-payload', shift_id: uuid(0x5f17, 1), cashier_id: 'emp-17', currency: 'USD', lines: [{ sku: 'MILK-1L', description: 'Whole milk 1L', quantity: { units: 1, scale: 0 }, total: 349 }], total: 349, voided_at: T0 } },
    { name: 'shift opened', type: 'shift.opened', payload: shiftOpened('conf-payload') },
    { name: 'cash drop', type: 'shift.cash_moved', payload: { movement_id: uuid(0xca5b, 1), shift_id: uuid(0x5f17, 1), store_id: CONFORMANCE_STORE, terminal_id: 'conf-payload', cashier_id: 'emp-17', currency: 'USD', kind: 'drop', amount: 5000, reason: 'Safe drop', moved_at: T0 } },
    { name: 'no sale', type: 'drawer.no_sale', payload: { no_sale_id: uuid(0x0501, 1), shift_id: uuid(0x5f17, 1), store_id: CONFORMANCE_STORE, terminal_id: 'conf-payload', cashier_id: 'emp-17', reason: 'Change for a note', opened_at: T0 } },
    { name: 'shift closed (core example)', type: 'shift.closed', payload: { ...clone(EXAMPLE_SHIFT_CLOSED), store_id: CONFORMANCE_STORE, terminal_id: 'conf-payload' } },
  ];
  const out: PayloadVector[] = valid.map((v) => ({ ...v, valid: true, json_schema_valid: ajvValid(v.type, v.payload) }));
  for (const m of INVALID) {
    const type = m.type ?? 'sale.completed';
    const p = (m.base ? m.base() : SALE()) as Payload & SaleCompletedPayload;
    m.mutate(p);
    out.push({ name: m.name, type, payload: p, valid: false, code: 'INVALID_PAYLOAD', rule: m.rule, json_schema_valid: ajvValid(type, p) });
  }
  out.push({ name: 'unknown event type', type: 'sale.teleported', payload: SALE(), valid: false, code: 'INVALID_PAYLOAD', rule: 'type', json_schema_valid: false });
  return out;
}

// ---- events and hashing -----------------------------------------------------------------

export function body(terminal: string, seq: number, type: string, payload: unknown, eventN = seq): JournalEventBody {
  return {
    version: JOURNAL_SCHEMA_VERSION,
    terminal_id: terminal,
    store_id: CONFORMANCE_STORE,
    seq,
    event_id: uuid(0xe7e0, termBase(terminal) + eventN),
    type,
    occurred_at: T0,
    payload: payload as Record<string, unknown>,
  };
}

function seal(prev: string, b: JournalEventBody): JournalEvent {
  return { ...b, prev_hash: prev, hash: hashEvent(prev, b) };
}

/** A valid chain of `terminal`: shift opened, a sale, its refund. */
function chain(terminal: string): JournalEvent[] {
  const s = sale(terminal, 1);
  const events: JournalEvent[] = [];
  let prev = GENESIS_HASH;
  for (const [type, payload] of [
    ['shift.opened', shiftOpened(terminal)],
    ['sale.completed', s],
    ['sale.refunded', refund(terminal, s.sale_id)],
  ] as const) {
    const e = seal(prev, body(terminal, events.length + 1, type, payload));
    events.push(e);
    prev = e.hash;
  }
  return events;
}

function hashVectors() {
  const events = chain('conf-hash');
  return {
    description:
      'hash = lowercase hex SHA-256 of the UTF-8 bytes of prev_hash + "\\n" + canonical(body), body = the eight envelope members (version, terminal_id, store_id, seq, event_id, type, occurred_at, payload). Genesis prev_hash is 64 zeros.',
    genesis_hash: GENESIS_HASH,
    events: events.map((e) => {
      const b: JournalEventBody = { version: e.version, terminal_id: e.terminal_id, store_id: e.store_id, seq: e.seq, event_id: e.event_id, type: e.type, occurred_at: e.occurred_at, payload: e.payload };
      const input = `${e.prev_hash}\n${canonicalJson(b)}`;
      return { event: e, canonical_body: canonicalJson(b), hash_input: input, hash_input_utf8_bytes: Buffer.byteLength(input, 'utf8'), hash: e.hash };
    }),
  };
}

function canonicalVectors() {
  const cases: Array<{ name: string; value: unknown; canonical: string }> = [];
  const add = (name: string, value: unknown) => cases.push({ name, value, canonical: canonicalJson(value) });
  add('keys sorted, no whitespace', { b: 1, a: [true, false, null], c: { z: 'x', y: '' } });
  add('keys sorted by UTF-16 code units (uppercase before lowercase, "é" U+00E9 after "z", "😀" U+1F600 (surrogates D83D DE00) before "ｚ" U+FF5A)', { z: 1, Z: 2, é: 3, ｚ: 4, '😀': 5, a10: 6, a2: 7 });
  add('non-ASCII written as itself (UTF-8 in the hash input), not as \\u escapes', { description: 'Käse 🧾 東京' });
  add('escapes as JSON.stringify: quote, backslash, \\b \\f \\n \\r \\t, other controls as \\u00XX lowercase; "/" and U+2028 not escaped', { s: '"\\\b\f\n\r\t\u0001\u001f/\u2028' });
  add('integers only; -0 written 0', { n: [0, -0, -1, 9007199254740991, -9007199254740991] });
  add('nested objects and arrays keep array order', { a: [{ d: 1, c: 2 }, [3, { f: 4, e: 5 }]] });
  add('an empty object and array', { o: {}, l: [] });
  return {
    description: 'canonical(value) for the hash input. `value` is given as JSON; implementations must produce exactly `canonical`.',
    cases,
    refused: [
      { name: 'a fraction', json: '{"amount":3.49}' },
      { name: 'an integer beyond ±(2^53 − 1)', json: '{"amount":9007199254740992}' },
      { name: 'an exponent that is not an integer', json: '{"amount":1e-3}' },
    ].map((r) => ({ ...r, reason: 'only safe integers may be hashed: the event is refused (the reference register cannot create it; the hub answers BAD_REQUEST or HASH_MISMATCH)' })),
  };
}

// ---- hub scenarios ----------------------------------------------------------------------

interface Step {
  /** What the runner sends: a push of events (after hello) or a raw message. */
  push?: JournalEvent[] | Array<Record<string, unknown>>;
  message?: { name: string; request: unknown; pad?: { member: string; length: number } };
  connect?: { token: 'valid' | 'invalid' };
  expect: { ack?: { applied_through: number; rejected: Array<{ seq: number; code: string }> }; error?: string; connect_error_prefix?: string };
}

interface Scenario {
  name: string;
  /** The terminal to enroll in store conf-store (fresh: nothing applied yet). */
  terminal: string;
  covers: string[];
  steps: Step[];
}

function scenarios(): Scenario[] {
  const out: Scenario[] = [];
  const t = (n: string) => `conf-${n}`;

  {
    const term = t('ok');
    const ev = chain(term);
    out.push({ name: 'a valid chain is applied; a resend has no effect', terminal: term, covers: [], steps: [
      { push: ev, expect: { ack: { applied_through: 3, rejected: [] } } },
      { push: ev.slice(1), expect: { ack: { applied_through: 3, rejected: [] } } },
    ] });
  }
  {
    const term = t('payload');
    const bad = sale(term, 1);
    bad.lines[0]!.gross = 699;
    const e1 = seal(GENESIS_HASH, body(term, 1, 'sale.completed', bad));
    const e2 = seal(e1.hash, body(term, 2, 'shift.opened', shiftOpened(term)));
    out.push({ name: 'INVALID_PAYLOAD: rejected permanently, the event behind it is applied', terminal: term, covers: ['INVALID_PAYLOAD'], steps: [
      { push: [e1, e2], expect: { ack: { applied_through: 2, rejected: [{ seq: 1, code: 'INVALID_PAYLOAD' }] } } },
    ] });
  }
  {
    const term = t('hash');
    const e1 = seal(GENESIS_HASH, body(term, 1, 'shift.opened', shiftOpened(term)));
    const tampered = { ...e1, payload: { ...e1.payload, opening_float: 20000 } };
    out.push({ name: 'HASH_MISMATCH: content changed after hashing', terminal: term, covers: ['HASH_MISMATCH'], steps: [
      { push: [tampered], expect: { ack: { applied_through: 1, rejected: [{ seq: 1, code: 'HASH_MISMATCH' }] } } },
    ] });
  }
  {
    const term = t('member');
    const b = { ...body(term, 1, 'shift.opened', shiftOpened(term)), note: 'x' };
    // The sender hashed its extra member too: without the rule this would surface as HASH_MISMATCH.
    const ordered = { ...b, prev_hash: GENESIS_HASH, hash: sha256Hex(`${GENESIS_HASH}\n${canonicalJson(b)}`) };
    out.push({ name: 'UNKNOWN_MEMBER: a top-level member outside the envelope', terminal: term, covers: ['UNKNOWN_MEMBER'], steps: [
      { push: [ordered], expect: { ack: { applied_through: 1, rejected: [{ seq: 1, code: 'UNKNOWN_MEMBER' }] } } },
    ] });
  }
  {
    const term = t('chain');
    const e1 = seal(GENESIS_HASH, body(term, 1, 'shift.opened', shiftOpened(term)));
    const e2 = seal('f'.repeat(64), body(term, 2, 'drawer.no_sale', { no_sale_id: uuid(0x0501, 2), shift_id: shiftId(term), store_id: CONFORMANCE_STORE, terminal_id: term, cashier_id: 'emp-17', opened_at: T0 }));
    out.push({ name: 'CHAIN_BROKEN: prev_hash does not link to the previous event', terminal: term, covers: ['CHAIN_BROKEN'], steps: [
      { push: [e1, e2], expect: { ack: { applied_through: 2, rejected: [{ seq: 2, code: 'CHAIN_BROKEN' }] } } },
    ] });
  }
  {
    const term = t('dup');
    const e1 = seal(GENESIS_HASH, body(term, 1, 'shift.opened', shiftOpened(term)));
    const e2 = seal(e1.hash, { ...body(term, 2, 'drawer.no_sale', { no_sale_id: uuid(0x0501, 3), shift_id: shiftId(term), store_id: CONFORMANCE_STORE, terminal_id: term, cashier_id: 'emp-17', opened_at: T0 }), event_id: e1.event_id });
    const changed = seal(GENESIS_HASH, { ...body(term, 1, 'shift.opened', { ...shiftOpened(term), opening_float: 5000 }), event_id: e1.event_id });
    out.push({ name: 'DUPLICATE_EVENT_ID_DIFFERENT_HASH: an event_id used twice; a resend with other content', terminal: term, covers: ['DUPLICATE_EVENT_ID_DIFFERENT_HASH'], steps: [
      { push: [e1, e2], expect: { ack: { applied_through: 2, rejected: [{ seq: 2, code: 'DUPLICATE_EVENT_ID_DIFFERENT_HASH' }] } } },
      { push: [changed], expect: { ack: { applied_through: 2, rejected: [{ seq: 1, code: 'DUPLICATE_EVENT_ID_DIFFERENT_HASH' }] } } },
    ] });
  }
  {
    const term = t('posting');
    const s = sale(term, 1);
    s.terminal_id = 'conf-elsewhere';
    const e1 = seal(GENESIS_HASH, body(term, 1, 'sale.completed', s));
    out.push({ name: 'POSTING_FAILED: a valid payload the ledger cannot post (payload terminal differs from the envelope)', terminal: term, covers: ['POSTING_FAILED'], steps: [
      { push: [e1], expect: { ack: { applied_through: 1, rejected: [{ seq: 1, code: 'POSTING_FAILED' }] } } },
    ] });
  }
  {
    const term = t('gap');
    const ev = chain(term);
    out.push({ name: 'a gap stops the batch: nothing after it is applied, the ack says where to resume', terminal: term, covers: [], steps: [
      { push: [ev[0]!, ev[2]!], expect: { ack: { applied_through: 1, rejected: [] } } },
      { push: [ev[1]!, ev[2]!], expect: { ack: { applied_through: 3, rejected: [] } } },
    ] });
  }
  {
    const term = t('forbidden');
    const other = seal(GENESIS_HASH, body('conf-other', 1, 'shift.opened', shiftOpened('conf-other')));
    out.push({ name: 'FORBIDDEN: an event or hello for another terminal; the whole message is refused', terminal: term, covers: ['FORBIDDEN'], steps: [
      { message: { name: 'hello', request: { protocol: PROTOCOL_VERSION, terminal_id: 'conf-other', app_version: 'conformance', change_cursor: 0 } }, expect: { error: 'FORBIDDEN' } },
      { message: { name: 'events.push', request: { terminal_id: term, events: [other] } }, expect: { error: 'FORBIDDEN' } },
    ] });
  }
  {
    const term = t('bad');
    out.push({ name: 'BAD_REQUEST and TOO_LARGE: malformed or oversized messages change nothing', terminal: term, covers: ['BAD_REQUEST', 'TOO_LARGE'], steps: [
      { message: { name: 'events.push', request: { terminal_id: term, events: [] } }, expect: { error: 'BAD_REQUEST' } },
      { message: { name: 'changes.pull', request: { after_cursor: 0, limit: 1001 } }, expect: { error: 'BAD_REQUEST' } },
      { message: { name: 'hello', request: { protocol: PROTOCOL_VERSION, terminal_id: term, app_version: '', change_cursor: 0 }, pad: { member: 'app_version', length: MAX_MESSAGE_BYTES } }, expect: { error: 'TOO_LARGE' } },
    ] });
  }
  {
    const term = t('content');
    const e = (seq: number, type: string, payload: unknown, patch: Partial<JournalEventBody> = {}) => ({ ...body(term, seq, type, payload), ...patch });
    const upper = e(1, 'shift.opened', shiftOpened(term));
    upper.event_id = upper.event_id.toUpperCase();
    const e1 = seal(GENESIS_HASH, upper);
    const ctl = sale(term, 2);
    ctl.lines[0]!.description = 'Milk\u0007';
    const e2 = seal(e1.hash, e(2, 'sale.completed', ctl));
    const pan = sale(term, 3);
    pan.lines[1]!.discounts[0]!.reason = 'paid with 4111 1111 1111 1111';
    const e3 = seal(e2.hash, e(3, 'sale.completed', pan));
    // A fraction cannot be hashed at all: its `hash` is a placeholder, and the next event links to it.
    const e4 = { ...e(4, 'shift.opened', { ...shiftOpened(term), opening_float: 0.5 }), prev_hash: e3.hash, hash: sha256Hex('unhashable') };
    const e5 = seal(e4.hash, e(5, 'drawer.no_sale', { no_sale_id: uuid(0x0501, termBase(term) + 5), shift_id: shiftId(term), store_id: CONFORMANCE_STORE, terminal_id: term, cashier_id: 'emp-17', opened_at: T0 }));
    out.push({ name: 'content rules: NON_CANONICAL_ID, BAD_TEXT, CARD_NUMBER, UNHASHABLE, each for good; the event behind them is applied', terminal: term, covers: ['NON_CANONICAL_ID', 'BAD_TEXT', 'CARD_NUMBER', 'UNHASHABLE'], steps: [
      { push: [e1, e2, e3, e4, e5], expect: { ack: { applied_through: 5, rejected: [{ seq: 1, code: 'NON_CANONICAL_ID' }, { seq: 2, code: 'BAD_TEXT' }, { seq: 3, code: 'CARD_NUMBER' }, { seq: 4, code: 'UNHASHABLE' }] } } },
    ] });
  }
  {
    const term = t('stored');
    const eur = { ...clone(EXAMPLE_SALE_INCLUSIVE), sale_id: uuid(0x5a1e, termBase(term) + 9), store_id: CONFORMANCE_STORE, terminal_id: term, shift_id: shiftId(term) };
    const s1 = sale(term, 1);
    const chainOf = (list: Array<[string, unknown]>) => {
      const evs: JournalEvent[] = [];
      let prev = GENESIS_HASH;
      for (const [type, payload] of list) {
        const ev = seal(prev, body(term, evs.length + 1, type, payload));
        evs.push(ev);
        prev = ev.hash;
      }
      return evs;
    };
    const altered = { ...clone(s1), cashier_id: 'emp-99' };
    const evs = chainOf([
      ['sale.completed', eur],
      ['sale.post_voided', postVoid(term, sale(term, 7), 1)],
      ['sale.completed', s1],
      ['sale.post_voided', postVoid(term, altered, 2)],
      ['sale.post_voided', postVoid(term, s1, 3)],
      ['sale.post_voided', postVoid(term, s1, 4)],
    ]);
    out.push({ name: 'checks against what the hub stored: CURRENCY_MISMATCH, ORIGINAL_NOT_FOUND, ORIGINAL_MISMATCH, ALREADY_REVERSED', terminal: term, covers: ['CURRENCY_MISMATCH', 'ORIGINAL_NOT_FOUND', 'ORIGINAL_MISMATCH', 'ALREADY_REVERSED'], steps: [
      { push: evs, expect: { ack: { applied_through: 6, rejected: [{ seq: 1, code: 'CURRENCY_MISMATCH' }, { seq: 2, code: 'ORIGINAL_NOT_FOUND' }, { seq: 4, code: 'ORIGINAL_MISMATCH' }, { seq: 6, code: 'ALREADY_REVERSED' }] } } },
    ] });
  }
  out.push({ name: 'UNAUTHORIZED: an unknown token fails the connection', terminal: t('unauth'), covers: ['UNAUTHORIZED'], steps: [{ connect: { token: 'invalid' }, expect: { connect_error_prefix: 'UNAUTHORIZED' } }] });
  return out;
}

/** Codes no input can cause: they depend on the hub's state. Listed so the kit names every code. */
const CONDITIONS = [
  { code: 'UNAVAILABLE', when: 'the hub is shutting down or its database is unreachable; reconnect (possibly to another hub process) and resend from the marks' },
  { code: 'INTERNAL', when: 'a fault in the hub itself; nothing was committed; retry the session later' },
  { code: 'BUSY', when: 'too many pushes in flight for this terminal or this hub process, or (at its turn) a batch sent behind another gave its place up to other registers that were refused one; nothing of the batch was applied. For a push sent behind another still unanswered: read the acks in order, then go on from the mark with one push in flight (ending the session is also correct, only slower); otherwise end the session and retry with backoff (4.2)' },
  { code: 'CONFLICT', when: 'only to totals.report: the hub holds another event at through_seq than head_hash says (a diverged chain); the scenarios send no totals' },
  { code: 'BAD_SIGNATURE', when: 'only for a credential enrolled with a device key (or a store that requires one): the events.push carries no signature, or one that does not match the batch or verify with that key (docs/sync-protocol.md 4.2a); the scenarios enroll without a key' },
];

// ---- files ------------------------------------------------------------------------------

export interface VectorFile {
  path: string;
  content: unknown;
}

export function conformanceFiles(): VectorFile[] {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats.default(ajv);
  const schemas = publishedSchemaFiles().filter((f) => !f.path.endsWith('index.json'));
  for (const f of schemas) ajv.addSchema(f.schema);
  const ajvValid = (type: string, p: unknown): boolean => {
    const v = ajv.getSchema(`https://tillstream.invalid/schemas/v${PROTOCOL_VERSION}/events/${type}.json`);
    return v ? (v(p) as boolean) : false;
  };
  const payloads = payloadVectors(ajvValid);
  // The vectors must say what core says: refuse to write a kit that contradicts itself.
  for (const v of payloads) {
    const ok = parseEventPayload(v.type, v.payload).ok;
    if (ok !== v.valid) throw new Error(`payload vector "${v.name}": core says ${ok ? 'valid' : 'invalid'}, the vector says ${v.valid ? 'valid' : 'invalid'}`);
  }
  const version = { protocol_version: PROTOCOL_VERSION, journal_schema_version: JOURNAL_SCHEMA_VERSION };
  return [
    { path: 'canonical-json.json', content: { ...version, ...canonicalVectors() } },
    { path: 'hash-chain.json', content: { ...version, ...hashVectors() } },
    { path: 'payloads.json', content: { ...version, description: 'Event payloads with the verdict the hub gives (valid = applied; else the rejection code). json_schema_valid: what the published schema says; where it says true for an invalid payload, the rule is one of the prose rules of docs/sync-protocol.md.', payloads } },
    {
      path: 'hub.json',
      content: {
        ...version,
        description: 'Scenarios against a running hub with an empty database: create store conf-store, enroll each scenario\'s terminal, connect, hello, then run the steps in order. Compare only the codes (reasons are free text).',
        store: { store_id: CONFORMANCE_STORE, name: 'Conformance store', currency: 'USD' },
        error_codes: [...protocolErrorSchema.shape.code.options],
        rejection_codes: [...rejectedEventSchema.shape.code.options],
        scenarios: scenarios(),
        conditions: CONDITIONS,
      },
    },
  ];
}

export const VECTORS_DIR = 'conformance/vectors';

export function vectorFileText(f: VectorFile): string {
  return `${JSON.stringify(f.content, null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  mkdirSync(VECTORS_DIR, { recursive: true });
  const files = conformanceFiles();
  for (const f of files) writeFileSync(path.join(VECTORS_DIR, f.path), vectorFileText(f));
  process.stdout.write(`wrote ${files.length} vector files under ${VECTORS_DIR}/\n`);
}
