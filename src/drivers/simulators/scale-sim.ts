// A Mettler Toledo 8217-protocol scale. Answers W/Z/T/C exactly as the protocol says (see
// ../scale/codec.ts). Motion is modelled by poll count, not by time, so tests are
// deterministic: place(grams, { settlePolls: 2 }) makes the next two W polls answer "in motion".

import {
  decodeStatusByte,
  encodeStatusFrame,
  encodeWeightFrame,
  SCALE_COMMAND,
  type ScaleStatusBits,
} from '../scale/codec';
import type { Transport } from '../transport/transport';

export type ScaleSimLink = Pick<Transport, 'write' | 'on' | 'off'>;

export interface ScaleSimOptions {
  /** Capacity in grams; more shows over capacity. */
  capacityGrams: number;
  /** Zero may be set within ± this many grams of the calibrated zero (8217: typically 2 % of capacity). */
  zeroRangeGrams: number;
}

export class ScaleSimulator {
  private readonly opts: ScaleSimOptions;
  /** Load on the platter, in grams relative to the calibrated zero. */
  private load = 0;
  private zeroOffset = 0;
  private tare = 0;
  private motionPolls = 0;
  /** Polls that still answer a weight off by a few grams without the motion flag (a cheap load cell settling). */
  private wobblePolls = 0;
  /** Every command byte received, for assertions. */
  readonly received: string[] = [];
  private readonly onData = (chunk: Uint8Array) => this.handle(chunk);

  constructor(private readonly link: ScaleSimLink, options: Partial<ScaleSimOptions> = {}) {
    this.opts = { capacityGrams: 15_000, zeroRangeGrams: 300, ...options };
    link.on('data', this.onData);
  }

  detach(): void {
    this.link.off('data', this.onData);
  }

  /** Put something on (or take it off, grams = 0); the next `settlePolls` W polls see motion. */
  place(grams: number, opts: { settlePolls?: number; wobblePolls?: number } = {}): void {
    this.load = grams;
    this.motionPolls = opts.settlePolls ?? 0;
    this.wobblePolls = opts.wobblePolls ?? 0;
  }

  /** Drift of an empty platter (dirt, a leaning bag): what Z is for. */
  drift(grams: number): void {
    this.load += grams;
  }

  get tareGrams(): number {
    return this.tare;
  }

  status(): ScaleStatusBits {
    const gross = this.load - this.zeroOffset;
    const net = gross - this.tare;
    return {
      motion: this.motionPolls > 0,
      overCapacity: gross > this.opts.capacityGrams,
      underZero: net < 0,
      outsideZeroRange: Math.abs(this.load) > this.opts.zeroRangeGrams,
      centerOfZero: gross === 0 && this.tare === 0,
      net: this.tare !== 0,
    };
  }

  private handle(chunk: Uint8Array): void {
    for (const b of chunk) {
      if (b === 0x0d || b === 0x0a) continue; // some hosts send CR after the command
      this.received.push(String.fromCharCode(b));
      void this.answer(b).catch(() => undefined);
    }
  }

  private async answer(cmd: number): Promise<void> {
    switch (cmd) {
      case SCALE_COMMAND.weight: {
        const s = this.status();
        if (this.motionPolls > 0) this.motionPolls--;
        if (s.motion || s.overCapacity || s.underZero) return this.link.write(encodeStatusFrame(s));
        const net = this.load - this.zeroOffset - this.tare;
        if (this.wobblePolls > 0) {
          this.wobblePolls--;
          return this.link.write(encodeWeightFrame(Math.max(0, net + (this.wobblePolls % 2 ? 3 : -3)), s.net));
        }
        return this.link.write(encodeWeightFrame(net, s.net));
      }
      case SCALE_COMMAND.zero: {
        // Zero is captured only when stable, inside the zero range, and in gross mode.
        const s = this.status();
        if (!s.motion && !s.outsideZeroRange && this.tare === 0) this.zeroOffset = this.load;
        return this.link.write(encodeStatusFrame(this.status()));
      }
      case SCALE_COMMAND.tare: {
        const s = this.status();
        const gross = this.load - this.zeroOffset;
        if (!s.motion && gross > 0 && this.tare === 0 && !s.overCapacity) this.tare = gross;
        return this.link.write(encodeStatusFrame(this.status()));
      }
      case SCALE_COMMAND.clearTare: {
        if (!this.status().motion) this.tare = 0;
        return this.link.write(encodeStatusFrame(this.status()));
      }
      default:
        // Unknown command: the 8217 answers with a status frame too.
        return this.link.write(encodeStatusFrame(decodeStatusByte(0x40)));
    }
  }
}
