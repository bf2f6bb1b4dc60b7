import type { Command } from 'commander';
import type { HubHandle } from '../../hub/server';
import { ConfigError, loadHubConfig } from '../../hub/config';
import { startHub } from '../../hub/server';
import { openDb, type Db } from '../../hub/db/db';
import { migrate } from '../../hub/db/migrate';
import { createEnrollmentCode } from '../../hub/auth';
import { createStore } from '../../hub/stores';
import { seedDemoStore } from '../../hub/demo/seed';
import { readTlsMaterial } from '../../hub/tls/reload';
import { tlsInit } from '../../hub/tls/init';
import { markReplaced } from '../../hub/lifecycle/replacement';
import { journalExportSchema, salvageImport } from '../../hub/lifecycle/salvage';
import { coreProcessor } from '../../hub/core-processor';
import { defaultChart } from '../../core/ledger/default-charts';
import { loadChart } from '../../core/ledger/chart';
import { readFileSync } from 'node:fs';

// `tillstream hub`: run the sync hub; `hub enroll-code`, `hub create-store`, `hub seed-demo`
// for HQ and store IT. The admin commands talk to a running hub over HTTP (--hub-url and
// --token) or, for a stopped hub, straight to its database (--database-url / --data-dir).

interface DbOpts {
  databaseUrl?: string;
  dataDir?: string;
  config?: string;
}
interface HttpOpts {
  hubUrl?: string;
  token?: string;
}

function dbOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'hub JSON config file')
    .option('--database-url <url>', 'Postgres URL (default: env DATABASE_URL)')
    .option('--data-dir <dir>', 'PGlite data folder when no database URL (default: env TILLSTREAM_DATA_DIR)');
}

