import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';
import { hashEvent, hashEventWithPayloadText, GENESIS_HASH } from './journal-event';
import { sha256Hex, sha256HexPortable, useNativeSha256Hex } from './sha256';

// The register and the hub hash the journal chain with node:crypto (useNativeSha256Hex); the
// browser and anything else with core's TypeScript. Both must give the same hash for every
// text, or a chain sealed on one would not verify on the other.
const nodeHex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

// Payloads as the journal takes them: canonical JSON hashes integers only (money in minor units).
const leaf = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.maxSafeInteger(), fc.boolean(), fc.constant(null));
const payloadArb = fc.dictionary(fc.string({ unit: 'binary', maxLength: 12 }), fc.oneof(leaf, fc.array(leaf, { maxLength: 5 }), fc.dictionary(fc.string({ maxLength: 8 }), leaf, { maxKeys: 4 })), { maxKeys: 8 });

describe('native SHA-256 = core TypeScript SHA-256', () => {
  afterEach(() => useNativeSha256Hex(null));

  it('equal for any text, including astral characters and lone surrogates', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string({ maxLength: 2000 })), (s) => {
        expect(nodeHex(s)).toBe(sha256HexPortable(s));
      }),
      { numRuns: 2000 },
    );
    for (const s of ['\uD800', 'a\uDFFFb', '\uD83D\uDE00', '', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(64)]) expect(nodeHex(s)).toBe(sha256HexPortable(s));
  });

  it('a chain sealed with the native hash verifies with the TypeScript one', () => {
    fc.assert(
      fc.property(payloadArb, fc.string({ unit: 'binary', maxLength: 40 }), (payload, id) => {
        const body = { version: 1 as const, terminal_id: 'T1', store_id: 'S1', seq: 1, event_id: id, type: 'sale.completed', occurred_at: '2026-01-01T00:00:00.000Z', payload };
        useNativeSha256Hex(nodeHex);
        const native = hashEvent(GENESIS_HASH, body);
        expect(sha256Hex(`${GENESIS_HASH}\n${canonicalJson(body)}`)).toBe(native);
        useNativeSha256Hex(null);
        expect(hashEvent(GENESIS_HASH, body)).toBe(native);
      }),
      { numRuns: 500 },
    );
  });

  it('hashing around the payload\'s canonical text (the register\'s append) = hashEvent, for any envelope strings', () => {
    const str = fc.string({ unit: 'binary', maxLength: 40 });
    fc.assert(
      fc.property(payloadArb, str, str, str, str, str, fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (payload, id, t, st, ty, at, seq) => {
        const body = { version: 1 as const, terminal_id: t, store_id: st, seq, event_id: id, type: ty, occurred_at: at, payload };
        const { payload: _, ...envelope } = body;
        expect(hashEventWithPayloadText(GENESIS_HASH, envelope, canonicalJson(payload))).toBe(hashEvent(GENESIS_HASH, body));
      }),
      { numRuns: 1000 },
    );
  });
});
