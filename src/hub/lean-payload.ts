import type { z } from 'zod';
import type { ParsePayloadResult, EventType } from '../core/events';
import { checkSaleArithmetic, checkValueRules, saleCompletedSchema, saleCompletedShape, type SaleCompletedPayload } from '../core/events/sale';

// A sale's payload checked by hand on the hub's common path. zod's object and array machinery
// over each sale of a 500-sale batch was the largest single share of the hub's ingest CPU
// (validate, 11 % of the busy samples). This check accepts only payloads it is sure zod
// accepts, and then returns the payload as given: zod's data for it is a copy equal to it
// (strict objects, no defaults, no transforms). Anything else, and every refusal, goes to zod,
// so what is refused and its message are zod's (lean-payload.test.ts holds the two equal on
// arbitrary and mutated sales).
//
// The predicate is compiled from the schema itself (its zod definition), so it follows the
// schema when it changes; a definition it does not know (a type, a check, a refinement) compiles
// to "not sure", which sends every such payload to zod: slower, never different.

type Pred = (v: unknown) => boolean;
const NOT_SURE: Pred = () => false;

interface CheckDef {
  check?: string;
  format?: string;
  pattern?: RegExp;
  minimum?: number;
  maximum?: number;
  length?: number;
  value?: unknown;
  inclusive?: boolean;
}
interface Def {
  type: string;
  checks?: Array<{ _zod: { def: CheckDef } }>;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  innerType?: z.ZodType;
  values?: unknown[];
  entries?: Record<string, unknown>;
  options?: z.ZodType[];
  discriminator?: string;
}
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/**
 * A plain object as JSON.parse makes it (zod's copies differ on anything else). Arrays are
 * taken as JSON.parse makes them too: elements only (zod's copy of an array would drop a named
 * member; a payload from the wire has none).
 */
const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/** String formats zod checks with their pattern alone. */
const PATTERN_FORMATS = new Set(['regex', 'uuid', 'guid', 'datetime']);

function lengthChecks(checks: CheckDef[]): ((n: number) => boolean)[] | null {
  const out: ((n: number) => boolean)[] = [];
  for (const c of checks) {
    if (c.check === 'min_length' && typeof c.minimum === 'number') {
      const m = c.minimum;
      out.push((n) => n >= m);
    } else if (c.check === 'max_length' && typeof c.maximum === 'number') {
      const m = c.maximum;
      out.push((n) => n <= m);
    } else if (c.check === 'length_equals' && typeof c.length === 'number') {
      const m = c.length;
      out.push((n) => n === m);
    } else return null;
  }
  return out;
}

