import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';

// Profiles one row of the bench table (node --cpu-prof on the row's process) and prints the
// top frames by self time, as a share of the busy (non-idle) samples, and the same by file.
// usage: node bin/run-ts.mjs bench/table/profile.ts <row-id> [tiny|quick|full] [top=20]
interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number }

/** `windows`: [start, end] in the profiler's µs clock (a row's `WINDOW` lines); samples outside every window are left out. */
export function topFrames(profile: Profile, top: number, windows: [number, number][] = []): { frames: [string, number][]; files: [string, number][]; busyMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (windows.length > 0 && !windows.some(([a, b]) => t >= a && t <= b)) return;
    self.set(id, (self.get(id) ?? 0) + dt);
  });
  const frames = new Map<string, number>();
  const files = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const fn = n.callFrame.functionName || '(anonymous)';
    if (fn === '(idle)' || fn === '(program)') continue;
    busy += us;
    const url = n.callFrame.url.replace(/^file:\/\//, '').replace(process.cwd() + '/', '');
    const short = url.replace(/^.*node_modules\//, '');
    frames.set(`${fn} ${short ? `${short}:${n.callFrame.lineNumber + 1}` : ''}`, (frames.get(`${fn} ${short ? `${short}:${n.callFrame.lineNumber + 1}` : ''}`) ?? 0) + us);
    const file = url.includes('node_modules/') ? `npm:${short.split('/')[0]!.startsWith('@') ? short.split('/').slice(0, 2).join('/') : short.split('/')[0]}` : url || fn;
    files.set(file, (files.get(file) ?? 0) + us);
  }
  const sortTop = (m: Map<string, number>): [string, number][] => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => [k, v / busy]);
  return { frames: sortTop(frames), files: sortTop(files), busyMs: busy / 1000 };
}

if (process.argv[1]?.endsWith('profile.ts')) {
  const [id, size = 'quick', top = '20'] = process.argv.slice(2);
  if (!id) throw new Error('usage: profile.ts <row-id> [size] [top]');
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-prof-'));
  try {
    const r = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, 'bin/run-ts.mjs', 'bench/table/row-child.ts', id, size], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
    process.stdout.write(r.stdout.split('\n').filter((l) => l.startsWith('ROW') || l.startsWith('WINDOW')).map((l) => `${l.slice(0, 400)}\n`).join(''));
    // A row that marks its timed part (harness `markWindow`) is profiled inside those marks only.
    const windows = r.stdout.split('\n').filter((l) => l.startsWith('WINDOW ')).map((l) => [Number(l.split(' ')[1]), Number(l.split(' ')[2])] as [number, number]);
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) {
      const t = topFrames(JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Profile, Number(top), windows);
      console.log(`\n${f}: ${t.busyMs.toFixed(0)} ms busy`);
      for (const [k, v] of t.frames) console.log(`  ${(v * 100).toFixed(1).padStart(5)}%  ${k}`);
      console.log('  by file:');
      for (const [k, v] of t.files.slice(0, 12)) console.log(`  ${(v * 100).toFixed(1).padStart(5)}%  ${k}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
