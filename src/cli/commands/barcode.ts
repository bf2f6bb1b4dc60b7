import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import {
  BarcodeError,
  type Gs1Date,
  type ParsedBarcode,
  parseRcnLayouts,
  parseScan,
  RCN_PRESETS,
  type RcnLayouts,
} from '../../core/barcode';

// `tillstream barcode <data>`: what the register makes of one scan, as one JSON object, so store
// IT can check a label or a scanner's configuration without a register.

const HELP = `
The data is what the scanner sends, optionally with its AIM symbology identifier
(]C1 GS1-128, ]e0 GS1 DataBar, ]d2 GS1 DataMatrix, ]Q3 GS1 QR, ]E0 EAN/UPC, ]E4 EAN-8, ]A0 Code 39 …),
or the bracketed human-readable form "(01)09501101020917(17)190508".

A shell cannot easily type the GS separator (ASCII 0x1D, FNC1), so write it as
\\x1d, \\u001d, <GS> or <FNC1> in the argument.

Examples:
  tillstream barcode 9501101020917
  tillstream barcode '(01)09501101020917(17)190508(10)ABCD1234(21)10'
  tillstream barcode ']C101095011010209171719050810ABCD1234<GS>2110'
  tillstream barcode 2104711012999 --currency EUR
  tillstream barcode 212345719954 --rcn-preset usPriceCheck --currency USD

Prints one JSON object: symbology, gtin (when the code carries one), elements (by AI), hri,
lookupKey, and price / weight when embedded. A bad code prints "tillstream: <reason>" to stderr
and exits 1.
`;

const GS_ESCAPES = /\\x1d|\\u001d|<GS>|<FNC1>/gi;

/** Replace the typed escapes for GS by the real character. */
export function unescapeScanArgument(arg: string): string {
  return arg.replace(GS_ESCAPES, '\u001d');
}

function loadLayouts(file: string): RcnLayouts {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read RCN layout file ${file}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`RCN layout file ${file} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  return parseRcnLayouts(json);
}

const iso = (d: Gs1Date | undefined): string | undefined => d?.iso;

/** The CLI's view of a parse: stable field order, dates as ISO strings, elements in scan order. */
export function formatParsed(p: ParsedBarcode): string {
  const out: Record<string, unknown> = {
    symbology: p.symbology,
    aim: p.aim,
    gtin: p.gtin,
    elements: '\u0000ELEMENTS\u0000',
    hri: p.hri,
    lookupKey: p.lookupKey,
    restricted: p.restricted,
    rcn: p.rcn,
    price: p.price,
    weight: p.weight,
    addOn: p.addOn,
    expiry: iso(p.expiry),
    bestBefore: iso(p.bestBefore),
    sellBy: iso(p.sellBy),
    productionDate: iso(p.productionDate),
    packagingDate: iso(p.packagingDate),
    dueDate: iso(p.dueDate),
  };
  // JSON objects list integer-like keys ("10", "17") before others ("01"); keep the scanned order.
  const elements =
    p.elementList.length === 0
      ? '{}'
      : `{\n${p.elementList.map((e) => `    ${JSON.stringify(e.ai)}: ${JSON.stringify(e.value)}`).join(',\n')}\n  }`;
  return JSON.stringify(out, null, 2).replace('"\\u0000ELEMENTS\\u0000"', elements);
}

export function register(program: Command): void {
  program
    .command('barcode')
    .description('Parse one scan (EAN/UPC, GS1 element string, price/weight label) and print it as JSON')
    .argument('<data>', 'scanned data; write GS (0x1D) as \\x1d or <GS>')
    .option('--symbology <name>', 'symbology reported by the scanner when the data has no AIM identifier (e.g. UPC-E, Code 128)')
    .option('--currency <code>', 'ISO 4217 currency of prices embedded in restricted circulation numbers (e.g. EUR)')
    .option('--rcn <file>', 'JSON file of restricted circulation layouts: {"21": {"kind":"price","itemDigits":5,"valueDigits":5,"decimals":2,"hasValueCheckDigit":false}}')
    .option('--rcn-preset <name>', `built-in layouts instead of the default: ${Object.keys(RCN_PRESETS).join(', ')}`)
    .option('--no-rcn-decode', 'do not decode restricted circulation numbers')
    .addHelpText('after', HELP)
    .action((data: string, opts: { symbology?: string; currency?: string; rcn?: string; rcnPreset?: string; rcnDecode: boolean }) => {
      let rcn: RcnLayouts | false | undefined;
      if (!opts.rcnDecode) rcn = false;
      else if (opts.rcn) rcn = loadLayouts(opts.rcn);
      else if (opts.rcnPreset) {
        const preset = (RCN_PRESETS as Record<string, RcnLayouts>)[opts.rcnPreset];
        if (!preset) throw new BarcodeError('BAD_CONFIG', `unknown RCN preset "${opts.rcnPreset}" (known: ${Object.keys(RCN_PRESETS).join(', ')})`);
        rcn = preset;
      }
      if (opts.currency !== undefined && !/^[A-Z]{3}$/.test(opts.currency)) {
        throw new BarcodeError('BAD_CONFIG', `--currency must be an ISO 4217 code like EUR, got "${opts.currency}"`);
      }
      const parsed = parseScan(unescapeScanArgument(data), {
        ...(opts.symbology ? { symbology: opts.symbology } : {}),
        ...(opts.currency ? { currency: opts.currency } : {}),
        ...(rcn !== undefined ? { rcn } : {}),
      });
      process.stdout.write(formatParsed(parsed) + '\n');
    });
}
