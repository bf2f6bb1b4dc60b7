import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { publishedSchemaFiles, schemaFileText, toPublishedSchema, UndescribedRefinementError, type SchemaFile } from '../../src/core/schemas';
import { EVENT_TYPES, EXAMPLE_SALE_COMPLETED, EXAMPLE_SALE_REFUNDED, EXAMPLE_SHIFT_CLOSED, saleCompletedShape } from '../../src/core/events';
import { MSG, PROTOCOL_MESSAGES, PROTOCOL_VERSION, safeText } from '../../src/core/protocol';
import * as messages from '../../src/core/protocol/messages';
import { listSchemaFiles } from '../../tools/schemas';

// docs/schemas/ is generated from core's zod schemas. A zod schema changed without
// regenerating fails here. Fix: npm run schemas (and commit docs/schemas/).

const ROOT = 'docs/schemas';

/** Paths whose committed text differs from `files`, plus committed files no longer generated. */
function staleFiles(files: SchemaFile[]): string[] {
  const stale = files.filter((f) => !existsSync(path.join(ROOT, f.path)) || readFileSync(path.join(ROOT, f.path), 'utf8') !== schemaFileText(f)).map((f) => f.path);
  const generated = new Set(files.map((f) => f.path));
  const versionDirs = new Set(files.map((f) => f.path.split('/')[0]));
  const leftover = listSchemaFiles(ROOT).filter((p) => versionDirs.has(p.split('/')[0]) && !generated.has(p));
  return [...stale, ...leftover];
}

describe('published JSON Schemas (docs/schemas)', () => {
  const files = publishedSchemaFiles();

  it('match the zod schemas they are generated from (npm run schemas)', () => {
    expect(staleFiles(files)).toEqual([]);
  });

  it('would fail if a zod schema changed without regenerating', () => {
    const changed = files.map((f) =>
      f.path === `v${PROTOCOL_VERSION}/events/sale.completed.json`
        ? { ...f, schema: toPublishedSchema(saleCompletedShape.extend({ loyalty_id: z.string() }), f.path, 'changed') }
        : f,
    );
    expect(staleFiles(changed)).toEqual([`v${PROTOCOL_VERSION}/events/sale.completed.json`]);
    expect(staleFiles([...files, { path: `v${PROTOCOL_VERSION}/events/new.type.json`, schema: {} }])).toEqual([`v${PROTOCOL_VERSION}/events/new.type.json`]);
  });

  it('cover every socket message and every journal event type of the registries', () => {
    const paths = new Set(files.map((f) => f.path));
    for (const type of Object.keys(EVENT_TYPES)) expect(paths).toContain(`v${PROTOCOL_VERSION}/events/${type}.json`);
    for (const [key, spec] of Object.entries(PROTOCOL_MESSAGES)) {
      const name = MSG[key as keyof typeof MSG];
      const parts = spec.kind === 'request' ? ['request', 'ack'] : ['payload'];
      for (const part of parts) expect(paths).toContain(`v${PROTOCOL_VERSION}/messages/${name}.${part}.json`);
    }
    // Every zod schema messages.ts exports is reachable from the registry (or is a part of one).
    const registered = new Set<unknown>(Object.values(PROTOCOL_MESSAGES).flatMap((s) => (s.kind === 'request' ? [s.request, s.ack] : [s.payload])));
    const parts = ['protocolErrorSchema', 'errorAck', 'rejectedEventSchema', 'rejectionCodeSchema', 'storeChangeSchema', 'storeChangeKindSchema'];
    const unregistered = Object.entries(messages)
      .filter(([name, v]) => v instanceof z.ZodType && !registered.has(v) && !parts.includes(name))
      .map(([name]) => name);
    expect(unregistered, 'add these to PROTOCOL_MESSAGES in src/core/protocol/messages.ts').toEqual([]);
  });

  it('refuse to publish a refinement JSON Schema cannot express unless it is described', () => {
    const undescribed = z.object({ a: z.number(), b: z.number() }).refine((o) => o.a < o.b);
    expect(() => toPublishedSchema(undescribed, 'x.json', 'x')).toThrow(UndescribedRefinementError);
    expect(() => toPublishedSchema(undescribed.describe('a < b (docs)'), 'x.json', 'x')).not.toThrow();
    // The string rule is a refinement too, published as a pattern.
    const s = toPublishedSchema(z.object({ t: safeText().max(9) }), 'y.json', 'y') as { properties: { t: { pattern?: string } } };
    expect(s.properties.t.pattern).toMatch(/uD800/);
  });

  it('compile with a JSON Schema 2020-12 validator and agree with zod on the examples', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats.default(ajv);
    for (const f of files) if (!f.path.endsWith('index.json')) ajv.addSchema(f.schema);
    const validate = (type: string, payload: unknown) => ajv.getSchema(`https://tillstream.invalid/schemas/v${PROTOCOL_VERSION}/events/${type}.json`)!(payload);
    expect(validate('sale.completed', EXAMPLE_SALE_COMPLETED)).toBe(true);
    expect(validate('sale.refunded', EXAMPLE_SALE_REFUNDED)).toBe(true);
    expect(validate('shift.closed', EXAMPLE_SHIFT_CLOSED)).toBe(true);
    // Structure the schema can express: unknown members, unknown currency, zero quantity.
    expect(validate('sale.completed', { ...EXAMPLE_SALE_COMPLETED, loyalty: 1 })).toBe(false);
    expect(validate('sale.completed', { ...EXAMPLE_SALE_COMPLETED, currency: 'XXQ' })).toBe(false);
    const zeroQty = structuredClone(EXAMPLE_SALE_COMPLETED);
    zeroQty.lines[0]!.quantity.units = 0;
    expect(validate('sale.completed', zeroQty)).toBe(false);
    expect(EVENT_TYPES['sale.completed'].safeParse(zeroQty).success).toBe(false);
  });
});
