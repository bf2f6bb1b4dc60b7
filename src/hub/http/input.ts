import type { FastifyInstance, FastifyRequest } from 'fastify';
import { jsonProblem, textProblem, MAX_JSON_DEPTH } from '../../core/protocol/text';
import { HttpError } from './errors';

// The boundary every HTTP input crosses before any route sees it: a JSON body is parsed by
// us (not a prototype-merging parser), walked once without recursion for the shared string
// rule and the depth limit, and query and path values obey the same string rule. A route's
// own schema then checks shapes, lengths and ranges.

export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** JSON path `$.a[0].b` → the dotted field name the error carries (`a.0.b`). */
export function jsonPathToField(p: string): string {
  return p.replace(/^\$\.?/, '').replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '');
}

export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, 'BAD_REQUEST', `body is not valid JSON: ${(err as Error).message}`, 'body');
  }
  const problem = jsonProblem(value, MAX_JSON_DEPTH);
  if (problem) {
    const field = jsonPathToField(problem.path) || 'body';
    throw new HttpError(400, 'BAD_REQUEST', `${field}: ${problem.problem}`, field);
  }
  return value;
}

export function installInputRules(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'application/merge-patch+json'], { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addHook('preValidation', async (req: FastifyRequest) => {
    for (const [where, bag] of [['query', req.query], ['params', req.params]] as const) {
      if (!bag || typeof bag !== 'object') continue;
      for (const [k, v] of Object.entries(bag as Record<string, unknown>)) {
        const kp = textProblem(k);
        if (kp) throw new HttpError(400, 'BAD_REQUEST', `${where} parameter name ${kp}`, k);
        for (const s of Array.isArray(v) ? v : [v]) {
          if (typeof s !== 'string') continue;
          const p = textProblem(s);
          if (p) throw new HttpError(400, 'BAD_REQUEST', `${k}: ${p}`, k);
        }
      }
    }
  });
}
