import { encodeRcn, GS, parseScan, RCN_PRESETS, withCheckDigit } from '../src/core/barcode';

// How many scans per second parseScan handles, per kind of code. A cashier scans a few codes a
// second, so anything in the hundreds of thousands per second is invisible at the register;
// this exists to catch an accidental regression by orders of magnitude.

const NOW = new Date('2026-11-23T00:00:00Z');
const CASES: Array<[string, string]> = [
  ['EAN-13', '9501101020917'],
  ['UPC-A', '036000291452'],
  ['UPC-E (]E0)', ']E001234565'],
  ['RCN price (EAN-13 21…)', encodeRcn('21', RCN_PRESETS.eu['21']!, '04711', 1299)],
  ['GS1-128 (01)(17)(10)(21)', ']C1' + '0109501101020917' + '17190508' + '10ABCD1234' + GS + '2110'],
  ['GS1 DataBar (01)(3103)(3922)', ']e0' + '01' + withCheckDigit('9950110102091') + '3103001250' + '39221299'],
  ['bracketed HRI', '(01)09501101020917(17)190508(10)ABCD1234(21)10'],
];

const ROUNDS = 5;
const PER_ROUND = 50_000;

function bench(raw: string): number {
  parseScan(raw, { now: NOW }); // fail fast on a bad sample
  let best = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < PER_ROUND; i++) parseScan(raw, { now: NOW });
    const ms = performance.now() - t0;
    best = Math.max(best, (PER_ROUND / ms) * 1000);
  }
  return best;
}

// The machine's speed (and its load) for scale: a trivial JSON.stringify.
function calibrate(): number {
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < PER_ROUND; i++) sink += JSON.stringify({ a: i, b: 'x' }).length;
  const us = ((performance.now() - t0) * 1000) / PER_ROUND;
  if (sink < 0) console.log(sink);
  return us;
}

console.log(`parseScan throughput (best of ${ROUNDS} × ${PER_ROUND} parses)`);
console.log(`for scale, JSON.stringify({a,b}) takes ${calibrate().toFixed(2)} µs on this machine now`);
for (const [name, raw] of CASES) {
  const perSecond = bench(raw);
  console.log(`${name.padEnd(32)} ${Math.round(perSecond).toLocaleString('en-US').padStart(12)} parses/s  ${(1e6 / perSecond).toFixed(2).padStart(7)} µs/parse`);
}
