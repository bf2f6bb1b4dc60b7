// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And
// Jitter"): sleep = random(0, min(cap, base * 2^attempt)). Spreading the whole window, not
// just a margin, is what keeps a hub restart from bringing every register back at once.

export interface BackoffOptions {
  /** Window of the first retry, in ms. */
  baseMs: number;
  /** Largest window, in ms: the bound on how long a register waits between tries. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 30_000 };
const MAX_EXPONENT = 30;

export function backoffWindow(attempt: number, opts: BackoffOptions): number {
  if (!Number.isInteger(attempt) || attempt < 0) throw new Error(`attempt must be a non-negative integer, got ${attempt}`);
  if (!(opts.baseMs > 0) || !(opts.maxMs >= opts.baseMs)) throw new Error(`backoff needs 0 < baseMs <= maxMs, got ${opts.baseMs}, ${opts.maxMs}`);
  return Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt, MAX_EXPONENT));
}

export function fullJitterDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const r = random();
  if (!(r >= 0 && r < 1)) throw new Error(`random() must be in [0, 1), got ${r}`);
  return Math.floor(r * backoffWindow(attempt, opts));
}
