// Customer display driver through the REAL serialport binding; the simulator rebuilds the
// 2×20 screen from the ESC/POS bytes it receives.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { money } from '../../core/money';
import { createPtyPair, type PtyPair } from '../simulators/pty';
import { DisplaySimulator } from '../simulators/display-sim';
import { serialBinding } from '../transport/serial';
import type { Transport } from '../transport/transport';
import { CustomerDisplay } from './display';

function screenBecomes(sim: DisplaySimulator, want: [string, string], timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    // A no-break space (Intl puts one before €) looks like a space on the display.
    const plain = (x: string) => x.replace(/\u00a0/g, ' ');
    const check = (lines: [string, string]) => {
      if (plain(lines[0]) === want[0] && plain(lines[1]) === want[1]) {
        clearTimeout(t);
        sim.off('change', check);
        resolve();
      }
    };
    const t = setTimeout(() => {
      sim.off('change', check);
      reject(new Error(`screen is ${JSON.stringify(sim.lines())}, wanted ${JSON.stringify(want)}`));
    }, timeoutMs);
    sim.on('change', check);
    check(sim.lines());
  });
}

describe('customer display over a PTY', () => {
  let pty: PtyPair;
  let devEnd: Transport;
  let sim: DisplaySimulator;
  let display: CustomerDisplay;

  beforeEach(async () => {
    pty = await createPtyPair();
    devEnd = await serialBinding.open({ kind: 'serial', path: pty.devicePath, baudRate: 9600 });
    sim = new DisplaySimulator(devEnd);
  });

  afterEach(async () => {
    if (display?.opened) await display.close();
    await devEnd.close().catch(() => undefined);
    await pty.close();
  });

  it('initialises, then shows the current line and the total', async () => {
    display = new CustomerDisplay('display', { address: { kind: 'serial', path: pty.hostPath, baudRate: 9600 }, locale: 'de-DE', codePage: 'PC858' });
    await display.start();
    await screenBecomes(sim, ['Welcome'.padEnd(20), ' '.repeat(20)]);
    expect(sim.screen.codePage).toBe('PC858');

    await display.showLine('Bio-Vollmilch 1L', money(129, 'EUR'), money(1377, 'EUR'));
    await screenBecomes(sim, ['Bio-Vollmilch 1L 1,29 €'.slice(0, 14) + '1,29 €'.padStart(6), 'TOTAL' + '13,77 €'.padStart(15)]);
    expect(sim.screen.unknown).toEqual([]);
  });

  it('falls back to ASCII for characters the code page lacks', async () => {
    display = new CustomerDisplay('display', { address: { kind: 'serial', path: pty.hostPath, baudRate: 9600 }, codePage: 'PC437' });
    await display.start();
    await display.showLine('Crème brûlée', money(450, 'EUR'), money(450, 'EUR'));
    // PC437 has è and û but no €: the amount shows EUR.
    await screenBecomes(sim, ['Crème brûlée' + 'EUR4.50'.padStart(8), 'TOTAL' + 'EUR4.50'.padStart(15)]);
    await display.showText('Thank you!', 'Change', '', '0.50');
    await screenBecomes(sim, ['Thank you!'.padEnd(20), 'Change' + '0.50'.padStart(14)]);
  });
});