/** `schema.safeParse(v).success` when true (and zod's data then equals `v`); false: not sure. */
export function compileLean(schema: z.ZodType): Pred {
  const def = defOf(schema);
  const checks = (def.checks ?? []).map((c) => c._zod.def);
  // zod 4's format schemas (z.uuid(), z.email(), z.int(), …) are their own check: the format
  // sits on the schema's definition, not in its checks, and must be read like one of them.
  const own = def as unknown as CheckDef;
  if (own.check !== undefined) checks.unshift(own);
  switch (def.type) {
    case 'string': {
      const patterns: RegExp[] = [];
      const rest: CheckDef[] = [];
      for (const c of checks) {
        if (c.check === 'string_format') {
          if (!(c.pattern instanceof RegExp) || !PATTERN_FORMATS.has(c.format ?? '')) return NOT_SURE;
          patterns.push(c.pattern);
        } else rest.push(c);
      }
      const lengths = lengthChecks(rest);
      if (!lengths) return NOT_SURE;
      return (v) => {
        if (typeof v !== 'string') return false;
        for (const l of lengths) if (!l(v.length)) return false;
        for (const p of patterns) {
          p.lastIndex = 0;
          if (!p.test(v)) return false;
        }
        return true;
      };
    }
    case 'number': {
      let safeInt = false;
      const bounds: ((n: number) => boolean)[] = [];
      for (const c of checks) {
        if (c.check === 'number_format' && c.format === 'safeint') safeInt = true;
        else if ((c.check === 'greater_than' || c.check === 'less_than') && typeof c.value === 'number') {
          const b = c.value;
          const inc = c.inclusive === true;
          bounds.push(c.check === 'greater_than' ? (inc ? (n) => n >= b : (n) => n > b) : inc ? (n) => n <= b : (n) => n < b);
        } else return NOT_SURE;
      }
      if (!safeInt) return NOT_SURE;
      return (v) => {
        if (typeof v !== 'number' || !Number.isSafeInteger(v)) return false;
        for (const b of bounds) if (!b(v)) return false;
        return true;
      };
    }
    case 'boolean':
      return checks.length ? NOT_SURE : (v) => typeof v === 'boolean';
    case 'literal': {
      const values = def.values ?? [];
      if (checks.length || !values.every((x) => typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x)))) return NOT_SURE;
      return (v) => values.includes(v);
    }
    case 'enum': {
      const values = new Set(Object.values(def.entries ?? {}));
      if (checks.length || ![...values].every((x) => typeof x === 'string')) return NOT_SURE;
      return (v) => typeof v === 'string' && values.has(v);
    }
    case 'optional': {
      if (checks.length || !def.innerType) return NOT_SURE;
      const inner = compileLean(def.innerType);
      return (v) => v !== undefined && inner(v); // an own member holding undefined: zod's business
    }
    case 'array': {
      const lengths = lengthChecks(checks);
      if (!lengths || !def.element) return NOT_SURE;
      const el = compileLean(def.element);
      return (v) => {
        if (!Array.isArray(v) || Object.getPrototypeOf(v) !== Array.prototype) return false;
        for (const l of lengths) if (!l(v.length)) return false;
        for (let i = 0; i < v.length; i++) if (!el(v[i])) return false;
        return true;
      };
    }
    case 'object': {
      // Strict objects only (catchall never): a stripping object's copy would lack members the payload has.
      if (checks.length || !def.shape || !def.catchall || defOf(def.catchall).type !== 'never') return NOT_SURE;
      const keys = Object.keys(def.shape);
      const known = new Set(keys);
      const preds = keys.map((k) => compileLean(def.shape![k]!));
      const optional = keys.map((k) => defOf(def.shape![k]!).type === 'optional');
      return (v) => {
        if (!isPlain(v)) return false;
        for (const k in v) if (!known.has(k)) return false;
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i]!;
          const x = v[k];
          if (x === undefined) {
            if (!optional[i] || Object.prototype.hasOwnProperty.call(v, k)) return false;
          } else if (!preds[i]!(x)) return false;
        }
        return true;
      };
    }
    case 'union': {
      const d = def.discriminator;
      if (checks.length || typeof d !== 'string' || !def.options) return NOT_SURE;
      const byTag = new Map<unknown, Pred>();
      for (const o of def.options) {
        const od = defOf(o);
        const tag = od.shape?.[d];
        if (od.type !== 'object' || !tag || defOf(tag).type !== 'literal' || defOf(tag).values?.length !== 1) return NOT_SURE;
        const value = defOf(tag).values![0];
        if (typeof value !== 'string' || byTag.has(value)) return NOT_SURE;
        byTag.set(value, compileLean(o));
      }
      return (v) => {
        if (!isPlain(v) || !Object.prototype.hasOwnProperty.call(v, d)) return false;
        const p = typeof v[d] === 'string' ? byTag.get(v[d]) : undefined;
        return p !== undefined && p(v);
      };
    }
    default:
      return NOT_SURE;
  }
}

// The schema is the shape plus one refinement (checkSaleArithmetic and checkValueRules); a
// schema with more (or another base) is not this check's to answer for.
const saleDef = defOf(saleCompletedSchema);
const sameShape = (a: Def, b: Def): boolean => !!a.shape && !!b.shape && Object.keys(a.shape).join() === Object.keys(b.shape).join() && Object.keys(a.shape).every((k) => a.shape![k] === b.shape![k]);
const saleShape = saleDef.type === 'object' && saleDef.checks?.length === 1 && sameShape(saleDef, defOf(saleCompletedShape)) ? compileLean(saleCompletedShape) : NOT_SURE;

/**
 * A `sale.completed` payload zod's saleCompletedSchema surely accepts: its shape (compiled
 * above) and the schema's refinement (the sale's arithmetic and value rules, the same
 * functions). True: zod's data equals the payload itself.
 */
export function leanSaleCompleted(payload: unknown): payload is SaleCompletedPayload {
  if (!saleShape(payload)) return false;
  const p = payload as SaleCompletedPayload;
  return checkSaleArithmetic(p).length === 0 && checkValueRules(p).length === 0;
}

/** parseEventPayload's answer when the lean check is sure of it, else null (then zod decides). */
export function leanParsePayload(type: string, payload: unknown): ParsePayloadResult<EventType> | null {
  if (type === 'sale.completed' && leanSaleCompleted(payload)) return { ok: true, type: 'sale.completed', payload };
  return null;
}
