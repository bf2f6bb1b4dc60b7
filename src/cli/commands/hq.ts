import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { registerTransfers } from './stock-transfers';

// HQ's scripting commands: they talk to a running hub's HTTP API with an API token (the same
// routes the HQ console uses), so they work while the hub runs, on PGlite too.
//   tillstream prices import <csv> --stores A,B [--apply]
//   tillstream stock transfer [ship|receive|cancel|list] … (stock-transfers.ts)
//   tillstream terminals list [--store A] [--status online]

export interface HubOpts {
  hubUrl?: string;
  token?: string;
  json?: boolean;
}

export function withHub(cmd: Command): Command {
  return cmd
    .option('--hub-url <url>', 'the hub (default: env TILLSTREAM_HUB_URL)')
    .option('--token <token>', 'API token of an HQ user (default: env TILLSTREAM_TOKEN)')
    .option('--json', 'print the hub’s JSON answer');
}

export async function call(o: HubOpts, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const base = o.hubUrl ?? process.env.TILLSTREAM_HUB_URL;
  const token = o.token ?? process.env.TILLSTREAM_TOKEN;
  if (!base) throw new Error('--hub-url (or env TILLSTREAM_HUB_URL) is required');
  if (!token) throw new Error('--token (or env TILLSTREAM_TOKEN) is required');
  const res = await fetch(new URL(path, base), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json().catch(() => null)) as (Record<string, unknown> & { error?: { code?: string; message?: string } }) | null;
  if (!res.ok) throw new Error(`hub answered ${res.status} ${json?.error?.code ?? ''}: ${json?.error?.message ?? res.statusText}`);
  return json ?? {};
}

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

/** "3", "1.5", "0.250" → {units, scale}. */
export function parseQuantity(text: string): { units: number; scale: number } {
  const m = /^(\d{1,15})(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!m) throw new Error(`quantity "${text}" must be a positive decimal with at most 6 decimals`);
  const frac = m[2] ?? '';
  const units = Number(`${m[1]}${frac}`);
  if (!Number.isSafeInteger(units) || units <= 0) throw new Error(`quantity "${text}" must be above zero`);
  return { units, scale: frac.length };
}

export function register(program: Command): void {
  const prices = program.command('prices').description('Price books on a running hub (HTTP API)');
  withHub(prices.command('import').description('Import a price book CSV (sku and price or amount columns): every row checked, bad rows listed and skipped; a preview unless --apply'))
    .argument('<csv>', 'CSV file')
    .option('--stores <ids>', 'target stores, comma-separated')
    .option('--groups <names>', 'target store groups, comma-separated')
    .option('--all', 'every store')
    .option('--apply', 'apply the good rows (default: only show what would change)')
    .option('--at <time>', 'apply at this ISO 8601 time (scheduled) instead of now')
    .option('--reason <text>', 'recorded with the change')
    .action(async (file: string, o: HubOpts & { stores?: string; groups?: string; all?: boolean; apply?: boolean; at?: string; reason?: string }) => {
      const targets = [o.stores, o.groups, o.all].filter((x) => x !== undefined);
      if (targets.length !== 1) throw new Error('name the target: exactly one of --stores, --groups, --all');
      const target = o.all ? { all: true } : o.stores ? { store_ids: list(o.stores) } : { groups: list(o.groups!) };
      const csv = readFileSync(file, 'utf8');
      const r = await call(o, 'POST', '/api/prices/import', { target, csv, dry_run: !o.apply, ...(o.at ? { effective_at: o.at } : {}), ...(o.reason ? { reason: o.reason } : {}) });
      if (o.json) {
        process.stdout.write(`${JSON.stringify(r)}\n`);
        return;
      }
      const items = r.items as Array<{ line: number; sku: string; name: string | null; amount: number; previous_min: number | null; previous_max: number | null; stores_changed: number }>;
      const rejected = r.rejected as Array<{ line: number; sku: string | null; code: string; message: string }>;
      const out: string[] = [`${o.apply ? 'Applied' : 'Preview'}: ${items.length} of ${String(r.rows)} rows to ${(r.stores as string[]).length} store(s) in ${String(r.currency)}`];
      for (const i of items) {
        const prev = i.previous_min === null ? 'new' : i.previous_min === i.previous_max ? String(i.previous_min) : `${i.previous_min}..${i.previous_max}`;
        out.push(`  line ${i.line}  ${i.sku}  ${i.name ?? ''}  ${prev} -> ${i.amount}  (${i.stores_changed} store(s) change)`);
      }
      if (rejected.length) out.push(`Rejected ${rejected.length} row(s), skipped:`);
      for (const x of rejected) out.push(`  line ${x.line}  ${x.sku ?? '-'}  ${x.code}: ${x.message}`);
      const res = r.result as { scheduled: { change_id: number; effective_at: string } | null; changes: unknown[] } | null;
      if (res?.scheduled) out.push(`Scheduled as change ${res.scheduled.change_id} for ${res.scheduled.effective_at}`);
      else if (res) out.push(`Published: ${res.changes.length} change-log entr${res.changes.length === 1 ? 'y' : 'ies'}`);
      else if (!o.apply) out.push('Nothing applied (use --apply).');
      process.stdout.write(`${out.join('\n')}\n`);
    });

  const stock = program.command('stock').description('Stock on a running hub (HTTP API)');
  registerTransfers(stock);

  const terminals = program.command('terminals').description('Registers on a running hub (HTTP API)');
  withHub(terminals.command('list').description('Every register you manage: online, last seen, app version, journal mark, downlink cursor'))
    .option('--store <id>', 'only this store')
    .option('--status <s>', 'online | offline | all', 'all')
    .action(async (o: HubOpts & { store?: string; status: string }) => {
      const rows: Array<Record<string, unknown>> = [];
      let cursor: string | null = null;
      do {
        const q = new URLSearchParams({ limit: '500', status: o.status, ...(o.store ? { store_id: o.store } : {}), ...(cursor ? { cursor } : {}) });
        const page = await call(o, 'GET', `/api/terminals?${q.toString()}`);
        rows.push(...(page.terminals as Array<Record<string, unknown>>));
        cursor = page.next_cursor as string | null;
      } while (cursor);
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ terminals: rows })}\n`);
        return;
      }
      const head = ['store', 'terminal', 'status', 'last seen', 'version', 'hub mark', 'changes behind'];
      const body = rows.map((t) => [
        String(t.store_id),
        String(t.terminal_id),
        t.online ? 'online' : t.enrolled ? 'offline' : 'revoked',
        String(t.last_seen_at ?? '-'),
        String(t.app_version ?? '-'),
        String(t.applied_through),
        String(t.changes_behind),
      ]);
      const width = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
      const line = (r: string[]) => r.map((c, i) => c.padEnd(width[i]!)).join('  ').trimEnd();
      process.stdout.write(`${[line(head), ...body.map(line)].join('\n')}\n${rows.length} register(s)\n`);
    });
}
