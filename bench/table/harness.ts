// The benchmark table of issue 18: every figure with its floor measured in the same run on the
// same machine, the ratio figure/floor, the target ratio and PASS/MISS. Machines differ and the
// 2 cores are shared, so the ratio is what is judged, never an absolute time.

export type Size = 'tiny' | 'quick' | 'full';

export interface RowResult {
  id: string;
  /** What is measured, as the table names it (with the size actually run). */
  figure: string;
  value: number;
  floorValue: number;
  unit: string;
  /** What the floor is. */
  floor: string;
  /** figure / floor (for a throughput row, the floor's time / the figure's time: fraction of the floor reached). */
  ratio: number;
  /** The target as text, e.g. "≤ 1.5×". */
  target: string;
  pass: boolean;
  /** Anything else worth a line (counts, secondary percentiles). */
  notes: string[];
}

export interface RowSpec {
  id: string;
  /**
   * How the row depends on the number of registers: 'scales' takes `registers` (`npm run bench
   * -- --registers N`); otherwise why it does not (it then runs at its own size and says so).
   */
  registers: 'scales' | string;
  /** One run can measure several rows that share a setup (sale → hub and → other register). */
  run(size: Size, env: { databaseUrl?: string }, opts?: { registers?: number }): Promise<RowResult[]>;
}

/** Where a run's results go: table.json for the full default run; a run with --registers N never overwrites it. */
export function resultFileName(size: Size, registers?: number): string {
  const scale = registers === undefined ? '' : `-scale-${registers}`;
  return size === 'full' ? (scale ? `table${scale}.json` : 'table.json') : `table-${size}${scale}.json`;
}

export const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
export const sortNum = (xs: number[]): number[] => xs.slice().sort((a, b) => a - b);

/** Deterministic pseudo-random numbers (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Marks the timed part of a row for bench/table/profile.ts (which then counts only the samples
 * inside the marks): call with the value of `timedNow()` taken at the start and at the end.
 * Prints one `WINDOW <start µs> <end µs>` line (the monotonic clock V8's profiler stamps with).
 */
export const timedNow = (): number => Number(process.hrtime.bigint() / 1000n);
export function markWindow(startUs: number, endUs: number, label: string): void {
  process.stdout.write(`WINDOW ${startUs} ${endUs} ${label}\n`);
}

/** CPU of this process (hub and bench registers) per sale in the timed part: steadier than the clock on a shared machine. */
export function cpuNote(cpu: NodeJS.CpuUsage, sales: number, wallS: number): string {
  const us = cpu.user + cpu.system;
  return `this process: ${(us / sales).toFixed(0)} µs CPU a sale (${((us / 1e6 / wallS) * 100).toFixed(0)}% of one core)`;
}

export function pick<T>(size: Size, v: { tiny: T; quick: T; full: T }): T {
  return v[size];
}

const fmt = (v: number, unit: string): string => {
  if (unit === 'MiB' || unit === 'sales/s') return `${Math.round(v).toLocaleString('en')} ${unit}`;
  if (unit === 's') return `${v.toFixed(2)} s`;
  return `${v < 1 ? v.toFixed(3) : v.toFixed(2)} ${unit}`;
};

/** The table as printed by `npm run bench` (markdown, so docs/performance.md can hold it as is). */
export function formatTable(rows: RowResult[]): string {
  const out = ['| figure | measured | floor (same run) | ratio | target | result |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    out.push(`| ${r.figure} | ${fmt(r.value, r.unit)} | ${r.floor}: ${fmt(r.floorValue, r.unit)} | ${r.ratio.toFixed(2)} | ${r.target} | ${r.pass ? 'PASS' : 'MISS'} |`);
  }
  return out.join('\n');
}
