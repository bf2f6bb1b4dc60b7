import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { formatTable, resultFileName, type RowResult, type Size } from './table/harness';
import { RESULT_ORDER, ROW_OF, ROWS } from './table/rows';

// `npm run bench`: every figure of issue 18's table with its floor measured in the same run,
// the ratio, the target and PASS/MISS; each row in its own process, one after the other (the
// 2 cores are shared, never in parallel). Writes bench/results/table.json.
// usage: npm run bench [-- --quick] [-- --only id,id] [-- --registers N] ; Postgres rows use DATABASE_URL, else PGlite.
// --registers N: the rows whose figure depends on the number of registers (sale-applied and
// stock-other-register, price-change, hub-rss) run with N registers (10 a store); the others
// run at their own size and say why N does not apply. Results go to table-scale-N.json.
// The other files in bench/ are single benchmarks run on their own (docs/performance.md).
const args = process.argv.slice(2);
const size: Size = args.includes('--tiny') ? 'tiny' : args.includes('--quick') ? 'quick' : 'full';
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set(args[onlyAt + 1]!.split(',').map((id) => ROW_OF[id] ?? id)) : null;
const regAt = args.indexOf('--registers');
const registers = regAt >= 0 ? Number(args[regAt + 1]) : undefined;
if (registers !== undefined && !(Number.isInteger(registers) && registers >= 2)) throw new Error(`--registers takes a whole number ≥ 2, got ${args[regAt + 1]}`);
const rows = ROWS.filter((r) => !only || only.has(r.id));
if (only) for (const id of only) if (!ROWS.some((r) => r.id === id)) throw new Error(`no row ${id}; rows: ${ROWS.map((r) => r.id).join(', ')}, or sale-applied, stock-other-register`);

function runChild(id: string): Promise<RowResult[] | { id: string; error: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['bin/run-ts.mjs', path.join('bench', 'table', 'row-child.ts'), id, size, ...(registers ? [String(registers)] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), 20 * 60_000);
    p.stdout.on('data', (d) => (out += String(d)));
    p.stderr.on('data', (d) => (err = (err + String(d)).slice(-20_000)));
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      const rows = [...out.matchAll(/^ROW (.*)$/gm)].map((m) => JSON.parse(m[1]!) as RowResult);
      const lines = err.trim().split('\n');
      const first = lines.find((l) => /Error\b/.test(l)) ?? lines[lines.length - 1] ?? '';
      resolve(code === 0 && rows.length ? rows : { id, error: `exit ${code ?? signal}: ${first.trim().slice(0, 400)}` });
    });
  });
}

const started = Date.now();
const results: RowResult[] = [];
const failures: { id: string; error: string }[] = [];
const load = (): string => os.loadavg().map((l) => l.toFixed(1)).join(' ');
console.log(`bench table (${size}${registers ? `, --registers ${registers}` : ''}), ${os.cpus().length} cores, ${process.env.DATABASE_URL ? 'Postgres' : 'PGlite'} hub, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (const r of rows) {
  const t0 = Date.now();
  const load0 = os.loadavg();
  if (registers !== undefined && r.registers !== 'scales') console.log(`  ${r.id}: independent of --registers, run at its own size: ${r.registers}`);
  const res = await runChild(r.id);
  if ('error' in res) {
    failures.push(res);
    console.log(`  ${r.id}: FAILED (${res.error})`);
    continue;
  }
  for (const x of res) {
    results.push({ ...x, ...(registers !== undefined && r.registers !== 'scales' ? { notes: [...x.notes, `independent of --registers: ${r.registers}`] } : {}), loadBefore: load0, loadAfter: os.loadavg() } as RowResult);
    console.log(`  ${x.id}: ${x.pass ? 'PASS' : 'MISS'} ratio ${x.ratio.toFixed(2)} (${((Date.now() - t0) / 1000).toFixed(0)} s, load average ${load0.map((l) => l.toFixed(1)).join(' ')} before, ${load()} after)${x.notes.length ? `; ${x.notes.join('; ')}` : ''}`);
  }
}
console.log(`\n${formatTable(results)}\n`);
console.log(`${results.filter((r) => r.pass).length} PASS, ${results.filter((r) => !r.pass).length} MISS, ${failures.length} failed, in ${((Date.now() - started) / 1000).toFixed(0)} s`);
// With --only, the rows run replace theirs in the last table.json of the same size (each row keeps the time it was run).
mkdirSync(path.join('bench', 'results'), { recursive: true });
const file = path.join('bench', 'results', resultFileName(size, registers));
const stamped = results.map((r) => ({ ...r, at: new Date().toISOString(), loadavg: os.loadavg() }));
let all: (RowResult & { at?: string; loadavg?: number[] })[] = stamped;
if (only && existsSync(file)) {
  const prev = JSON.parse(readFileSync(file, 'utf8')) as { results: (RowResult & { at?: string; loadavg?: number[] })[] };
  const ids = new Set(stamped.map((r) => r.id));
  all = [...prev.results.filter((r) => !ids.has(r.id)), ...stamped].sort((a, b) => RESULT_ORDER.indexOf(a.id) - RESULT_ORDER.indexOf(b.id));
  console.log(`\nwhole table (${file}):\n${formatTable(all)}`);
}
writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), size, ...(registers !== undefined ? { registers } : {}), cores: os.cpus().length, backend: process.env.DATABASE_URL ? 'postgres' : 'pglite', results: all, failures }, null, 2));
process.exitCode = failures.length ? 1 : 0;
