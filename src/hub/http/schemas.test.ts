import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { openTestDb, type TestDb } from '../testing/test-db';
import { api, startTestHub } from '../testing/hub-fixture';
import type { HubHandle } from '../server';

// The hub serves the register protocol's JSON Schemas, the same files as docs/schemas/
// (tests/docs/schemas.test.ts keeps those current), without authentication.
describe('GET /api/schemas', () => {
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

  it('lists the versions and serves every published file as in docs/schemas', async () => {
    const list = await api(hub, 'GET', '/api/schemas', undefined, '');
    expect(list.status).toBe(200);
    expect(list.body.versions).toEqual([{ version: 'v1', index: '/api/schemas/v1/index.json' }]);
    const index = await api(hub, 'GET', '/api/schemas/v1/index.json', undefined, '');
    expect(index.body).toEqual(JSON.parse(readFileSync('docs/schemas/v1/index.json', 'utf8')));
    for (const rel of [index.body.journal_event, ...Object.values(index.body.events as Record<string, string>)]) {
      const r = await api(hub, 'GET', `/api/schemas/v1/${rel}`, undefined, '');
      expect(r.status, rel).toBe(200);
      expect(r.body, rel).toEqual(JSON.parse(readFileSync(`docs/schemas/v1/${rel}`, 'utf8')));
    }
    const missing = await api(hub, 'GET', '/api/schemas/v1/events/nope.json', undefined, '');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
  });
});