async function withDb<T>(o: DbOpts, fn: (db: Db) => Promise<T>): Promise<T> {
  const cfg = loadHubConfig({ file: o.config, overrides: { databaseUrl: o.databaseUrl, dataDir: o.dataDir } });
  if (!cfg.databaseUrl && !cfg.dataDir) throw new ConfigError('no database: pass --database-url or --data-dir (or set DATABASE_URL / TILLSTREAM_DATA_DIR)');
  const db = await openDb({ databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir, schema: cfg.schema });
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** The pin of the hub configured in --config (its TLS files), for codes made on a stopped hub. */
function configPin(o: DbOpts): string | null {
  const cfg = loadHubConfig({ file: o.config, overrides: { databaseUrl: o.databaseUrl, dataDir: o.dataDir } });
  return cfg.tls ? readTlsMaterial(cfg.tls).pin : null;
}

async function httpCall(o: HttpOpts, path: string, body: unknown): Promise<unknown> {
  const token = o.token ?? process.env.TILLSTREAM_TOKEN;
  if (!token) throw new Error('--token (or env TILLSTREAM_TOKEN) is required with --hub-url');
  const res = await fetch(new URL(path, o.hubUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const json = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (!res.ok) throw new Error(`hub answered ${res.status}: ${json?.error?.message ?? res.statusText}`);
  return json;
}

export function register(program: Command): void {
  const hub = program
    .command('hub')
    .description('Run the Tillstream sync hub (socket.io for registers, HTTP API and HQ console)')
    .option('--config <file>', 'JSON config file (see docs/hub.md); env vars override it, flags override both')
    .option('--host <host>', 'listen address')
    .option('--port <port>', 'listen port', (v) => Number(v))
    .option('--database-url <url>', 'Postgres URL; without it an embedded PGlite database is used')
    .option('--data-dir <dir>', 'PGlite data folder')
    .option('--redis-url <url>', 'Redis for the socket.io adapter when several hubs serve one chain')
    .option('--log-level <level>', 'pino log level')
    .action(async (o: { config?: string; host?: string; port?: number; databaseUrl?: string; dataDir?: string; redisUrl?: string; logLevel?: string }) => {
      const cfg = loadHubConfig({
        file: o.config,
        overrides: { host: o.host, port: o.port, databaseUrl: o.databaseUrl, dataDir: o.dataDir, redisUrl: o.redisUrl, logLevel: o.logLevel as never },
      });
      const h = await startHub(cfg);
      process.stdout.write(`tillstream hub listening on ${h.url} (HQ console ${h.url}/hq/)\n`);
      if (h.tlsPin()) process.stdout.write(`registers pin ${h.tlsPin()}\n`);
      // A renewed certificate is picked up from the files' folder; SIGHUP forces a reload.
      process.on('SIGHUP', () => h.reloadTls());
      process.exitCode = await runUntilStopped(h);
    });

  dbOptions(
    hub
      .command('enroll-code')
      .description('Create a one-time enrollment code for a new register of a store')
      .requiredOption('--store <id>', 'store id')
      .requiredOption('--terminal <id>', 'terminal id of the new register')
      .option('--ttl-minutes <n>', 'validity of the code', (v) => Number(v), 24 * 60)
      .option('--hub-url <url>', 'talk to a running hub over HTTP')
      .option('--token <token>', 'bearer token for --hub-url (env TILLSTREAM_TOKEN)')
      .option('--json', 'print JSON'),
  ).action(async (_o: unknown, cmd: Command) => {
    // --data-dir / --database-url / --config are also options of `hub` itself, so commander may give them to the parent.
    const o = cmd.optsWithGlobals() as DbOpts & HttpOpts & { store: string; terminal: string; ttlMinutes: number; json?: boolean };
    const body = { store_id: o.store, terminal_id: o.terminal, ttl_minutes: o.ttlMinutes };
    const r = (
      o.hubUrl
        ? await httpCall(o, '/api/enrollment-codes', body)
        : await withDb(o, async (db) => ({ ...(await createEnrollmentCode(db, { ...body, created_by: 'cli' })), pin: configPin(o) }))
    ) as { code: string; expires_at: string; pin: string | null };
    process.stdout.write(
      o.json
        ? `${JSON.stringify(r)}\n`
        : `enrollment code for ${o.store}/${o.terminal}: ${r.code} (expires ${r.expires_at})\n` +
            (r.pin ? `pin: ${r.pin}\non the register: tillstream register enroll --hub https://<hub> --code ${r.code} --pin ${r.pin}\n` : ''),
    );
  });

  dbOptions(
    hub
      .command('replace-terminal')
      .description("Mark a broken register replaced: its credentials are revoked at once and a replacement code is issued for the new device")
      .requiredOption('--terminal <id>', 'terminal id of the register being replaced')
      .option('--ttl-minutes <n>', 'validity of the code', (v) => Number(v), 24 * 60)
      .option('--hub-url <url>', 'talk to a running hub over HTTP (drops the old device\'s sockets at once)')
      .option('--token <token>', 'bearer token for --hub-url (env TILLSTREAM_TOKEN)')
      .option('--json', 'print JSON'),
  ).action(async (_o: unknown, cmd: Command) => {
    const o = cmd.optsWithGlobals() as DbOpts & HttpOpts & { terminal: string; ttlMinutes: number; json?: boolean };
    const r = (
      o.hubUrl
        ? await httpCall(o, `/api/terminals/${encodeURIComponent(o.terminal)}/replace`, { ttl_minutes: o.ttlMinutes })
        : await withDb(o, async (db) => ({ ...(await markReplaced(db, { terminal_id: o.terminal, by: 'cli', ttl_minutes: o.ttlMinutes, canManage: () => true })), pin: configPin(o) }))
    ) as { code: string; expires_at: string; pin: string | null; chain_head: { seq: number } };
    process.stdout.write(
      o.json
        ? `${JSON.stringify(r)}\n`
        : `terminal ${o.terminal} marked replaced; the old device is locked out.\nreplacement code: ${r.code} (expires ${r.expires_at}); the new device continues after seq ${r.chain_head.seq}\n` +
            (r.pin ? `pin: ${r.pin}\n` : ''),
    );
  });

  dbOptions(
    hub
      .command('salvage')
      .description("Import a retired register's unsynced events (from tillstream journal export): applied once where they do not conflict, the rest reported")
      .requiredOption('--file <file>', 'the export file')
      .option('--hub-url <url>', 'talk to a running hub over HTTP')
      .option('--token <token>', 'bearer token for --hub-url (env TILLSTREAM_TOKEN)')
      .option('--json', 'print JSON'),
  ).action(async (_o: unknown, cmd: Command) => {
    const o = cmd.optsWithGlobals() as DbOpts & HttpOpts & { file: string; json?: boolean };
    const file = journalExportSchema.parse(JSON.parse(readFileSync(o.file, 'utf8')));
    const r = (
      o.hubUrl
        ? await httpCall(o, '/api/salvage', file)
        : await withDb(o, async (db) => {
            const cfg = loadHubConfig({ file: o.config, overrides: { databaseUrl: o.databaseUrl, dataDir: o.dataDir } });
            const processor = coreProcessor(typeof cfg.chart === 'string' ? defaultChart(cfg.chart) : loadChart(cfg.chart));
            return salvageImport(db, { file, by: 'cli', canManage: () => true, processor });
          })
    ) as { counts: Record<string, number>; results: Array<{ seq: number; type: string; outcome: string; reason: string | null }> };
    if (o.json) return void process.stdout.write(`${JSON.stringify({ counts: r.counts, results: r.results })}\n`);
    process.stdout.write(`${Object.entries(r.counts).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
    for (const x of r.results) process.stdout.write(`  seq ${x.seq} ${x.type}: ${x.outcome}${x.reason ? ` (${x.reason})` : ''}\n`);
  });

  const tls = hub.command('tls').description('TLS for the hub (HTTPS and WSS)');
  tls
    .command('init')
    .description('Make a private CA and a server certificate signed by it, for a hub with no other certificate; prints the pin registers enroll with')
    .option('--dir <dir>', 'folder for ca.pem, ca-key.pem, server.pem, server-key.pem', 'hub-tls')
    .option('--host <names>', 'comma-separated host names and IP addresses the hub is reached by (default: localhost, 127.0.0.1, ::1, this host name)')
    .option('--force', 'issue a new server certificate when one exists (the CA, and so the pin, are kept)')
    .option('--json', 'print JSON')
    .action(async (o: { dir: string; host?: string; force?: boolean; json?: boolean }) => {
      const names = o.host ? o.host.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
      const r = await tlsInit({ dir: o.dir, names, force: o.force });
      if (o.json) return void process.stdout.write(`${JSON.stringify(r)}\n`);
      process.stdout.write(
        `${r.reusedCa ? 'kept the CA' : 'made a CA'} (${r.caCert}; keep ${r.caKey} off the hub) and a server certificate ${r.cert} with key ${r.key}\n` +
          `hub config: "tls": {"certFile": "${r.cert}", "keyFile": "${r.key}"}\n` +
          `registers pin: ${r.pin}\n`,
      );
    });

  dbOptions(
    hub
      .command('create-store')
      .description('Create a store')
      .requiredOption('--store <id>', 'store id')
      .requiredOption('--name <name>', 'display name')
      .requiredOption('--currency <code>', 'ISO 4217 currency, e.g. USD')
      .option('--groups <list>', 'comma-separated store groups (price targets)', '')
      .option('--hub-url <url>', 'talk to a running hub over HTTP')
      .option('--token <token>', 'bearer token for --hub-url'),
  ).action(async (_o: unknown, cmd: Command) => {
    const o = cmd.optsWithGlobals() as DbOpts & HttpOpts & { store: string; name: string; currency: string; groups: string };
    const body = { store_id: o.store, name: o.name, currency: o.currency, groups: o.groups ? o.groups.split(',').map((s) => s.trim()).filter(Boolean) : [] };
    if (o.hubUrl) await httpCall(o, '/api/stores', body);
    else await withDb(o, (db) => createStore(db, body));
    process.stdout.write(`store ${o.store} created\n`);
  });

  dbOptions(
    hub
      .command('seed-demo')
      .description('Seed demo stores with ~300 products, prices, tax rates and opening stock (stopped hub only)')
      .option('--stores <list>', 'comma-separated store ids', 'store-001')
      .option('--products <n>', 'number of products', (v) => Number(v), 300),
  ).action(async (_o: unknown, cmd: Command) => {
    const o = cmd.optsWithGlobals() as DbOpts & { stores: string; products: number };
    const r = await withDb(o, (db) => seedDemoStore(db, { stores: o.stores.split(',').map((s) => s.trim()), products: o.products }));
    process.stdout.write(`seeded ${r.stores.join(', ')}: ${r.products} products\n`);
  });
}

/**
 * Serves until SIGINT/SIGTERM (graceful close, exit 0) or a fatal error: an exception or
 * rejection nothing handled, or the listening server failing. A fatal error closes what it
 * can within 10 s and exits 1, so a supervisor (systemd Restart=on-failure) starts a fresh
 * hub instead of keeping a half-dead one.
 */
export async function runUntilStopped(h: HubHandle, proc: NodeJS.Process = process): Promise<number> {
  return new Promise<number>((resolve) => {
    let done = false;
    const finish = (code: number, what: string, err?: unknown) => {
      if (done) return;
      done = true;
      if (err) h.log.fatal({ err }, `${what}: exiting with ${code}`);
      else h.log.info({ sig: what }, 'shutting down');
      const timer = setTimeout(() => resolve(code), 10_000);
      timer.unref();
      h.close().then(
        () => {
          clearTimeout(timer);
          resolve(code);
        },
        (closeErr) => {
          h.log.error({ err: closeErr }, 'shutdown failed');
          clearTimeout(timer);
          resolve(code || 1);
        },
      );
    };
    proc.once('SIGINT', () => finish(0, 'SIGINT'));
    proc.once('SIGTERM', () => finish(0, 'SIGTERM'));
    proc.on('uncaughtException', (err) => finish(1, 'uncaught exception', err));
    proc.on('unhandledRejection', (err) => finish(1, 'unhandled rejection', err));
    h.server.on('error', (err) => finish(1, 'server error', err));
  });
}
