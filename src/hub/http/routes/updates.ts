import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { storeIdSchema } from '../../../core/protocol';
import type { RouteModule } from '../app';
import { allowedStore, storeScope, userOf } from '../auth';
import { errorBodySchema, HttpError } from '../errors';
import { FEED_FILES, FILE_NAME_RE, feedYaml, pinStore, publishRelease, recordUpdateReports, releaseOf, rollbackChannel, setChannel, updateStatus, VERSION_RE, versionFor } from '../../lifecycle/updates';

// Fleet updates (src/hub/lifecycle/updates.ts): HQ publishes releases and sets channels,
// stages, pins and rollbacks; registers read electron-updater's generic feed at /updates/
// with their own credential (the updater's request headers), and download the files from the
// hub's updatesDir.

const version = z.string().regex(VERSION_RE, 'a semantic version, e.g. 1.4.2');
const channelName = z.string().regex(/^(\*|[A-Za-z0-9][A-Za-z0-9._-]{0,63})$/, "a store group, or '*' for every store");
const releaseBody = z
  .object({
    version,
    platform: z.enum(['linux', 'win', 'mac']),
    files: z.array(z.object({ url: z.string().regex(FILE_NAME_RE), sha512: z.string().regex(/^[A-Za-z0-9+/=]{20,200}$/), size: z.number().int().min(1) }).strict()).min(1).max(10),
    path: z.string().regex(FILE_NAME_RE),
    sha512: z.string().regex(/^[A-Za-z0-9+/=]{20,200}$/),
    release_date: z.string().datetime().optional(),
  })
  .strict();
const channelRow = z.object({ channel: z.string(), version: z.string(), previous_version: z.string().nullable(), staged_percent: z.number() });
const updateReport = z
  .object({
    version,
    from_version: version.nullable(),
    outcome: z.enum(['installed', 'failed_start', 'not_installed']),
    detail: z.string().max(500),
    at: z.string().datetime(),
  })
  .strict();
const feedChoice = z.object({ version: z.string(), why: z.enum(['pinned', 'staged', 'not_staged', 'channel', 'failed_here']) }).nullable();
const statusBody = z.object({
  releases: z.array(z.object({ version: z.string(), platforms: z.array(z.string()), published_at: z.string() })),
  channels: z.array(channelRow),
  pins: z.array(z.object({ store_id: z.string(), version: z.string() })),
  terminals: z.array(
    z.object({
      terminal_id: z.string(),
      store_id: z.string(),
      app_version: z.string().nullable(),
      last_seen_at: z.string().nullable(),
      offered: feedChoice.describe("what this terminal's feed offers now, and why"),
      last_report: z.object({ version: z.string(), from_version: z.string().nullable(), outcome: z.string(), detail: z.string(), reported_at: z.string() }).nullable(),
    }),
  ),
  truncated: z.boolean(),
});

