import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { listHistoryImports, requestHistoryPause, resumeHistoryImport, runHistoryImport, type HistoryProgress } from '../../hub/books/history/run';
import { scheduleHistoryImport, withWindowTimes } from '../../hub/books/history/schedule';
import { parseWindow } from '../../hub/books/history/window';
import { convertSquareFile, parseStoreMap, SQUARE_FORMAT } from '../../hub/books/history/square';
import { correctionItems, CORRECTION_FORMATS, importCorrections, listCorrectionImports, type CorrectionFormat } from '../../hub/books/corrections/import';
import { createExportBatch, EXPORT_FORMATS, listBatches, POSTING_MODES, renderBatch, type ExportFormat, type PostingMode, type RenderedBatch } from '../../hub/books/export/batches';
import { hubCharts, openHubDb, withDbOptions, type DbOpts } from './ledger';

// `tillstream books export …`: export batches (docs/books.md, "Export batches"). A batch is
// cut once and recorded; `show` renders a recorded batch again, byte-identical.
// `tillstream books corrections …`: an edited export imported back as adjusting entries.

type Db = Awaited<ReturnType<typeof openHubDb>>;

async function withDb<T>(o: DbOpts, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openHubDb(o);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

function fail(e: unknown): void {
  const code = (e as { code?: unknown }).code;
  process.stderr.write(`${typeof code === 'string' ? `${code}: ` : ''}${(e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ')}\n`);
  process.exitCode = 1;
}

function write(b: RenderedBatch, out: string | undefined): void {
  const { files, ...record } = b;
  if (!out) {
    process.stdout.write(files.join('\n'));
    process.stderr.write(`${JSON.stringify(record)}\n`);
    return;
  }
  const names = files.length === 1 ? [out] : files.map((_, i) => out.replace(/(\.[a-z]+)?$/, `-${i + 1}$1`));
  files.forEach((f, i) => writeFileSync(names[i]!, f));
  process.stdout.write(`${JSON.stringify({ ...record, files: names })}\n`);
}

export function registerExportCommands(books: Command, who: (o: { by?: string }) => string): void {
  const exp = books.command('export').description('Export batches to accounting tools: only what is new since the last batch of a target');
  withDbOptions(exp.command('run').description('Cut a new batch for a target (created with --format and --mode on first use)'))
    .requiredOption('--target <name>', 'export target, e.g. accountant-hledger (a-z 0-9 _ -)')
    .option('--format <format>', EXPORT_FORMATS.join(' | '))
    .option('--mode <mode>', POSTING_MODES.join(' | '))
    .option('--from <date>', 'first accounting date YYYY-MM-DD')
    .option('--to <date>', 'last accounting date YYYY-MM-DD')
    .option('--all', 'every entry in the range, not only those new to the target (refused if some were exported, unless --again)')
    .option('--again', 'with --all: include entries this target already received')
    .option('--currency <code>', 'xero-csv: the currency to export')
    .option('--out <file>', 'write the file here (default: stdout, and the batch record on stderr)')
    .option('--by <user>', 'who exports (default: TILLSTREAM_USER or the login name)')
    .action(async (o: DbOpts & { target: string; format?: string; mode?: string; from?: string; to?: string; all?: boolean; again?: boolean; currency?: string; out?: string; by?: string }) => {
      try {
        const chart = hubCharts(o);
        const b = await withDb(o, (db) =>
          createExportBatch(db, chart, {
            target: o.target, format: o.format as ExportFormat | undefined, mode: o.mode as PostingMode | undefined, from: o.from, to: o.to,
            entries: o.all ? 'all' : 'new', again: o.again ?? false, currency: o.currency, by: who(o),
          }),
        );
        write(b, o.out);
      } catch (e) {
        fail(e);
      }
    });
  withDbOptions(exp.command('list').description('Export history, newest first (one JSON object per line)'))
    .option('--target <name>', 'only this target')
    .option('--before <batch_id>', 'page: batches older than this one')
    .option('--limit <n>', 'at most n (default 100, max 1000)')
    .action(async (o: DbOpts & { target?: string; before?: string; limit?: string }) => {
      try {
        const rows = await withDb(o, (db) => listBatches(db, { target: o.target, before: o.before ? Number(o.before) : undefined, limit: o.limit ? Number(o.limit) : undefined }));
        for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
      } catch (e) {
        fail(e);
      }
    });
  withDbOptions(exp.command('show <batch_id>').description('Render a recorded batch again (identical to when it was cut)'))
    .option('--out <file>', 'write the file here (default: stdout)')
    .action(async (id: string, o: DbOpts & { out?: string }) => {
      try {
        if (!/^\d{1,15}$/.test(id)) throw new Error(`batch_id must be a number, got ${id.slice(0, 40)}`);
        write(await withDb(o, (db) => renderBatch(db, Number(id))), o.out);
      } catch (e) {
        fail(e);
      }
    });
}

export function registerCorrectionCommands(books: Command, who: (o: { by?: string }) => string): void {
  const cor = books.command('corrections').description('Corrections made in the accounting tool, imported back as adjusting entries');
  withDbOptions(cor.command('import <file>').description('Import an edited hledger/Beancount export or a QuickBooks Online / Xero journal CSV; differences become adjusting entries (re-import changes nothing)'))
    .requiredOption('--format <format>', CORRECTION_FORMATS.join(' | '))
    .option('--batch <batch_id>', 'the export batch the file came from (default: named in the file; for a CSV, the one per_transaction batch of its format holding every entry it names, else refused with BATCH_NOT_NAMED)')
    .option('--by <user>', 'who imports (default: TILLSTREAM_USER or the login name)')
    .action(async (file: string, o: DbOpts & { format: string; batch?: string; by?: string }) => {
      try {
        if (o.batch !== undefined && !/^\d{1,15}$/.test(o.batch)) throw new Error(`--batch must be a number, got ${o.batch.slice(0, 40)}`);
        const bytes = readFileSync(file);
        const r = await withDb(o, (db) => importCorrections(db, { bytes, format: o.format as CorrectionFormat, batch_id: o.batch ? Number(o.batch) : undefined, file_name: file, by: who(o) }));
        process.stdout.write(`${JSON.stringify(r)}\n`);
      } catch (e) {
        fail(e);
      }
    });
  withDbOptions(cor.command('list').description('Correction imports, newest first (one JSON object per line)'))
    .option('--before <import_id>', 'page: imports older than this one')
    .option('--limit <n>', 'at most n (default 100, max 1000)')
    .action(async (o: DbOpts & { before?: string; limit?: string }) => {
      try {
        const rows = await withDb(o, (db) => listCorrectionImports(db, { before: o.before ? Number(o.before) : undefined, limit: o.limit ? Number(o.limit) : undefined }));
        for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
      } catch (e) {
        fail(e);
      }
    });
  withDbOptions(cor.command('items <import_id>').description('What an import adjusted, and what it left for a person with the reason'))
    .action(async (id: string, o: DbOpts) => {
      try {
        if (!/^\d{1,15}$/.test(id)) throw new Error(`import_id must be a number, got ${id.slice(0, 40)}`);
        for (const r of await withDb(o, (db) => correctionItems(db, Number(id)))) process.stdout.write(`${JSON.stringify(r)}\n`);
      } catch (e) {
        fail(e);
      }
    });
}

/** A progress bar on a terminal; a line per 5 % otherwise (logs, CI). */
function progressPrinter(): (p: HistoryProgress) => void {
  let lastPct = -1;
  return (p) => {
    const pct = p.total_sales === 0 ? 100 : Math.floor((p.done_sales * 100) / p.total_sales);
    if (process.stderr.isTTY) {
      const width = 30;
      const fill = Math.round((pct * width) / 100);
      process.stderr.write(`\r[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct}% ${p.done_sales}/${p.total_sales} sales (import ${p.import_id})`);
    } else if (pct >= lastPct + 5 || pct === 100) {
      lastPct = pct;
      process.stderr.write(`history import ${p.import_id}: ${p.done_sales}/${p.total_sales} sales (${pct}%)\n`);
    }
  };
}

export function registerHistoryCommands(books: Command, who: (o: { by?: string }) => string): void {
  const hist = books.command('history').description('Import the sales history of the POS a chain is leaving (resumable, idempotent)');
  withDbOptions(
    hist
      .command('import <file>')
      .description(
        'Import a JSON Lines history file (or, with --format square-transactions, a Square Dashboard Transactions CSV) now in this process ' +
          '(Ctrl-C pauses after the current batch, running it again resumes), or hand it to the hub: --window runs it only inside an off-peak window, --hub at once',
      ),
  )
    .option('--format <format>', `jsonl (our history lines, the default) or ${SQUARE_FORMAT} (Square Dashboard → Transactions → Export → Transactions CSV)`)
    .option('--store-map <map>', `${SQUARE_FORMAT}: Square Location → store id, "Main Street=store-001,Harbour=store-002", a JSON object, or a .json file holding one (required)`)
    .option('--source-tz <zone>', `${SQUARE_FORMAT}: IANA time zone of every row, instead of the file's Time Zone column (for zones the mapping does not know)`)
    .option('--batch-size <n>', 'sales per transaction (default 1000, max 5000)')
    .option('--yield-ms <ms>', 'pause between batches to leave room for live ingest (default 0)')
    .option('--window <HH:MM-HH:MM>', 'schedule it for the hub, run only inside this window each day (e.g. 01:00-05:00); paused between batches when it closes, resumed at the next')
    .option('--tz <zone>', "IANA time zone of the window (default: the books' time zone, chart time_zone)")
    .option('--hub', 'schedule it for the hub to run at once (no window)')
    .option('--by <user>', 'who imports (default: TILLSTREAM_USER or the login name)')
    .action(async (file: string, o: DbOpts & { batchSize?: string; yieldMs?: string; by?: string; window?: string; tz?: string; hub?: boolean; format?: string; storeMap?: string; sourceTz?: string }) => {
      const abort = new AbortController();
      const onSigint = () => abort.abort();
      process.once('SIGINT', onSigint);
      try {
        const format = o.format ?? 'jsonl';
        if (format !== 'jsonl' && format !== SQUARE_FORMAT) throw Object.assign(new Error(`--format must be jsonl or ${SQUARE_FORMAT}, got ${format.slice(0, 40)}`), { code: 'BAD_OPTION' });
        if (format === 'jsonl' && (o.storeMap !== undefined || o.sourceTz !== undefined)) throw Object.assign(new Error(`--store-map and --source-tz are for --format ${SQUARE_FORMAT}`), { code: 'BAD_OPTION' });
        if (format === SQUARE_FORMAT && o.storeMap === undefined) throw Object.assign(new Error(`--format ${SQUARE_FORMAT} needs --store-map "Square location=store_id,..."`), { code: 'BAD_STORE_MAP' });
        const raw = readFileSync(file);
        // A Square CSV becomes our history lines first (every row checked; a bad row refuses the file): the job runs those.
        const bytes =
          format === SQUARE_FORMAT
            ? (await withDb(o, (db) => convertSquareFile(db, raw, { storeMap: parseStoreMap(/\.json$/i.test(o.storeMap!.trim()) ? readFileSync(o.storeMap!.trim(), 'utf8') : o.storeMap!), timeZone: o.sourceTz }))).bytes
            : raw;
        const chart = hubCharts(o);
        for (const [flag, v] of [['--batch-size', o.batchSize], ['--yield-ms', o.yieldMs]] as const) {
          if (v !== undefined && !/^\d{1,6}$/.test(v)) throw Object.assign(new Error(`${flag} must be a whole number, got ${v.slice(0, 20)}`), { code: 'BAD_OPTION' });
        }
        if (o.tz !== undefined && o.window === undefined) throw Object.assign(new Error('--tz needs --window'), { code: 'BAD_WINDOW' });
        if (o.window !== undefined || o.hub) {
          const job = await withDb(o, async (db) => {
            const window = o.window === undefined ? null : parseWindow(o.window, o.tz ?? (await chart.current(db)).chart.config.time_zone);
            return scheduleHistoryImport(db, chart, { bytes, file_name: file, by: who(o), window, batch_size: o.batchSize ? Number(o.batchSize) : undefined, yield_ms: o.yieldMs ? Number(o.yieldMs) : undefined });
          });
          const shown = { ...withWindowTimes(job, new Date()), already_imported: job.already_imported };
          if (!job.already_imported) process.stderr.write(`history import ${job.import_id}: ${job.total_sales} sales scheduled; the hub ${shown.next_window_at ? `starts it at ${shown.next_window_at}` : 'runs it'} (follow it with \`books history list\`)\n`);
          process.stdout.write(`${JSON.stringify(shown)}\n`);
          return;
        }
        const r = await withDb(o, (db) =>
          runHistoryImport(db, chart, { bytes, file_name: file, by: who(o), batch_size: o.batchSize ? Number(o.batchSize) : undefined, yield_ms: o.yieldMs ? Number(o.yieldMs) : undefined, signal: abort.signal, onProgress: progressPrinter() }),
        );
        if (process.stderr.isTTY) process.stderr.write('\n');
        if (r.status === 'paused') process.stderr.write(`paused at ${r.done_sales}/${r.total_sales} sales; run the same command again to resume\n`);
        process.stdout.write(`${JSON.stringify(r)}\n`);
      } catch (e) {
        fail(e);
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
  withDbOptions(hist.command('pause <import_id>').description('Ask a running history import (another process or the hub) to pause after its current batch; a hub import waiting for its window is paused at once'))
    .action(async (id: string, o: DbOpts) => {
      try {
        if (!/^\d{1,15}$/.test(id)) throw new Error(`import_id must be a number, got ${id.slice(0, 40)}`);
        const ok = await withDb(o, (db) => requestHistoryPause(db, Number(id)));
        if (!ok) throw new Error(`history import ${id} is not running or waiting for its window`);
        process.stdout.write(`${JSON.stringify({ import_id: Number(id), pause_requested: true })}\n`);
      } catch (e) {
        fail(e);
      }
    });
  withDbOptions(hist.command('resume <import_id>').description('Give a paused or failed hub import back to the hub: it resumes inside its next window (or at once without one)'))
    .action(async (id: string, o: DbOpts) => {
      try {
        if (!/^\d{1,15}$/.test(id)) throw new Error(`import_id must be a number, got ${id.slice(0, 40)}`);
        const job = await withDb(o, (db) => resumeHistoryImport(db, Number(id)));
        process.stdout.write(`${JSON.stringify(withWindowTimes(job, new Date()))}\n`);
      } catch (e) {
        fail(e);
      }
    });
  withDbOptions(hist.command('list').description('History imports with their progress and window, newest first (one JSON object per line; status scheduled, running, paused, window_paused, done, failed)'))
    .action(async (o: DbOpts) => {
      try {
        const now = new Date();
        for (const r of await withDb(o, (db) => listHistoryImports(db))) process.stdout.write(`${JSON.stringify(withWindowTimes(r, now))}\n`);
      } catch (e) {
        fail(e);
      }
    });
}
