// Customer display driver through the REAL serialport binding; the simulator rebuilds the
// 2×20 screen from the ESC/POS bytes it receives.
import { existsSync, mkdtempSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { money } from '../../core/money';
import { createPtyPair, type PtyPair } from '../simulators/pty';
import { DisplaySimulator } from '../simulators/display-sim';
import { serialBinding } from '../transport/serial';
import type { Transport } from '../transport/transport';
import { CustomerDisplay } from './display';

function screenBecomes(sim: DisplaySimulator, want: [string, string], timeoutMs = 15_000): Promise<void> {
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

  it('after an unplug and replug the display is initialised again and shows the current screen', async () => {
    // Our own PTY pair in a fixed folder, so the "replugged" display appears at the same path.
    await devEnd.close();
    await pty.close();
    const dir = mkdtempSync(path.join(tmpdir(), 'tillstream-display-'));
    try {
      pty = await createPtyPair({ dir });
      devEnd = await serialBinding.open({ kind: 'serial', path: pty.devicePath, baudRate: 9600 });
      sim = new DisplaySimulator(devEnd);
      display = new CustomerDisplay('display', { address: { kind: 'serial', path: pty.hostPath, baudRate: 9600 }, codePage: 'PC437', reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
      const states: string[] = [];
      display.on('status', (e) => {
        if (e.kind === 'power') states.push(e.value);
      });
      await display.start();
      await display.showLine('Apples', '2.40', '2.40');
      await screenBecomes(sim, ['Apples' + '2.40'.padStart(14), 'TOTAL' + '2.40'.padStart(15)]);

      const offline = new Promise<void>((resolve) => display.on('status', (e) => e.kind === 'power' && e.value === 'offline' && resolve()));
      await devEnd.close();
      await pty.close(); // unplug: socat gone, the host end hangs up
      await offline;

      // Replug at the same path. The display end is opened (and listening) before the path the
      // register retries appears, so nothing the register sends can be lost in between.
      const hostLink = pty.hostPath;
      expect(existsSync(hostLink)).toBe(false);
      pty = await createPtyPair();
      devEnd = await serialBinding.open({ kind: 'serial', path: pty.devicePath, baudRate: 9600 });
      sim = new DisplaySimulator(devEnd); // a display that just powered up: blank
      symlinkSync(pty.pts[0], `${hostLink}.new`);
      renameSync(`${hostLink}.new`, hostLink);
      await screenBecomes(sim, ['Apples' + '2.40'.padStart(14), 'TOTAL' + '2.40'.padStart(15)], 15_000);
      expect(states).toEqual(['online', 'offline', 'online']);
    } finally {
      if (display.opened) await display.close();
      await devEnd.close().catch(() => undefined);
      await pty.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
