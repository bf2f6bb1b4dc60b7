import { z } from 'zod';
import { EVENT_TYPES } from '../events/registry';
import { taxTableSchema } from '../tax/tax';
import {
  JOURNAL_SCHEMA_VERSION,
  PROTOCOL_MESSAGES,
  PROTOCOL_VERSION,
  MSG,
  errorAck,
  journalEventSchema,
  journalEventWireSchema,
  rejectedEventSchema,
  protocolErrorSchema,
  textRule,
  SAFE_TEXT_PATTERN,
} from '../protocol';

// The published JSON Schemas of the sync protocol (docs/schemas/v<PROTOCOL_VERSION>/ and
// GET /api/schemas/… on the hub), generated from the zod schemas so they are never written
// twice. Everything is derived from core's registries (PROTOCOL_MESSAGES, EVENT_TYPES): a
// new message or event type is published by the next `npm run schemas`.
//
// JSON Schema cannot express every zod rule. The generator handles each kind explicitly:
// - the string rule (`textRule`, core/protocol/text.ts) becomes SAFE_TEXT_PATTERN;
// - any other refinement (the sale arithmetic, cross-field rules) must carry a description
//   (`.describe(…)`) that names the rule and where docs/sync-protocol.md states it; the
//   generator refuses a refinement without one, so no rule is published silently missing.

export const SCHEMA_BASE_URI = 'https://tillstream.invalid/schemas';
const DRAFT = 'https://json-schema.org/draft/2020-12/schema';

export type JsonSchema = Record<string, unknown>;

export interface SchemaFile {
  /** Path under docs/schemas/, e.g. "v1/events/sale.completed.json". */
  path: string;
  schema: JsonSchema;
}

export class UndescribedRefinementError extends Error {}

interface CheckLike {
  _zod: { def: { check: string } };
}

/** Converts one zod schema, applying the rules above. */
export function toPublishedSchema(schema: z.ZodType, id: string, title: string): JsonSchema {
  // The generator visits a described schema and the schema it was described from separately,
  // so refinements are judged per path over all visits.
  const refinedAt = new Map<string, boolean>();
  const json = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'throw',
    override(ctx) {
      const zs = ctx.zodSchema as unknown as z.ZodType;
      const checks = ((ctx.zodSchema._zod.def as { checks?: CheckLike[] }).checks ?? []).filter((c) => c._zod.def.check === 'custom');
      const js = ctx.jsonSchema as JsonSchema;
      if (zs === (journalEventWireSchema as unknown as z.ZodType)) js.additionalProperties = false;
      if (checks.length === 0) return;
      const key = ctx.path.join('/');
      let described = refinedAt.get(key) ?? false;
      for (const c of checks) {
        if (c === (textRule as unknown as CheckLike)) {
          addPattern(js, SAFE_TEXT_PATTERN);
        } else if (typeof js.description === 'string' && js.description.length > 0) {
          described = true;
        }
      }
      if (checks.some((c) => c !== (textRule as unknown as CheckLike))) refinedAt.set(key, described);
    },
  }) as JsonSchema;
  const undescribed = [...refinedAt].filter(([, ok]) => !ok).map(([p]) => `/${p}`);
  if (undescribed.length) {
    throw new UndescribedRefinementError(
      `${id}: refinement${undescribed.length > 1 ? 's' : ''} at ${undescribed.join(', ')} cannot be expressed in JSON Schema; ` +
        'give the refined zod schema a .describe() that states the rule and points to docs/sync-protocol.md',
    );
  }
  return { $schema: DRAFT, $id: `${SCHEMA_BASE_URI}/${id}`, title, ...stripDraft(json) };
}

function stripDraft(j: JsonSchema): JsonSchema {
  const { $schema: _drop, ...rest } = j;
  return rest;
}

function addPattern(js: JsonSchema, pattern: string): void {
  if (js.pattern === pattern) return;
  const all = Array.isArray(js.allOf) ? (js.allOf as JsonSchema[]) : [];
  if (all.some((s) => s.pattern === pattern)) return;
  if (js.pattern === undefined && all.length === 0) {
    js.pattern = pattern;
    return;
  }
  if (js.pattern !== undefined) {
    all.push({ pattern: js.pattern });
    delete js.pattern;
  }
  all.push({ pattern });
  js.allOf = all;
}

const messageFileName = (name: string, part: 'request' | 'ack' | 'payload') => `${name}.${part}.json`;

/** Every published schema file, in a stable order. */
export function publishedSchemaFiles(): SchemaFile[] {
  const v = `v${PROTOCOL_VERSION}`;
  const files: SchemaFile[] = [];
  const add = (rel: string, schema: z.ZodType, title: string) => files.push({ path: `${v}/${rel}`, schema: toPublishedSchema(schema, `${v}/${rel}`, title) });

  add('journal-event.json', journalEventSchema, `Journal event envelope (version ${JOURNAL_SCHEMA_VERSION})`);
  add('messages/error.ack.json', errorAck, 'Error acknowledgement of any request');
  add('tax-table.json', taxTableSchema.describe('Also checked: each rate code at most once.'), 'The store tax table: snapshot.get ack `tax` and `tax` store changes');
  for (const [key, spec] of Object.entries(PROTOCOL_MESSAGES)) {
    const name = MSG[key as keyof typeof MSG];
    if (spec.kind === 'request') {
      add(`messages/${messageFileName(name, 'request')}`, spec.request, `${name} request (${spec.direction})`);
      add(`messages/${messageFileName(name, 'ack')}`, spec.ack, `${name} acknowledgement`);
    } else {
      add(`messages/${messageFileName(name, 'payload')}`, spec.payload, `${name} (${spec.direction}, no acknowledgement)`);
    }
  }
  for (const [type, schema] of Object.entries(EVENT_TYPES)) add(`events/${type}.json`, schema as z.ZodType, `${type} payload`);
  files.push({ path: `${v}/index.json`, schema: schemaIndex() });
  return files;
}

/** The table of contents: which file holds which message and event type, and the code lists. */
export function schemaIndex(): JsonSchema {
  const messages: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(PROTOCOL_MESSAGES)) {
    const name = MSG[key as keyof typeof MSG];
    messages[name] =
      spec.kind === 'request'
        ? { direction: spec.direction, summary: spec.summary, request: `messages/${messageFileName(name, 'request')}`, ack: `messages/${messageFileName(name, 'ack')}`, error_ack: 'messages/error.ack.json' }
        : { direction: spec.direction, summary: spec.summary, payload: `messages/${messageFileName(name, 'payload')}` };
  }
  const events: Record<string, string> = {};
  for (const type of Object.keys(EVENT_TYPES)) events[type] = `events/${type}.json`;
  return {
    protocol_version: PROTOCOL_VERSION,
    journal_schema_version: JOURNAL_SCHEMA_VERSION,
    generated_from: 'src/core (zod) by `npm run schemas`; do not edit by hand',
    journal_event: 'journal-event.json',
    tax_table: 'tax-table.json',
    messages,
    events,
    error_codes: [...protocolErrorSchema.shape.code.options],
    rejection_codes: [...rejectedEventSchema.shape.code.options],
  };
}

/** The JSON text a published file holds (2-space indented, trailing newline). */
export function schemaFileText(f: SchemaFile): string {
  return `${JSON.stringify(f.schema, null, 2)}\n`;
}
