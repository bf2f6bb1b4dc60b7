import { createHash } from 'node:crypto';
import { copyFileSync, createReadStream, existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { FEED_FILES, FILE_NAME_RE, VERSION_RE } from '../../hub/lifecycle/updates';
import { call, withHub, type HubOpts } from './hq';

// Fleet updates from a script (the hub's HTTP API, HQ token): publish what electron-builder
// wrote (latest*.yml and its files), point a channel at a version with a stage, roll back,
// pin a store, and read the fleet.
//   tillstream updates publish out/latest-linux.yml --copy-to /srv/hub/updates
//   tillstream updates promote 1.4.2 --channel north --percent 50
//   tillstream updates rollback --channel north
//   tillstream updates pin store-001 1.4.1   (or: none)
//   tillstream updates status [--store store-001]

const feedFile = z
  .object({
    version: z.string().regex(VERSION_RE, 'a semantic version'),
    files: z.array(z.object({ url: z.string().regex(FILE_NAME_RE), sha512: z.string().min(20).max(200), size: z.number().int().min(1) }).passthrough()).min(1).max(10),
    path: z.string().regex(FILE_NAME_RE),
    sha512: z.string().min(20).max(200),
    releaseDate: z.string().optional(),
  })
  .passthrough();

const sha512Of = (file: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const h = createHash('sha512');
    createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('end', () => resolve(h.digest('base64')))
      .on('error', reject);
  });

