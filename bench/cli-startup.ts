import { spawnSync } from 'node:child_process';
import { cliBundleFresh } from '../tools/build-cli.mjs';

// Start-up of `tillstream barcode <code>` (store IT types it interactively), against the floor
// of starting Node at all (`node -e 0`), measured in the same run, alternating so machine load
// hits all alike. Two paths: the CLI precompiled at install (dist/cli) and the TypeScript
// sources through tsx (what runs when the bundle is missing or stale).

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const CODE = '4006381333931';

function timeMs(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

if (!cliBundleFresh()) {
  console.log('dist/cli is missing or stale: run `npm run build:cli` (postinstall does) to measure the precompiled path');
}
const floor: number[] = [];
const bundled: number[] = [];
const tsx: number[] = [];
timeMs(['bin/tillstream.mjs', 'barcode', CODE]); // warm the file cache
for (let i = 0; i < RUNS; i++) {
  floor.push(timeMs(['-e', '0']));
  bundled.push(timeMs(['bin/tillstream.mjs', 'barcode', CODE]));
  tsx.push(timeMs(['bin/tillstream.mjs', 'barcode', CODE], { ...process.env, TILLSTREAM_CLI_TSX: '1' }));
}
const f = median(floor);
const row = (name: string, xs: number[]) => console.log(`${name.padEnd(44)} ${median(xs).toFixed(0).padStart(6)} ms   ${(median(xs) / f).toFixed(2)}x floor`);
console.log(`median of ${RUNS} runs each`);
row('floor: node -e 0', floor);
row(`tillstream barcode (${cliBundleFresh() ? 'precompiled dist/cli' : 'bundle stale: tsx'})`, bundled);
row('tillstream barcode (sources through tsx)', tsx);
console.log(`precompiled start-up over the floor: +${(median(bundled) - f).toFixed(0)} ms; tsx path: +${(median(tsx) - f).toFixed(0)} ms`);
