import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeRcn, RCN_PRESETS } from '../../core/barcode';
import { unescapeScanArgument } from './barcode';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(ROOT, 'bin/tillstream.mjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'barcode', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const tmp = mkdtempSync(path.join(tmpdir(), 'tillstream-barcode-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const EXAMPLE = { '01': '09501101020917', '17': '190508', '10': 'ABCD1234', '21': '10' };

// Each test spawns the CLI through tsx, which takes seconds on a loaded machine.
describe('tillstream barcode', { timeout: 90_000 }, () => {
  it('prints the GS1 example given as bracketed HRI, elements in scanned order', async () => {
    const r = await run('(01)09501101020917(17)190508(10)ABCD1234(21)10');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ symbology: 'GS1', gtin: '09501101020917', elements: EXAMPLE, hri: '(01)09501101020917(17)190508(10)ABCD1234(21)10' });
    expect(r.stdout.indexOf('"01"')).toBeLessThan(r.stdout.indexOf('"17"'));
    expect(r.stdout.indexOf('"17"')).toBeLessThan(r.stdout.indexOf('"10"'));
  });

  // The other spellings (\u001d, <FNC1>) go through the same function, tested in-process below.
  it.each([['\\x1d'], ['<GS>']])('accepts %s for the GS separator', async (gs) => {
    const r = await run(`]C10109501101020917171905081${'0ABCD1234'}${gs}2110`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ symbology: 'GS1-128', aim: ']C1', elements: EXAMPLE });
  });

  it('prints an EAN-13 with its GTIN', async () => {
    const r = await run('9501101020917');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ symbology: 'EAN-13', gtin: '09501101020917', elements: { '01': '09501101020917' }, hri: '(01)09501101020917' });
  });

  it('prints the embedded price of a restricted circulation number, and honours a layout file', async () => {
    const code = encodeRcn('21', RCN_PRESETS.eu['21']!, '04711', 1299);
    const r = await run(code, '--currency', 'EUR');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ symbology: 'EAN-13', price: { amountMinor: 1299, decimals: 2, currency: 'EUR' } });

    const file = path.join(tmp, 'rcn.json');
    writeFileSync(file, JSON.stringify({ '21': { kind: 'weight', itemDigits: 5, valueDigits: 5, decimals: 3, hasValueCheckDigit: false } }));
    const w = await run(code, '--rcn', file);
    expect(w.code).toBe(0);
    const out = JSON.parse(w.stdout);
    expect(out.weight).toEqual({ grams: 1299, value: '1.299', unit: 'kg' });
    expect(out.price).toBeUndefined();
  });

  it('rejects a bad check digit with one line on stderr and exit 1', async () => {
    const r = await run('9501101020918');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('tillstream: EAN-13 9501101020918: bad check digit 8, expected 7\n');
  });

  it('rejects a short date field naming the AI', async () => {
    const r = await run('(01)09501101020917(17)19050');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('tillstream: AI (17): expected 6 digits, got 5\n');
  });

  it('rejects an invalid layout file naming the field', async () => {
    const file = path.join(tmp, 'bad.json');
    writeFileSync(file, JSON.stringify({ '21': { kind: 'price', itemDigits: 5, valueDigits: 4, decimals: 2, hasValueCheckDigit: false } }));
    const r = await run('9501101020917', '--rcn', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tillstream: restricted circulation layout 21: itemDigits \+ valueDigits/);
  });

  it('documents the GS escapes in its help', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('<GS>');
    expect(r.stdout).toContain('\\x1d');
  });
});

describe('unescapeScanArgument', () => {
  it('turns every spelling of GS into 0x1D and leaves other text alone', () => {
    expect(unescapeScanArgument('a\\x1Db<GS>c<gs>d\\u001de<FNC1>f')).toBe('a\u001db\u001dc\u001dd\u001de\u001df');
    expect(unescapeScanArgument('(10)AB<C>')).toBe('(10)AB<C>');
  });
});
