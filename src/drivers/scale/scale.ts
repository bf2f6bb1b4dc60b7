// Scale driver for the Mettler Toledo 8217 protocol (see codec.ts), after UnifiedPOS Scale:
// readWeight() polls 'W' until the scale reports a stable weight (the 8217 answers a weight
// only when the platter is still), emitting status events on the way (unstable, stable, over
// capacity, under zero, zero); zero() and tare() send Z and T and check the status reply.
// Weights are integer grams.

import { TransportDevice, type TransportDeviceOptions } from '../device/transport-device';
import { errorMessage } from '../device/pos-device';
import { PosError } from '../device/result';
import { encodeScaleCommand, ScaleFrameDecoder, type ScaleCommand, type ScaleFrame, type ScaleStatusBits } from './codec';

export interface WeightReading {
  grams: number;
  /** Net weight (a tare is active). */
  net: boolean;
}

export interface Scale8217Options extends TransportDeviceOptions {
  /** Wait for the scale's reply to one command. */
  replyTimeoutMs?: number;
  /** Pause between two W polls while the scale is in motion. */
  pollIntervalMs?: number;
  /**
   * Identical weight replies needed before a weight counts as stable. 1 trusts the scale's own
   * motion detection (an 8217 answers a weight only when still); 2–3 also guards against load
   * cells that report settling weights without the motion flag.
   */
  stableReadings?: number;
}

export interface ReadWeightOptions {
  /** Give up (E_TIMEOUT) when no stable weight came within this time. */
  timeoutMs?: number;
  /** Upper bound on polls, whatever the time (bounded loop). */
  maxPolls?: number;
}

export class Scale8217 extends TransportDevice<WeightReading> {
  private readonly decoder = new ScaleFrameDecoder();
  private readonly replyTimeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly stableReadings: number;
  private waiter: { resolve: (f: ScaleFrame) => void; timer: ReturnType<typeof setTimeout> } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(name: string, options: Scale8217Options) {
    super(name, 'scale', options);
    this.replyTimeoutMs = options.replyTimeoutMs ?? 1_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    this.stableReadings = options.stableReadings ?? 1;
    if (!Number.isInteger(this.stableReadings) || this.stableReadings < 1 || this.stableReadings > 10) {
      throw new PosError('E_ILLEGAL', `${name}: stableReadings must be 1–10`);
    }
  }

  protected onBytes(chunk: Uint8Array): void {
    for (const f of this.decoder.push(chunk)) {
      const w = this.waiter;
      if (!w) continue; // unsolicited (a late reply after a time-out): dropped
      clearTimeout(w.timer);
      this.waiter = undefined;
      w.resolve(f);
    }
  }

  protected override onLinkDown(): void {
    this.decoder.reset();
  }

