// PrintCommand[] → printer bytes through @point-of-sale/receipt-printer-encoder (see
// docs/decisions/0001-receipt-encoder.md), split into bounded chunks so the driver can pace a
// job, check status between chunks, and never push megabytes of raster into a slow serial line.

import ImageData from '@canvas/image-data';
import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';
import { rowBytes, type PrintCommand } from './commands';
import type { PrinterProfile } from './profiles';
import { loadUnifont, rasterizeText, type BitmapFont } from './text-raster';

/** Upper bound of one chunk written before the driver drains and checks status. */
export const DEFAULT_MAX_CHUNK_BYTES = 4096;
/** Hard bound on one job, so a runaway document cannot fill the printer (or memory). */
export const MAX_JOB_BYTES = 4 * 1024 * 1024;

export interface EncodeOptions {
  profile: PrinterProfile;
  maxChunkBytes?: number;
  /** Font for text the code pages cannot carry; `undefined` = load Unifont, `null` = never rasterise. */
  font?: BitmapFont | null;
  rasterScale?: number;
  /** Send ESC @ (initialise) first. */
  initialize?: boolean;
}

export interface EncodedJob {
  chunks: Uint8Array[];
  totalBytes: number;
  /** Text lines printed as images because no code page of the printer has their characters. */
  rasterizedLines: number;
  warnings: string[];
}

type Enc = InstanceType<typeof ReceiptPrinterEncoder>;

function newEncoder(profile: PrinterProfile): Enc {
  return new ReceiptPrinterEncoder({ ...profile.encoderOptions, newline: '\n', feedBeforeCut: 0, imageMode: 'raster', errors: 'relaxed' });
}

/** True when every character of `s` survives the profile's code pages (the encoder writes "?" otherwise). */
export function canEncodeText(s: string, profile: PrinterProfile): boolean {
  if (/^[\x20-\x7e]*$/.test(s)) return true;
  const bytes = newEncoder(profile).codepage('auto').text(s).encode();
  const qIn = [...s].filter((c) => c === '?').length;
  let qOut = 0;
  for (const b of bytes) if (b === 0x3f) qOut++;
  return qOut === qIn;
}

const RTL_CHARS = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]/u;

/** Text printed as an image: characters outside the code pages, or right-to-left script (printers neither shape nor reorder it). */
export function needsRaster(s: string, profile: PrinterProfile): boolean {
  return RTL_CHARS.test(s) || !canEncodeText(s, profile);
}

function alignBytes(profile: PrinterProfile, align: 'left' | 'center' | 'right'): number[] {
  const n = align === 'left' ? 0 : align === 'center' ? 1 : 2;
  return profile.language === 'esc-pos' ? [0x1b, 0x61, n] : [0x1b, 0x1d, 0x61, n];
}

function toImageData(img: Extract<PrintCommand, { op: 'image' }>, y0: number, rows: number): ImageData {
  // Height padded to a multiple of 8 (raster bands); padding rows stay white.
  const h = Math.ceil(rows / 8) * 8;
  const data = new ImageData(img.width, h);
  const rb = rowBytes(img.width);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < img.width; x++) {
      const black = y < rows && (img.bits[(y0 + y) * rb + (x >> 3)]! & (0x80 >> (x & 7))) !== 0;
      const i = (y * img.width + x) * 4;
      const v = black ? 0 : 255;
      data.data[i] = v;
      data.data[i + 1] = v;
      data.data[i + 2] = v;
      data.data[i + 3] = 255;
    }
  }
  return data;
}

export function encodeCommands(commands: PrintCommand[], opts: EncodeOptions): EncodedJob {
  const { profile } = opts;
  const maxChunk = opts.maxChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES;
  if (maxChunk < 256) throw new RangeError('maxChunkBytes must be at least 256');
  const enc = newEncoder(profile);
  const job: EncodedJob = { chunks: [], totalBytes: 0, rasterizedLines: 0, warnings: [] };
  let pending: number[] = [];
  let font: BitmapFont | null | undefined = opts.font;

  const add = (bytes: Uint8Array) => {
    if (job.totalBytes + bytes.length > MAX_JOB_BYTES) throw new RangeError(`print job larger than ${MAX_JOB_BYTES} bytes`);
    if (pending.length + bytes.length > maxChunk && pending.length > 0) {
      job.chunks.push(Uint8Array.from(pending));
      pending = [];
    }
    for (let off = 0; off < bytes.length; off += maxChunk) {
      const part = bytes.subarray(off, off + maxChunk);
      if (part.length === maxChunk) job.chunks.push(part.slice());
      else pending.push(...part);
    }
    job.totalBytes += bytes.length;
  };

  const image = (img: Extract<PrintCommand, { op: 'image' }>) => {
    if (img.width > profile.dotsWidth) throw new RangeError(`image ${img.width} dots wide, printer prints ${profile.dotsWidth}`);
    // Strips small enough that one strip is one chunk: the printer gets time to print between them.
    const strip = Math.max(8, Math.floor((maxChunk - 16) / rowBytes(img.width) / 8) * 8);
    for (let y = 0; y < img.height; y += strip) {
      const rows = Math.min(strip, img.height - y);
      add(enc.image(toImageData(img, y, rows), img.width, Math.ceil(rows / 8) * 8, 'threshold').encode());
    }
  };

  if (opts.initialize ?? true) add(enc.initialize().codepage('auto').encode());
  else enc.codepage('auto');

  for (const c of commands) {
    switch (c.op) {
      case 'text': {
        if (needsRaster(c.text, profile)) {
          if (font === undefined) font = loadUnifont();
          if (font) {
            for (const img of rasterizeText(c.text, { widthDots: profile.dotsWidth, align: c.align, font, scale: (opts.rasterScale ?? 2) * Math.max(1, c.height) })) image(img);
            job.rasterizedLines++;
            break;
          }
          job.warnings.push(`no font to rasterise "${c.text}"; printed with code page substitutes`);
        }
        enc.raw(alignBytes(profile, c.align));
        if (c.bold) enc.bold(true);
        if (c.width !== 1 || c.height !== 1) enc.size(c.width, c.height);
        enc.line(c.text);
        if (c.bold) enc.bold(false);
        if (c.width !== 1 || c.height !== 1) enc.size(1, 1);
        add(enc.encode());
        break;
      }
      case 'rule':
        add(enc.raw(alignBytes(profile, 'left')).line(c.char.repeat(profile.columns)).encode());
        break;
      case 'feed':
        if (c.lines > 0) add(enc.newline(Math.min(c.lines, 255)).encode());
        break;
      case 'cut':
        add(enc.cut(c.partial ? 'partial' : 'full').encode());
        break;
      case 'qr':
        add(enc.raw(alignBytes(profile, 'center')).qrcode(c.data, { model: 2, size: c.size, errorlevel: c.errorLevel }).raw(alignBytes(profile, 'left')).encode());
        break;
      case 'barcode':
        add(enc.raw(alignBytes(profile, 'center')).barcode(c.data, c.symbology, { height: c.height, text: 'below' }).raw(alignBytes(profile, 'left')).encode());
        break;
      case 'image':
        image(c);
        break;
      case 'pulse':
        add(enc.pulse(c.pin === 2 ? 0 : 1, c.onMs, c.offMs).encode());
        break;
    }
  }
  if (pending.length) job.chunks.push(Uint8Array.from(pending));
  return job;
}
