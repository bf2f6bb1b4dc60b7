import { readFileSync, readdirSync } from 'node:fs';
import { topFrames } from './bench/table/profile';
const dir = process.argv[2]!;
for (const f of readdirSync(dir)) {
  const t = topFrames(JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')), 25);
  console.log(f, t.busyMs.toFixed(0), 'ms busy');
  for (const [k, v] of t.frames) console.log(`${(v * 100).toFixed(1).padStart(5)}% ${k}`);
  for (const [k, v] of t.files.slice(0, 12)) console.log(`${(v * 100).toFixed(1).padStart(5)}% ${k}`);
}