  /** Send one command and wait for its one reply frame; commands never overlap. */
  private command(cmd: ScaleCommand): Promise<ScaleFrame> {
    const run = this.queue.then(async () => {
      const reply = new Promise<ScaleFrame | 'timeout'>((resolve) => {
        const timer = setTimeout(() => {
          this.waiter = undefined;
          resolve('timeout');
        }, this.replyTimeoutMs);
        this.waiter = { resolve, timer };
      });
      try {
        await this.send(encodeScaleCommand(cmd));
      } catch (err) {
        const w = this.waiter;
        if (w) clearTimeout(w.timer);
        this.waiter = undefined;
        throw err;
      }
      const r = await reply;
      if (r === 'timeout') throw new PosError('E_TIMEOUT', `${this.name}: no reply to '${cmd}' within ${this.replyTimeoutMs} ms`);
      if (r.kind === 'invalid') throw new PosError('E_FAILURE', `${this.name}: ${r.reason}`);
      return r;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private reportStatus(s: ScaleStatusBits): void {
    if (s.overCapacity) this.emitStatus({ kind: 'scale', value: 'over-capacity' });
    else if (s.underZero) this.emitStatus({ kind: 'scale', value: 'under-zero' });
    else if (s.motion) this.emitStatus({ kind: 'scale', value: 'unstable' });
  }

  /**
   * Poll until a stable weight: resolves with it (and emits it as a DataEvent). Over capacity
   * and under zero reject at once (E_EXTENDED ESCAL_OVERWEIGHT / ESCAL_UNDER_ZERO); motion
   * keeps polling until `timeoutMs`.
   */
  async readWeight(options: ReadWeightOptions = {}): Promise<WeightReading> {
    this.requireEnabled('readWeight');
    const timeoutMs = options.timeoutMs ?? 5_000;
    const maxPolls = options.maxPolls ?? 1_000;
    const deadline = Date.now() + timeoutMs;
    this.setState('busy');
    try {
      let same = 0;
      let previous: number | undefined;
      for (let poll = 0; poll < maxPolls; poll++) {
        const f = await this.command('weight');
        if (f.kind === 'weight') {
          same = f.grams === previous ? same + 1 : 1;
          previous = f.grams;
        } else {
          same = 0;
          previous = undefined;
        }
        if (f.kind === 'weight' && same < this.stableReadings) {
          if (same === 1 && poll > 0) this.emitStatus({ kind: 'scale', value: 'unstable' });
        } else if (f.kind === 'weight') {
          this.emitStatus({ kind: 'scale', value: f.grams === 0 ? 'zero' : 'stable' });
          const reading = { grams: f.grams, net: f.net };
          this.emitData(reading);
          return reading;
        }
        if (f.kind === 'status') {
          this.reportStatus(f.status);
          if (f.status.overCapacity) throw new PosError('E_EXTENDED', `${this.name}: over capacity`, { extended: 'ESCAL_OVERWEIGHT' });
          if (f.status.underZero) throw new PosError('E_EXTENDED', `${this.name}: under zero`, { extended: 'ESCAL_UNDER_ZERO' });
        }
        if (Date.now() + this.pollIntervalMs > deadline) break;
        await new Promise((r) => setTimeout(r, this.pollIntervalMs));
      }
      throw new PosError('E_TIMEOUT', `${this.name}: no stable weight within ${timeoutMs} ms`);
    } catch (err) {
      throw err instanceof PosError ? err : new PosError('E_FAILURE', `${this.name}: ${errorMessage(err)}`, { cause: err });
    } finally {
      if (this.state === 'busy') this.setState('idle');
    }
  }

  /** Z: set zero. Rejects when the scale did not zero (in motion, outside the zero range, or a tare is active). */
  async zero(): Promise<ScaleStatusBits> {
    this.requireEnabled('zero');
    const f = await this.command('zero');
    if (f.kind !== 'status') throw new PosError('E_FAILURE', `${this.name}: unexpected reply to zero`);
    if (!f.status.centerOfZero) {
      const why = f.status.motion ? 'in motion' : f.status.outsideZeroRange ? 'outside the zero range' : f.status.net ? 'a tare is active' : 'not at zero';
      throw new PosError('E_FAILURE', `${this.name}: scale did not zero (${why})`);
    }
    this.emitStatus({ kind: 'scale', value: 'zero' });
    return f.status;
  }

  /** T: tare the load on the platter. Rejects when the scale did not take it (motion, nothing on it). */
  async tare(): Promise<ScaleStatusBits> {
    this.requireEnabled('tare');
    const f = await this.command('tare');
    if (f.kind !== 'status') throw new PosError('E_FAILURE', `${this.name}: unexpected reply to tare`);
    if (!f.status.net) throw new PosError('E_FAILURE', `${this.name}: scale did not take the tare (${f.status.motion ? 'in motion' : 'nothing to tare'})`);
    return f.status;
  }

  /** C: clear the tare. */
  async clearTare(): Promise<ScaleStatusBits> {
    this.requireEnabled('clearTare');
    const f = await this.command('clearTare');
    if (f.kind !== 'status') throw new PosError('E_FAILURE', `${this.name}: unexpected reply to clear tare`);
    if (f.status.net) throw new PosError('E_FAILURE', `${this.name}: tare not cleared (in motion?)`);
    return f.status;
  }
}