export const updateRoutes: RouteModule = (app, deps) => {
  const hq = { auth: 'user' as const, roles: ['admin' as const, 'hq' as const] };

  app.post('/api/updates/releases', {
    config: hq,
    schema: {
      tags: ['updates'],
      summary: "Publish a release's update metadata (electron-builder's latest*.yml); its files go in the hub's updatesDir/<version>/",
      security: [{ bearer: [] }],
      body: releaseBody,
      response: { 201: z.object({ version: z.string(), platform: z.string() }), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req, reply) => {
      const u = userOf(req);
      await publishRelease(deps.db, { ...req.body, release_date: req.body.release_date ?? new Date().toISOString() }, u.user_id);
      return reply.status(201).send({ version: req.body.version, platform: req.body.platform });
    },
  });

  app.put('/api/updates/channels/:channel', {
    config: hq,
    schema: {
      tags: ['updates'],
      summary: "Set the version a channel (store group, or '*') offers and the staged percentage of its terminals that get it",
      security: [{ bearer: [] }],
      params: z.object({ channel: channelName }).strict(),
      body: z.object({ version, staged_percent: z.number().int().min(0).max(100).default(100) }).strict(),
      response: { 200: channelRow, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req) => setChannel(deps.db, { channel: req.params.channel, version: req.body.version, staged_percent: req.body.staged_percent, by: userOf(req).user_id }),
  });

  app.post('/api/updates/channels/:channel/rollback', {
    config: hq,
    schema: {
      tags: ['updates'],
      summary: "Roll a channel back to its previous version, for all its terminals",
      security: [{ bearer: [] }],
      params: z.object({ channel: channelName }).strict(),
      response: { 200: channelRow, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema },
    },
    handler: async (req) => rollbackChannel(deps.db, req.params.channel, userOf(req).user_id),
  });

  app.put('/api/updates/pins/:store_id', {
    config: { auth: 'user' },
    schema: {
      tags: ['updates'],
      summary: 'Pin a store to a version (null removes the pin); a pin wins over the channel',
      security: [{ bearer: [] }],
      params: z.object({ store_id: storeIdSchema }).strict(),
      body: z.object({ version: version.nullable() }).strict(),
      response: { 200: z.object({ store_id: z.string(), version: z.string().nullable() }), 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req) => {
      const u = userOf(req);
      allowedStore(u, req.params.store_id);
      await pinStore(deps.db, req.params.store_id, req.body.version, u.user_id);
      return { store_id: req.params.store_id, version: req.body.version };
    },
  });

  app.get('/api/updates', {
    config: { auth: 'user' },
    schema: {
      tags: ['updates'],
      summary: 'The fleet: releases, channels and stages, pins, and per register the version it runs, what its feed offers and its last update report',
      security: [{ bearer: [] }],
      querystring: z.object({ store_id: storeIdSchema.optional(), limit: z.coerce.number().int().min(1).max(5000).default(2000) }).strict(),
      response: { 200: statusBody, 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => updateStatus(deps.db, { stores: storeScope(userOf(req), req.query.store_id), limit: req.query.limit }),
  });

  app.post('/api/register/update-reports', {
    config: { auth: 'any' },
    schema: {
      tags: ['updates'],
      summary: "A register's update reports from its boot guard (installed, failed to start and rolled back, not installed); the same report again changes nothing",
      security: [{ bearer: [] }],
      body: z.object({ reports: z.array(updateReport).min(1).max(20) }).strict(),
      response: { 200: z.object({ accepted: z.number(), new: z.number() }), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const p = req.principal;
      if (!p || p.kind !== 'register') throw new HttpError(403, 'FORBIDDEN', 'update reports come from registers, with their own credential');
      const added = await recordUpdateReports(deps.db, p.terminal_id, p.store_id, req.body.reports);
      return { accepted: req.body.reports.length, new: added };
    },
  });

  for (const [file, platform] of Object.entries(FEED_FILES)) {
    app.get(`/updates/${file}`, {
      config: { auth: 'any' },
      schema: {
        tags: ['updates'],
        summary: `electron-updater's ${platform} feed for the calling register (its pin, or its channel's version and stage)`,
        security: [{ bearer: [] }],
        response: { 200: z.string(), 403: errorBodySchema, 404: errorBodySchema },
      },
      handler: async (req, reply) => {
        const p = req.principal;
        if (!p || p.kind !== 'register') throw new HttpError(403, 'FORBIDDEN', 'the update feed is read by registers, with their own credential');
        const choice = await versionFor(deps.db, p.terminal_id, p.store_id);
        if (!choice) throw new HttpError(404, 'NOT_FOUND', `no update channel for store ${p.store_id}`);
        const release = await releaseOf(deps.db, choice.version, platform);
        if (!release) throw new HttpError(404, 'NOT_FOUND', `release ${choice.version} has no ${platform} build`);
        return reply.header('content-type', 'text/yaml; charset=utf-8').header('x-tillstream-update', choice.why).send(feedYaml(release));
      },
    });
  }

  app.get('/updates/files/:version/:file', {
    config: { auth: 'any' },
    schema: {
      tags: ['updates'],
      summary: "A release file from the hub's updatesDir (registers only)",
      security: [{ bearer: [] }],
      params: z.object({ version, file: z.string().regex(FILE_NAME_RE) }).strict(),
      response: { 200: z.any(), 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req, reply) => {
      if (req.principal?.kind !== 'register') throw new HttpError(403, 'FORBIDDEN', 'update files are read by registers, with their own credential');
      const dir = deps.updatesDir;
      const file = dir ? path.join(dir, req.params.version, req.params.file) : null;
      if (!file || !existsSync(file) || !statSync(file).isFile()) throw new HttpError(404, 'NOT_FOUND', `no file ${req.params.file} for ${req.params.version}`);
      return reply.header('content-type', 'application/octet-stream').header('content-length', String(statSync(file).size)).send(createReadStream(file));
    },
  });
};