/** Reads electron-builder's latest*.yml and checks every file beside it against its sha512 and size. */
export async function readRelease(yml: string): Promise<{ platform: 'linux' | 'win' | 'mac'; info: z.infer<typeof feedFile>; dir: string }> {
  const platform = FEED_FILES[path.basename(yml)];
  if (!platform) throw new Error(`${yml}: expected electron-builder's latest.yml, latest-linux.yml or latest-mac.yml`);
  const parsed = feedFile.safeParse(parseYaml(readFileSync(yml, 'utf8')));
  if (!parsed.success) throw new Error(`${yml}: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const dir = path.dirname(yml);
  for (const f of parsed.data.files) {
    const file = path.join(dir, f.url);
    if (!existsSync(file)) throw new Error(`${f.url} is named in ${path.basename(yml)} but is not beside it`);
    if (statSync(file).size !== f.size) throw new Error(`${f.url}: ${statSync(file).size} bytes, the feed says ${f.size}`);
    if ((await sha512Of(file)) !== f.sha512) throw new Error(`${f.url}: sha512 does not match ${path.basename(yml)} (a different build?)`);
  }
  return { platform, info: parsed.data, dir };
}

export function register(program: Command): void {
  const updates = program.command('updates').description('Fleet updates on a running hub (HTTP API): releases, channels and stages, pins, rollback, status');

  withHub(updates.command('publish').description("Publish a release from electron-builder's output: every file checked against the yml's sha512, copied into the hub's updatesDir (--copy-to, on the hub's machine), metadata sent to the hub"))
    .argument('<yml>', 'latest-linux.yml, latest.yml (Windows) or latest-mac.yml, with its files beside it')
    .option('--copy-to <updatesDir>', "the hub's updatesDir: files are copied to <updatesDir>/<version>/ (otherwise put them there yourself)")
    .action(async (yml: string, o: HubOpts & { copyTo?: string }) => {
      const { platform, info, dir } = await readRelease(yml);
      if (o.copyTo) {
        const target = path.join(o.copyTo, info.version);
        mkdirSync(target, { recursive: true });
        for (const f of info.files) {
          // Copied under a temporary name and renamed: a register never downloads half a file.
          copyFileSync(path.join(dir, f.url), path.join(target, `${f.url}.part`));
          renameSync(path.join(target, `${f.url}.part`), path.join(target, f.url));
        }
      }
      const r = await call(o, 'POST', '/api/updates/releases', {
        version: info.version,
        platform,
        files: info.files.map((f) => ({ url: f.url, sha512: f.sha512, size: f.size })),
        path: info.path,
        sha512: info.sha512,
        ...(info.releaseDate ? { release_date: new Date(info.releaseDate).toISOString() } : {}),
      });
      if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else process.stdout.write(`Published ${info.version} (${platform}): ${info.files.map((f) => f.url).join(', ')}${o.copyTo ? ` copied to ${path.join(o.copyTo, info.version)}` : ''}\n`);
    });

  withHub(updates.command('promote').description("Point a channel (a store group, or '*' for every other store) at a version, to a staged percentage of its registers"))
    .argument('<version>', 'a published version')
    .requiredOption('--channel <group>', "store group, or '*'")
    .option('--percent <n>', 'staged percentage of the channel\'s registers (0-100)', '100')
    .action(async (version: string, o: HubOpts & { channel: string; percent: string }) => {
      const pct = Number(o.percent);
      if (!Number.isInteger(pct) || pct < 0 || pct > 100) throw new Error('--percent must be a whole number from 0 to 100');
      const r = await call(o, 'PUT', `/api/updates/channels/${encodeURIComponent(o.channel)}`, { version, staged_percent: pct });
      if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else process.stdout.write(`Channel ${String(r.channel)}: ${String(r.version)} to ${String(r.staged_percent)} % of its registers; the others stay on ${String(r.previous_version ?? 'what they run')}\n`);
    });

  withHub(updates.command('rollback').description("Roll a channel back to its previous version, for all its registers (they install it under their policy)"))
    .requiredOption('--channel <group>', "store group, or '*'")
    .action(async (o: HubOpts & { channel: string }) => {
      const r = await call(o, 'POST', `/api/updates/channels/${encodeURIComponent(o.channel)}/rollback`);
      if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else process.stdout.write(`Channel ${String(r.channel)} rolled back to ${String(r.version)} for all its registers\n`);
    });

  withHub(updates.command('pin').description('Pin a store to a version (wins over its channel), or remove the pin with "none"'))
    .argument('<store>', 'store id')
    .argument('<version>', 'a published version, or none')
    .action(async (store: string, version: string, o: HubOpts) => {
      const r = await call(o, 'PUT', `/api/updates/pins/${encodeURIComponent(store)}`, { version: version === 'none' ? null : version });
      if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else process.stdout.write(r.version === null ? `Store ${store}: pin removed (its channel decides)\n` : `Store ${store} pinned to ${String(r.version)}\n`);
    });

  withHub(updates.command('status').description('The fleet: releases, channels and stages, pins, and per register the version it runs, what its feed offers and its last update report'))
    .option('--store <id>', 'one store')
    .action(async (o: HubOpts & { store?: string }) => {
      const r = await call(o, 'GET', `/api/updates${o.store ? `?store_id=${encodeURIComponent(o.store)}` : ''}`);
      if (o.json) {
        process.stdout.write(`${JSON.stringify(r)}\n`);
        return;
      }
      const releases = r.releases as Array<{ version: string; platforms: string[] }>;
      const channels = r.channels as Array<{ channel: string; version: string; previous_version: string | null; staged_percent: number }>;
      const pins = r.pins as Array<{ store_id: string; version: string }>;
      const terminals = r.terminals as Array<{ terminal_id: string; store_id: string; app_version: string | null; offered: { version: string; why: string } | null; last_report: { version: string; outcome: string; reported_at: string } | null }>;
      const out = [`Releases: ${releases.map((x) => `${x.version} (${x.platforms.join(', ')})`).join('; ') || 'none'}`];
      out.push('Channels:');
      for (const c of channels) out.push(`  ${c.channel}  ${c.version} at ${c.staged_percent} %${c.previous_version ? `, others ${c.previous_version}` : ''}`);
      if (!channels.length) out.push('  none');
      if (pins.length) out.push(`Pins: ${pins.map((p) => `${p.store_id}=${p.version}`).join(', ')}`);
      out.push('Registers:');
      out.push('  store\tterminal\truns\toffered\tlast report');
      for (const t of terminals) {
        const offered = t.offered ? `${t.offered.version} (${t.offered.why})` : '-';
        const rep = t.last_report ? `${t.last_report.outcome} ${t.last_report.version} at ${t.last_report.reported_at}` : '-';
        out.push(`  ${t.store_id}\t${t.terminal_id}\t${t.app_version ?? '-'}\t${offered}\t${rep}`);
      }
      if (r.truncated) out.push('  … more registers: narrow with --store');
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
