import { z } from 'zod';
import type { RouteModule } from '../app';
import { publishedSchemaFiles, type SchemaFile } from '../../../core/schemas';
import { errorBodySchema, HttpError } from '../errors';

// The register protocol's JSON Schemas, exactly the files of docs/schemas/ (both come from
// core's zod schemas; a test keeps the files current), so an implementer can fetch them from
// the hub it talks to. Public: they describe the protocol, not a store's data.

const jsonObject = z.record(z.string(), z.unknown());

let files: Map<string, SchemaFile['schema']> | null = null;
function schemaFiles(): Map<string, SchemaFile['schema']> {
  files ??= new Map(publishedSchemaFiles().map((f) => [f.path, f.schema]));
  return files;
}

export const schemaRoutes: RouteModule = (app) => {
  app.get('/api/schemas', {
    schema: {
      tags: ['protocol'],
      summary: 'The published JSON Schemas of the register protocol: one index per protocol version',
      response: { 200: z.object({ versions: z.array(z.object({ version: z.string(), index: z.string() })) }) },
    },
    handler: async () => {
      const versions = [...new Set([...schemaFiles().keys()].map((p) => p.split('/')[0]!))].sort();
      return { versions: versions.map((v) => ({ version: v, index: `/api/schemas/${v}/index.json` })) };
    },
  });

  // Two explicit shapes rather than a wildcard, so the OpenAPI document lists them like any route.
  const serve = (path: string) => {
    const schema = schemaFiles().get(path);
    if (!schema) throw new HttpError(404, 'NOT_FOUND', `no published schema ${path}; see /api/schemas`);
    return schema;
  };
  const segment = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'must be a schema path segment as in docs/schemas');
  app.get('/api/schemas/:version/:file', {
    schema: {
      tags: ['protocol'],
      summary: 'One published JSON Schema file at the top of a version, e.g. /api/schemas/v1/index.json (as in docs/schemas/)',
      params: z.object({ version: segment, file: segment }),
      response: { 200: jsonObject, 404: errorBodySchema },
    },
    handler: async (req) => serve(`${req.params.version}/${req.params.file}`),
  });
  app.get('/api/schemas/:version/:dir/:file', {
    schema: {
      tags: ['protocol'],
      summary: 'One published JSON Schema file, e.g. /api/schemas/v1/events/sale.completed.json (as in docs/schemas/)',
      params: z.object({ version: segment, dir: segment, file: segment }),
      response: { 200: jsonObject, 404: errorBodySchema },
    },
    handler: async (req) => serve(`${req.params.version}/${req.params.dir}/${req.params.file}`),
  });
};
