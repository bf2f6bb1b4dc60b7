import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson, CanonicalJsonError } from './canonical-json';
import { GENESIS_HASH, sealEvent, verifyChain, type JournalEvent, type JournalEventBody } from './journal-event';
import { sha256, sha256Hex } from './sha256';

const nodeHex = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

describe('sha256', () => {
  it('matches the FIPS 180-4 examples', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it('property: equals node:crypto on random bytes, every length around the block boundaries', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => {
        expect(Buffer.from(sha256(bytes)).toString('hex')).toBe(nodeHex(bytes));
      }),
      { numRuns: 1000 },
    );
    for (let n = 50; n <= 130; n++) {
      const b = new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff);
      expect(Buffer.from(sha256(b)).toString('hex')).toBe(nodeHex(b));
    }
  });

  it('property: equals node:crypto on unicode text (UTF-8)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (s) => {
        expect(sha256Hex(s)).toBe(nodeHex(Buffer.from(s, 'utf8')));
      }),
      { numRuns: 500 },
    );
  }, 60_000);
});

// JSON values canonicalJson accepts: integers only as numbers.
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 8 }), tie('value'), { maxKeys: 6 }),
  ),
})).value;

function shuffleKeys(v: unknown, rnd: () => number): unknown {
  if (Array.isArray(v)) return v.map((x) => shuffleKeys(x, rnd));
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    for (let i = entries.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [entries[i], entries[j]] = [entries[j]!, entries[i]!];
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of entries) out[k] = shuffleKeys(x, rnd);
    return out;
  }
  return v;
}

describe('canonicalJson', () => {
  it('property: independent of key order, and parses back to the same value', () => {
    fc.assert(
      fc.property(jsonValue, fc.integer(), (v, seed) => {
        let x = seed >>> 0 || 1;
        const rnd = (): number => ((x = (x * 1103515245 + 12345) >>> 0), x / 2 ** 32);
        const a = canonicalJson(v);
        expect(canonicalJson(shuffleKeys(v, rnd))).toBe(a);
        expect(JSON.parse(a)).toEqual(v);
        expect(a).not.toMatch(/\n/);
      }),
      { numRuns: 1000 },
    );
  }, 60_000);

  it('sorts keys by UTF-16 code units and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], B: { d: undefined, c: -0 } })).toBe('{"B":{"c":0},"a":[true,null,"x"],"b":1}');
    expect(canonicalJson({ 'é': 1, z: 2, '\u{1F600}': 3 })).toBe('{"z":2,"é":1,"\u{1F600}":3}');
  });

  it('refuses floats, NaN, bigint, functions, class instances and deep nesting', () => {
    expect(() => canonicalJson({ amount: 1.5 })).toThrow(/\$\.amount: only safe integers/);
    expect(() => canonicalJson([Number.NaN])).toThrow(CanonicalJsonError);
    expect(() => canonicalJson(2 ** 60)).toThrow(CanonicalJsonError);
    expect(() => canonicalJson(1n)).toThrow(CanonicalJsonError);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(CanonicalJsonError);
    expect(() => canonicalJson(new Date(0))).toThrow(/not a plain object/);
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(/deeper/);
  });
});

function chain(n: number, payloads: Array<Record<string, unknown>>): JournalEvent[] {
  const out: JournalEvent[] = [];
  let prev = GENESIS_HASH;
  for (let i = 0; i < n; i++) {
    const body: JournalEventBody = {
      version: 1,
      terminal_id: 'store-001-t1',
      store_id: 'store-001',
      seq: i + 1,
      event_id: randomUUID(),
      type: 'sale.completed',
      occurred_at: new Date(Date.UTC(2026, 10, 23, 2, 0, i)).toISOString(),
      payload: payloads[i % payloads.length] ?? {},
    };
    const e = sealEvent(prev, body);
    out.push(e);
    prev = e.hash;
  }
  return out;
}

const FIELDS = ['version', 'terminal_id', 'store_id', 'seq', 'event_id', 'type', 'occurred_at', 'payload', 'prev_hash', 'hash'] as const;

function tamper(e: JournalEvent, field: (typeof FIELDS)[number]): JournalEvent {
  const t = structuredClone(e) as unknown as Record<string, unknown>;
  const v = t[field];
  if (typeof v === 'number') t[field] = v + 1;
  else if (typeof v === 'string') {
    // flip one character while keeping the field well-formed where it matters (hex stays hex)
    const last = v[v.length - 1]!;
    t[field] = v.slice(0, -1) + (last === '0' ? '1' : last === 'Z' ? 'Y' : '0');
  } else t[field] = { ...(v as object), tampered: 1 };
  return t as unknown as JournalEvent;
}

describe('verifyChain', () => {
  const payload = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.oneof(fc.maxSafeInteger(), fc.string({ maxLength: 8 }), fc.boolean()), { maxKeys: 5 });

  it('accepts an intact chain and a run that continues from a known event', () => {
    const c = chain(10, [{ total: 100 }]);
    expect(verifyChain(c)).toBeNull();
    expect(verifyChain(c.slice(4), { seq: c[3]!.seq, hash: c[3]!.hash })).toBeNull();
    expect(verifyChain(c.slice(4))).toMatchObject({ kind: 'gap', expected_seq: 1 });
  });

  it('property: any single-field tamper of any event is detected', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(payload, { minLength: 1, maxLength: 4 }), fc.nat(), fc.constantFrom(...FIELDS), (n, payloads, at, field) => {
        const c = chain(n, payloads);
        const i = at % n;
        const bad = [...c];
        bad[i] = tamper(c[i]!, field);
        const r = verifyChain(bad);
        expect(r, `${field} of event ${i + 1}`).not.toBeNull();
        expect(r!.seq).toBeLessThanOrEqual(i + 2);
        // dropping an event other than the last is a gap too (cutting the tail is only visible
        // against the hub's high-water mark, not in the chain itself)
        if (i < n - 1) {
          expect(verifyChain([...c.slice(0, i), ...c.slice(i + 1)])).not.toBeNull();
        }
      }),
      { numRuns: 500 },
    );
  }, 60_000);
});
