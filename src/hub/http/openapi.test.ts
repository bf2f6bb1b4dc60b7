import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { openTestDb, type TestDb } from '../testing/test-db';
import { ADMIN_TOKEN, startTestHub } from '../testing/hub-fixture';
import type { HubHandle } from '../server';
import { OPENAPI_JSON, DOCS_PREFIX } from './app';

// The OpenAPI document is generated from the routes' zod schemas: it must validate as
// OpenAPI 3.1 and list every route the hub answers (docs pages aside).

describe('OpenAPI document', () => {
  let t: TestDb;
  let hub: HubHandle;
  beforeAll(async () => {
    t = await openTestDb({ name: 'pglite' });
    hub = await startTestHub(t.db);
  });
  afterAll(async () => {
    await hub?.close();
    await t?.dispose();
  });

  it('validates with an OpenAPI validator and lists every route', async () => {
    const res = await fetch(`${hub.url}${OPENAPI_JSON}`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    const v = new Validator();
    const result = await v.validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toMatch(/^3\.1\./);

    const listed = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)));
    const routes = new Set<string>();
    for (const r of hub.routes()) if (!r.url.startsWith(DOCS_PREFIX) && r.method !== 'HEAD') routes.add(`${r.method} ${r.url.replace(/:([A-Za-z_]+)/g, '{$1}')}`);
    expect(routes.size).toBeGreaterThan(15);
    expect([...routes].filter((r) => !listed.has(r))).toEqual([]);
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(ops)) {
        const o = op as { responses?: Record<string, unknown>; summary?: string };
        expect(o.summary, `${m} ${p} has a summary`).toBeTruthy();
        expect(Object.keys(o.responses ?? {}).length, `${m} ${p} has responses`).toBeGreaterThan(0);
      }
    }
  });

  it('serves the documentation UI', async () => {
    const res = await fetch(`${hub.url}${DOCS_PREFIX}/`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toMatch(/swagger/i);
  });
});
