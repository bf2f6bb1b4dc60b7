// Keyboard-wedge scanner detection. A wedge scanner "types" the barcode as fast key presses
// ending in Enter; a person types slower and irregularly. The renderer feeds every key with
// its event timestamp (KeyboardEvent.timeStamp) and gets back either a completed scan or the
// keys that were a person's typing, whichever field has focus. No timers here: the caller
// passes time in, so the detector is deterministic and testable.

export interface WedgeOptions {
  /** Largest gap between two keys of one scan (ms). Scanners send a key every 1–20 ms; people rarely under 30. */
  maxInterKeyMs: number;
  /** Shortest scan accepted (characters before Enter). Shorter bursts are typing (e.g. "12" + Enter). */
  minLength: number;
  /** Longest scan kept; longer bursts are cut off and reported as typing (bounded buffer). */
  maxLength: number;
  /** Key names that end a scan. */
  terminators: readonly string[];
}

export const DEFAULT_WEDGE_OPTIONS: WedgeOptions = {
  maxInterKeyMs: 30,
  minLength: 4,
  maxLength: 512,
  terminators: ['Enter'],
};

export interface WedgeKey {
  /** KeyboardEvent.key: a single character, or a name such as 'Enter', 'Shift', 'Tab'. */
  key: string;
  /** Milliseconds, monotonic (KeyboardEvent.timeStamp or performance.now()). */
  t: number;
}

export type WedgeResult =
  /** A scanner burst finished with Enter: `data` is the barcode text (without the Enter). */
  | { kind: 'scan'; data: string; startedAt: number; endedAt: number }
  /** These keys were typed by a person (in order, including a final Enter if it ended them): let the field have them. */
  | { kind: 'typed'; keys: string[] };

/**
 * Feed keys in order. `push` returns zero, one or two results (two when a slow key ends a
 * pending burst that turns out to be typing, and the new key completes nothing yet).
 * Call `idle(now)` from any later event (or a renderer timer) to release keys that have
 * waited longer than maxInterKeyMs: they can no longer become a scan.
 */
export class WedgeDetector {
  private readonly opts: WedgeOptions;
  private buf: WedgeKey[] = [];

  constructor(options: Partial<WedgeOptions> = {}) {
    this.opts = { ...DEFAULT_WEDGE_OPTIONS, ...options };
    if (!(this.opts.maxInterKeyMs > 0)) throw new Error('WedgeDetector: maxInterKeyMs must be > 0');
    if (!(this.opts.minLength >= 1 && this.opts.minLength <= this.opts.maxLength)) {
      throw new Error('WedgeDetector: need 1 <= minLength <= maxLength');
    }
  }

  /** Keys held back because they may still become a scan. */
  get pending(): readonly WedgeKey[] {
    return this.buf;
  }

  push(k: WedgeKey): WedgeResult[] {
    const out: WedgeResult[] = [];
    const last = this.buf[this.buf.length - 1];
    if (last && (k.t - last.t > this.opts.maxInterKeyMs || k.t < last.t)) {
      // Gap too long (or clock went backwards): what we held was typing.
      out.push(this.releaseTyped());
    }
    if (this.opts.terminators.includes(k.key)) {
      if (this.buf.length >= this.opts.minLength) {
        const data = this.buf.map((x) => x.key).join('');
        const startedAt = this.buf[0]!.t;
        this.buf = [];
        out.push({ kind: 'scan', data, startedAt, endedAt: k.t });
      } else {
        const keys = this.buf.map((x) => x.key);
        this.buf = [];
        out.push({ kind: 'typed', keys: [...keys, k.key] });
      }
      return out;
    }
    if (k.key.length !== 1) {
      // Modifier keys (Shift for capitals) arrive inside scans too; they carry no text.
      if (k.key === 'Shift' || k.key === 'Alt' || k.key === 'Control' || k.key === 'AltGraph') return out;
      const keys = this.buf.map((x) => x.key);
      this.buf = [];
      out.push({ kind: 'typed', keys: [...keys, k.key] });
      return out;
    }
    this.buf.push(k);
    if (this.buf.length > this.opts.maxLength) out.push(this.releaseTyped());
    return out;
  }

  /** Release held keys if nothing arrived for longer than maxInterKeyMs before `now`. */
  idle(now: number): WedgeResult[] {
    const last = this.buf[this.buf.length - 1];
    if (last && now - last.t > this.opts.maxInterKeyMs) return [this.releaseTyped()];
    return [];
  }

  reset(): void {
    this.buf = [];
  }

  private releaseTyped(): WedgeResult {
    const keys = this.buf.map((x) => x.key);
    this.buf = [];
    return { kind: 'typed', keys };
  }
}
