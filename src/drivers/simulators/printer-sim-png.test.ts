import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { receiptDocumentSchema } from '../../core/receipt/document';
import { SAMPLE_RECEIPT } from '../../core/receipt/sample';
import { text } from '../printer/commands';
import { encodeCommands } from '../printer/encode';
import { layoutReceipt } from '../printer/layout';
import { resolvePrinterProfile } from '../printer/profiles';
import { PrinterSimulator } from './printer-sim';

// The saved picture of a receipt must show the whole paper: a 48-column receipt (the register's
// 80 mm printer) was cut off on the right when the simulator drew 42 columns of 504 dots.
// The PNG is decoded and the black text area measured.

const profile = resolvePrinterProfile('generic-escpos-80');

function printed(sim: PrinterSimulator, cmds: Parameters<typeof encodeCommands>[0]): PNG {
  const link = sim.connect(() => {});
  for (const chunk of encodeCommands(cmds, { profile }).chunks) link.receive(chunk);
  return PNG.sync.read(sim.renderPng());
}

const black = (png: PNG, x: number, y: number): boolean => png.data[(y * png.width + x) * 4]! < 128;

/** Leftmost and rightmost black column of the printed area (the dashed cut mark across the strip is not print). */
function inkSpan(png: PNG): { left: number; right: number } {
  let left = Infinity;
  let right = -1;
  for (let y = 0; y < png.height; y++) {
    if (black(png, 0, y)) continue;
    for (let x = 0; x < png.width; x++) {
      if (png.data[(y * png.width + x) * 4]! < 128) {
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
  }
  return { left, right };
}

describe('printer simulator PNG', () => {
  it('shows all 48 columns of a line on the register printer\'s paper, with white margin to the right', () => {
    const sim = new PrinterSimulator();
    expect([sim.columns, sim.dotsWidth]).toEqual([48, 576]);
    const png = printed(sim, [text(`A${'-'.repeat(46)}Z`), text('1'.padStart(48, ' '))]);
    const cell = 576 / 48;
    const { left, right } = inkSpan(png);
    // From inside column 1 to inside column 48: at least 47 cells of ink, nothing at the edge.
    expect(right - left + 1).toBeGreaterThan(47 * cell);
    expect(right).toBeLessThan(png.width - 8);
    expect(png.width).toBeGreaterThanOrEqual(576);
  });

  it('draws the register\'s whole 48-column sale receipt inside the picture', () => {
    const sim = new PrinterSimulator();
    const doc = receiptDocumentSchema.parse({ ...SAMPLE_RECEIPT, saleIdCodes: ['qr'] });
    const cmds = layoutReceipt(doc, { columns: 48, feedBeforeCut: 4, timeZone: 'UTC' });
    const png = printed(sim, cmds);
    const { left, right } = inkSpan(png);
    expect(right - left + 1).toBeGreaterThan(47 * 12);
    expect(right).toBeLessThan(png.width - 8);
    // Every printed line fits the 48 columns the layout was made for.
    for (const line of sim.lines()) expect([...line].length).toBeLessThanOrEqual(48);
  });

  it('widens the picture instead of cropping a line longer than the paper', () => {
    const sim = new PrinterSimulator({ columns: 42, dotsWidth: 504 });
    const png = printed(sim, [text(`A${'x'.repeat(46)}Z`)]);
    expect(inkSpan(png).right).toBeLessThan(png.width - 8);
  });
});
