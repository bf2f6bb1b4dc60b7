import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { detectDevices, entryFor, mergeEntries, type DetectedType, type Proposal, type RawDeviceConfig } from '../../drivers/config/detect';
import { DeviceConfigError } from '../../drivers/config/load';
import { hex4 } from '../../drivers/transport/base';
import type { TransportBinding } from '../../drivers/transport/transport';

// `tillstream devices detect`: what is plugged in, what we propose for each recognised device,
// a question for each unknown one, and the configuration written only after store IT says yes
// (or with --yes, for scripts: unknown devices are then left out and listed).

export interface DetectIo {
  out(line: string): void;
  /** Asks store IT; resolves with the answer (trimmed). Not called with `yes`. */
  ask(question: string): Promise<string>;
}

export interface DetectOptions {
  bindings: TransportBinding[];
  configFile: string;
  yes: boolean;
  io: DetectIo;
}

const TYPE_KEYS: Record<string, DetectedType | 'display' | 'skip'> = { p: 'printer', s: 'scanner', w: 'scale', d: 'display', '': 'skip', n: 'skip' };

function label(p: Proposal): string {
  const d = p.found;
  const where = d.kind === 'serial' ? d.id : `${hex4(d.vendorId ?? 0)}:${hex4(d.productId ?? 0)}`;
  const words = [d.manufacturer, d.product].filter(Boolean).join(' ');
  return `${d.kind} ${where}${words ? ` (${words})` : ''}`;
}

function readRaw(file: string): RawDeviceConfig | null {
  if (!existsSync(file)) return null;
  const raw = JSON.parse(readFileSync(file, 'utf8')) as RawDeviceConfig;
  if (raw?.version !== 1 || typeof raw.devices !== 'object' || raw.devices === null) throw new Error(`${file} is not a device configuration (version 1)`);
  return raw;
}

/** Returns the process exit code: 0 written or nothing to do, 1 declined, 2 invalid result. */
export async function runDetect(o: DetectOptions): Promise<number> {
  const { io } = o;
  const { proposals, errors } = await detectDevices(o.bindings);
  for (const e of errors) io.out(`(${e.kind} listing failed: ${e.message})`);
  if (proposals.length === 0) io.out('no serial, USB or HID devices found');
  const entries: Array<Record<string, unknown>> = [];
  const skipped: string[] = [];
  for (const p of proposals) {
    if (p.known && p.entry) {
      io.out(`found ${label(p)}: ${p.known.label} → ${p.entry.type}${p.entry.profile ? `, profile ${String(p.entry.profile)}` : ''}`);
      entries.push(p.entry);
      continue;
    }
    if (p.known) {
      io.out(`found ${label(p)}: ${p.known.label}; ${p.note}`);
      continue;
    }
    if (o.yes) {
      skipped.push(label(p));
      continue;
    }
    const answer = (await io.ask(`unknown device ${label(p)}: is it a [p]rinter, [s]canner, scale ([w]), customer [d]isplay, or [n]one of these? [n] `)).toLowerCase();
    const type = TYPE_KEYS[answer.slice(0, 1)] ?? 'skip';
    if (type === 'skip') continue;
    let profile: string | undefined;
    if (type === 'printer') profile = (await io.ask('printer profile (`tillstream devices profiles` lists them) [generic-escpos-80] ')) || 'generic-escpos-80';
    const made = entryFor(p.found, type, profile);
    if (made.entry) entries.push(made.entry);
    else io.out(`  not added: ${made.note}`);
  }
  if (skipped.length) io.out(`left out (unknown; run without --yes to say what they are): ${skipped.join(', ')}`);
  if (entries.length === 0) {
    io.out('nothing to add to the configuration');
    return 0;
  }
  const current = readRaw(o.configFile);
  const hasPrinter = entries.some((e) => e.type === 'printer');
  const drawer = hasPrinter && (o.yes || !/^n/i.test(await io.ask('is a cash drawer plugged into the receipt printer? [Y/n] ')));
  let merged;
  try {
    merged = mergeEntries(current, entries, { drawer });
  } catch (err) {
    if (!(err instanceof DeviceConfigError)) throw err;
    io.out(err.message);
    return 2;
  }
  if (merged.added.length === 0) {
    io.out(`everything found is already in ${o.configFile} (${merged.kept.join(', ')})`);
    return 0;
  }
  io.out(`proposed additions to ${o.configFile}:`);
  for (const name of merged.added) io.out(`  "${name}": ${JSON.stringify(merged.raw.devices[name])}`);
  if (merged.kept.length) io.out(`already configured, kept as they are: ${merged.kept.join(', ')}`);
  if (!o.yes && !/^y/i.test(await io.ask(`write ${o.configFile}? [y/N] `))) {
    io.out('nothing written');
    return 1;
  }
  const file = path.resolve(o.configFile);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(merged.raw, null, 2)}\n`);
  renameSync(tmp, file);
  io.out(`wrote ${o.configFile}; try each device with \`tillstream devices test <name> --config ${o.configFile}\``);
  return 0;
}

/** Store IT at a terminal: questions on stdin/stdout. */
export function terminalIo(): DetectIo & { close(): void } {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  return {
    out: (line) => void process.stdout.write(`${line}\n`),
    ask: async (q) => (await rl.question(q)).trim().slice(0, 200),
    close: () => rl.close(),
  };
}
