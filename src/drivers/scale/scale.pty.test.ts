// 8217 scale driver through the REAL serialport binding against the scale simulator on a PTY.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StatusEvent } from '../device/events';
import { createPtyPair, type PtyPair } from '../simulators/pty';
import { ScaleSimulator } from '../simulators/scale-sim';
import { serialBinding } from '../transport/serial';
import type { Transport } from '../transport/transport';
import { Scale8217 } from './scale';

describe('8217 scale over a PTY', () => {
  let pty: PtyPair;
  let devEnd: Transport;
  let sim: ScaleSimulator;
  let scale: Scale8217;
  const statuses: string[] = [];

  beforeEach(async () => {
    statuses.length = 0;
    pty = await createPtyPair();
    devEnd = await serialBinding.open({ kind: 'serial', path: pty.devicePath, baudRate: 9600 });
    sim = new ScaleSimulator(devEnd, { capacityGrams: 15_000, zeroRangeGrams: 300 });
    scale = new Scale8217('scale', { address: { kind: 'serial', path: pty.hostPath, baudRate: 9600, dataBits: 7, parity: 'even' }, pollIntervalMs: 10, replyTimeoutMs: 5_000 });
    scale.on('status', (e: StatusEvent) => {
      if (e.kind === 'scale') statuses.push(e.value);
    });
    await scale.start();
  });

  afterEach(async () => {
    if (scale.opened) await scale.close();
    await devEnd.close().catch(() => undefined);
    await pty.close();
  });

  it('reports unstable while the platter moves, then the stable weight in grams', async () => {
    sim.place(1234, { settlePolls: 3 });
    const w = await scale.readWeight({ timeoutMs: 10_000 });
    expect(w).toEqual({ grams: 1234, net: false });
    expect(statuses).toEqual(['unstable', 'stable']);
    expect(sim.received.filter((c) => c === 'W')).toHaveLength(4);
  });

  it('with stableReadings 2 a load cell that settles without the motion flag is not read too early', async () => {
    await scale.close();
    scale = new Scale8217('scale', { address: { kind: 'serial', path: pty.hostPath, baudRate: 9600 }, pollIntervalMs: 10, stableReadings: 2 });
    scale.on('status', (e: StatusEvent) => {
      if (e.kind === 'scale') statuses.push(e.value);
    });
    await scale.start();
    sim.place(400, { wobblePolls: 3 }); // 397, 403, 397, then 400, 400
    expect(await scale.readWeight()).toEqual({ grams: 400, net: false });
    expect(sim.received.filter((c) => c === 'W')).toHaveLength(5);
    expect(statuses).toEqual(['unstable', 'stable']);
  });

  it('times out (E_TIMEOUT) when the weight never settles, bounded by maxPolls', async () => {
    sim.place(500, { settlePolls: 1_000 });
    await expect(scale.readWeight({ timeoutMs: 60_000, maxPolls: 5 })).rejects.toMatchObject({ code: 'E_TIMEOUT' });
    expect(sim.received.filter((c) => c === 'W')).toHaveLength(5);
  });

  it('zero captures a small drift; zero is refused for a loaded platter', async () => {
    sim.drift(40);
    expect((await scale.readWeight()).grams).toBe(40);
    await scale.zero();
    expect(await scale.readWeight()).toEqual({ grams: 0, net: false });
    expect(statuses).toContain('zero');
    sim.place(2_000);
    await expect(scale.zero()).rejects.toThrow(/outside the zero range/);
  });

  it('tare: container weight is subtracted, the net weight reported, then cleared', async () => {
    sim.place(250); // the empty bowl
    await scale.tare();
    expect(sim.tareGrams).toBe(250);
    expect(await scale.readWeight()).toEqual({ grams: 0, net: true });
    sim.place(250 + 730, { settlePolls: 1 });
    expect(await scale.readWeight()).toEqual({ grams: 730, net: true });
    await scale.clearTare();
    expect(await scale.readWeight()).toEqual({ grams: 980, net: false });
    sim.place(0);
    await expect(scale.tare()).rejects.toThrow(/nothing to tare/);
  });

  it('over capacity and under zero are status events and E_EXTENDED errors', async () => {
    sim.place(20_000);
    await expect(scale.readWeight()).rejects.toMatchObject({ code: 'E_EXTENDED', extended: 'ESCAL_OVERWEIGHT' });
    sim.place(300);
    await scale.tare();
    sim.place(100);
    await expect(scale.readWeight()).rejects.toMatchObject({ code: 'E_EXTENDED', extended: 'ESCAL_UNDER_ZERO' });
    expect(statuses).toEqual(['over-capacity', 'under-zero']);
  });
});
