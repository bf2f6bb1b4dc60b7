import { describe, expect, it } from 'vitest';
import { receiptDocumentSchema } from '../../core/receipt/document';
import { SAMPLE_RECEIPT } from '../../core/receipt/sample';
import { text, type PrintCommand } from './commands';
import { canEncodeText, encodeCommands, needsRaster } from './encode';
import { opsToCommands, parseEscPos } from './escpos-parser';
import { layoutReceipt } from './layout';
import { resolvePrinterProfile } from './profiles';
import { loadUnifont } from './text-raster';

const profile = resolvePrinterProfile('epson-tm-t88vi');
const concat = (chunks: Uint8Array[]) => Uint8Array.from(chunks.flatMap((c) => [...c]));

describe('receipt → commands → ESC/POS bytes → commands', () => {
  it('round-trips a full sale receipt exactly', () => {
    const doc = receiptDocumentSchema.parse({ ...SAMPLE_RECEIPT, saleIdCodes: ['qr', 'code128'] });
    const cmds = layoutReceipt(doc, { columns: profile.columns, feedBeforeCut: profile.feedBeforeCut, timeZone: 'UTC' });
    const job = encodeCommands(cmds, { profile });
    expect(job.rasterizedLines).toBe(0);
    const decoded = opsToCommands(parseEscPos(concat(job.chunks)), profile.columns);
    expect(decoded).toEqual(cmds);
    // Spot-check the layout itself, so a layout bug cannot hide behind a symmetric decoder bug.
    expect(cmds[0]).toEqual(text('Corner Grocer', { align: 'center', bold: true, width: 2, height: 2 }));
    expect(cmds).toContainEqual(text('  2 x £0.95                        £1.90 Z'));
    expect(cmds).toContainEqual(text('  0.355 kg x £2.50/kg              £0.89 Z'));
    expect(cmds).toContainEqual(text('  Promo                             -£1.00'));
    expect(cmds).toContainEqual(text('TOTAL          £10.79', { bold: true, width: 2, height: 2 }));
    expect(cmds).toContainEqual({ op: 'qr', data: 'S-0001', size: 6, errorLevel: 'm' });
    expect(cmds).toContainEqual({ op: 'barcode', symbology: 'code128', data: 'S-0001', height: 60 });
    expect(cmds.slice(-2)).toEqual([{ op: 'feed', lines: 4 }, { op: 'cut', partial: true }]);
  });

  it('keeps every chunk within the bound and slices images into strips', () => {
    const width = 496;
    const height = 400;
    const bits = new Uint8Array((width / 8) * height).map((_, i) => (i % 3 === 0 ? 0xaa : 0x00));
    const cmds: PrintCommand[] = [{ op: 'image', width, height, bits }];
    const job = encodeCommands(cmds, { profile, maxChunkBytes: 1024 });
    expect(job.chunks.length).toBeGreaterThan(20);
    for (const c of job.chunks) expect(c.length).toBeLessThanOrEqual(1024);
    const back = opsToCommands(parseEscPos(concat(job.chunks)), profile.columns);
    expect(back).toEqual(cmds);
  });

  it('decodes code page text back through the printer code page table', () => {
    const cmds = [text('Crème brûlée € 5'), text('Ελληνικά'), text('Привет'), text('Łódź')];
    const job = encodeCommands(cmds, { profile, font: null });
    expect(job.rasterizedLines).toBe(0);
    expect(opsToCommands(parseEscPos(concat(job.chunks)), profile.columns)).toEqual(cmds);
  });

  it('prints text the code pages cannot carry as a raster image', () => {
    expect(canEncodeText('Crème brûlée €', profile)).toBe(true);
    // Epson has Arabic code pages, but no printer shapes or reorders right-to-left text.
    expect(needsRaster('مرحبا', profile)).toBe(true);
    expect(needsRaster('Crème brûlée €', profile)).toBe(false);
    expect(canEncodeText('你好', profile)).toBe(false);
    const font = loadUnifont();
    if (!font) throw new Error('unifont missing: apt-get install -y unifont');
    const job = encodeCommands([text('شكرا لزيارتكم'), text('谢谢光临', { align: 'center' })], { profile, font });
    expect(job.rasterizedLines).toBe(2);
    const back = opsToCommands(parseEscPos(concat(job.chunks)), profile.columns);
    // Adjacent raster lines of the same width decode as one image, 32 dots per line at scale 2.
    expect(back.map((c) => c.op)).toEqual(['image']);
    const img = back[0] as Extract<PrintCommand, { op: 'image' }>;
    expect([img.width, img.height]).toEqual([profile.dotsWidth, 64]);
    expect(img.bits.some((b) => b !== 0)).toBe(true);
  });
});
