// Printer model profiles: language, columns, printable width in dots and code pages. Named
// models come from @point-of-sale/receipt-printer-encoder's model database (Epson, Star, Bixolon,
// Citizen, …); the generic profiles cover "ESC/POS compatible" printers without a profile.

import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';
import type { ReceiptPrinterEncoderOptions } from '@point-of-sale/receipt-printer-encoder';

export interface PrinterProfile {
  id: string;
  name: string;
  language: 'esc-pos' | 'star-prnt' | 'star-line';
  /** Characters per line in font A at normal size. */
  columns: number;
  /** Printable width in dots; raster images are at most this wide. */
  dotsWidth: number;
  /** Options for the encoder (model or generic settings). */
  encoderOptions: ReceiptPrinterEncoderOptions;
  /** Whether the printer answers status requests: DLE EOT (ESC/POS) or ESC ACK SOH (Star automatic status). */
  realtimeStatus: boolean;
  /** How status is asked for and read: ESC/POS DLE EOT replies and GS a ASB, or Star's automatic status. */
  statusProtocol: 'escpos' | 'star';
  /** Lines fed before a cut so the last printed line clears the cutter. */
  feedBeforeCut: number;
}

type ModelId = NonNullable<ReceiptPrinterEncoderOptions['printerModel']>;

const GENERIC: PrinterProfile[] = [
  {
    id: 'generic-escpos-80',
    name: 'Generic ESC/POS 80 mm (48 columns, Epson code pages)',
    language: 'esc-pos',
    columns: 48,
    dotsWidth: 576,
    encoderOptions: { language: 'esc-pos', columns: 48, codepageMapping: 'epson' },
    realtimeStatus: true,
    statusProtocol: 'escpos',
    feedBeforeCut: 4,
  },
  {
    id: 'generic-escpos-58',
    name: 'Generic ESC/POS 58 mm (32 columns, Epson code pages)',
    language: 'esc-pos',
    columns: 32,
    dotsWidth: 384,
    encoderOptions: { language: 'esc-pos', columns: 32, codepageMapping: 'epson' },
    realtimeStatus: true,
    statusProtocol: 'escpos',
    feedBeforeCut: 4,
  },
];

const cache = new Map<string, PrinterProfile>();

export function listPrinterProfiles(): Array<{ id: string; name: string }> {
  return [...GENERIC.map((p) => ({ id: p.id, name: p.name })), ...ReceiptPrinterEncoder.printerModels.map((m) => ({ id: m.id, name: m.name }))];
}

/** A profile by id: a generic one, or any model the encoder knows ("epson-tm-t88vi", "star-tsp100iv"). */
export function resolvePrinterProfile(id: string): PrinterProfile {
  const hit = cache.get(id) ?? GENERIC.find((p) => p.id === id);
  if (hit) return hit;
  const model = ReceiptPrinterEncoder.printerModels.find((m) => m.id === id);
  if (!model) {
    throw new Error(`unknown printer profile "${id}"; known: ${listPrinterProfiles().map((p) => p.id).join(', ')}`);
  }
  const enc = new ReceiptPrinterEncoder({ printerModel: id as ModelId });
  const caps = enc.printerCapabilities as { language: string; cutter?: { feed?: number } };
  const language = (['esc-pos', 'star-prnt', 'star-line'].includes(caps.language) ? caps.language : 'esc-pos') as PrinterProfile['language'];
  const profile: PrinterProfile = {
    id,
    name: model.name,
    language,
    columns: enc.columns,
    dotsWidth: enc.printableWidth,
    encoderOptions: { printerModel: id as ModelId },
    // Star printers (StarPRNT and Star Line mode) report status as Star's automatic status.
    realtimeStatus: true,
    statusProtocol: language === 'esc-pos' ? 'escpos' : 'star',
    feedBeforeCut: caps.cutter?.feed ?? 4,
  };
  cache.set(id, profile);
  return profile;
}
