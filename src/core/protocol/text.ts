import { z } from 'zod';

// The one string rule for everything a client sends (journal events over socket.io, HTTP
// bodies and query strings): text must be well-formed Unicode that every store we write to
// can hold. Postgres `text`/`jsonb` cannot hold U+0000, a lone UTF-16 surrogate has no UTF-8
// encoding (so it cannot be hashed identically by two implementations), and C0/C1 control
// characters other than tab, line feed and carriage return have no place in a receipt, a
// name or a reason. Refusing them at the boundary means a rejection can always be stored.

/** Deepest nesting of arrays/objects accepted in any client JSON (canonical JSON allows 64). */
export const MAX_JSON_DEPTH = 32;

/** Why `s` breaks the string rule, or null when it is fine. */
export function textProblem(s: string): string | null {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
      if (c === 0x09 || c === 0x0a || c === 0x0d) continue;
      return c === 0 ? 'contains U+0000 (NUL)' : `contains control character U+${hex(c)}`;
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return `contains a lone surrogate U+${hex(c)} at index ${i}`;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return `contains a lone surrogate U+${hex(c)} at index ${i}`;
  }
  return null;
}

function hex(c: number): string {
  return c.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * The string rule as an ECMA-262 regular expression, for the published JSON Schemas. It
 * means the same with and without the `u` flag (JSON Schema validators differ): either a
 * character that is neither a forbidden control nor a surrogate, or a well-formed pair.
 * A property test checks it against textProblem.
 */
export const SAFE_TEXT_PATTERN = '^(?:[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF]|[\\uD800-\\uDBFF][\\uDC00-\\uDFFF])*$';

/** The string rule as one zod check, so the JSON Schema generator can recognise it (core/schemas). */
export const textRule = z.superRefine((s: string, ctx) => {
  const problem = textProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** A zod string that obeys the string rule (add .min/.max/.regex as usual after it). */
export function safeText(): z.ZodString {
  return z.string().check(textRule);
}

export interface JsonProblem {
  /** JSONPath-like location, `$` is the root. */
  path: string;
  problem: string;
}

/**
 * Walks an already-parsed JSON value and reports the first place that breaks the string rule
 * (in keys too), nests deeper than `maxDepth`, or holds a non-finite number. Iterative, so a
 * hostile depth cannot overflow the stack before it is refused.
 */
export function jsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): JsonProblem | null {
  const stack: Array<{ v: unknown; path: string; depth: number }> = [{ v: value, path: '$', depth: 0 }];
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      const p = textProblem(v);
      if (p) return { path, problem: p };
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { path, problem: 'not a finite number' };
    } else if (v !== null && typeof v === 'object') {
      if (depth >= maxDepth) return { path, problem: `nested deeper than ${maxDepth}` };
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: `${path}[${i}]`, depth: depth + 1 });
      } else {
        for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
          const kp = textProblem(k);
          if (kp) return { path: `${path}.${k}`, problem: `key ${kp}` };
          stack.push({ v: child, path: `${path}.${k}`, depth: depth + 1 });
        }
      }
    }
  }
  return null;
}
