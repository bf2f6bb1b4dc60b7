import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { conformanceFiles, VECTORS_DIR, vectorFileText } from '../../tools/conformance';
import { canonicalJson, CanonicalJsonError, GENESIS_HASH, hashEvent, journalEventSchema, protocolErrorSchema, rejectedEventSchema, sha256Hex, verifyChain, type JournalEvent } from '../../src/core/protocol';
import { parseEventPayload } from '../../src/core/events';

// The conformance kit (conformance/) against core: the committed vectors are what the
// generator writes (npm run conformance), core reproduces every canonical text, hash and
// payload verdict, and the kit covers every code docs/sync-protocol.md lists. The same
// vectors run against a real hub in outsider.test.ts.

const read = (name: string) => JSON.parse(readFileSync(path.join(VECTORS_DIR, name), 'utf8'));

describe('conformance vectors', () => {
  it('are current (npm run conformance)', () => {
    for (const f of conformanceFiles()) {
      const p = path.join(VECTORS_DIR, f.path);
      expect(existsSync(p) ? readFileSync(p, 'utf8') === vectorFileText(f) : false, `${p} is stale: npm run conformance`).toBe(true);
    }
  });

  it('canonical JSON: core writes exactly the canonical text and refuses non-integers', () => {
    const v = read('canonical-json.json');
    for (const c of v.cases) expect(canonicalJson(c.value), c.name).toBe(c.canonical);
    for (const r of v.refused) expect(() => canonicalJson(JSON.parse(r.json)), r.name).toThrow(CanonicalJsonError);
  });

  it('hash chain: core reproduces every hash input and hash, and the chain verifies', () => {
    const v = read('hash-chain.json');
    expect(v.genesis_hash).toBe(GENESIS_HASH);
    const events: JournalEvent[] = [];
    for (const x of v.events) {
      const e = journalEventSchema.parse(x.event);
      const { prev_hash: _p, hash: _h, ...body } = e;
      expect(canonicalJson(body)).toBe(x.canonical_body);
      expect(`${e.prev_hash}\n${x.canonical_body}`).toBe(x.hash_input);
      expect(Buffer.byteLength(x.hash_input, 'utf8')).toBe(x.hash_input_utf8_bytes);
      expect(sha256Hex(x.hash_input)).toBe(x.hash);
      expect(hashEvent(e.prev_hash, body)).toBe(x.hash);
      events.push(e);
    }
    expect(verifyChain(events)).toBeNull();
  });

  it('payloads: core gives every verdict the vectors state', () => {
    const v = read('payloads.json');
    for (const p of v.payloads) {
      const r = parseEventPayload(p.type, p.payload);
      expect(r.ok, `${p.name}: ${r.ok ? '' : r.error}`).toBe(p.valid);
    }
  });

  it('cover every code docs/sync-protocol.md lists, and the docs list every code of the schemas', () => {
    const docs = readFileSync('docs/sync-protocol.md', 'utf8');
    // The code tables (error codes in section 4, rejection codes in 4.2), each between
    // <!-- codes:start … --> and <!-- codes:end -->: rows of the form | `CODE` | … |
    const sections = [...docs.matchAll(/<!-- codes:start[^>]*-->([\s\S]*?)<!-- codes:end -->/g)].map((m) => m[1]!);
    expect(sections.length, 'docs/sync-protocol.md marks its code tables with <!-- codes:start --> … <!-- codes:end -->').toBeGreaterThanOrEqual(2);
    const documented = sections.flatMap((t) => [...t.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]!));
    const codes = new Set([...protocolErrorSchema.shape.code.options, ...rejectedEventSchema.shape.code.options]);
    expect(new Set(documented)).toEqual(codes);
    const hub = read('hub.json');
    const covered = new Set<string>([...hub.scenarios.flatMap((s: { covers: string[] }) => s.covers), ...hub.conditions.map((c: { code: string }) => c.code)]);
    const payloadCodes = new Set(read('payloads.json').payloads.filter((p: { valid: boolean }) => !p.valid).map((p: { code: string }) => p.code));
    for (const c of payloadCodes) covered.add(c as string);
    expect([...codes].filter((c) => !covered.has(c)), 'codes without a vector').toEqual([]);
    // And every scenario's expectations name only documented codes.
    for (const s of hub.scenarios) {
      for (const step of s.steps) {
        for (const r of step.expect.ack?.rejected ?? []) expect(codes.has(r.code)).toBe(true);
        if (step.expect.error) expect(codes.has(step.expect.error)).toBe(true);
      }
    }
  });
});
