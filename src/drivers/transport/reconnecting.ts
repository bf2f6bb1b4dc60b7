// Supervisor for unplug/replug: holds one Transport, and when the link drops reports 'offline'
// and reopens it on its own with bounded exponential backoff until it comes back ('online')
// or close() is called. Devices build on this so a cashier never restarts the app for a cable.

import { TypedEmitter } from '../device/emitter';
import { describeAddress } from './base';
import { TransportError } from './errors';
import type { Transport, TransportAddress, TransportBinding } from './transport';

export interface ReconnectOptions {
  /** First retry delay. */
  initialDelayMs?: number;
  /** Backoff ceiling: retries never wait longer than this. */
  maxDelayMs?: number;
  factor?: number;
  /** Give up after this many failed reopen attempts (default: never, the register keeps trying). */
  maxAttempts?: number;
  /** When the first open fails, go offline and keep retrying instead of throwing from start(). */
  startOffline?: boolean;
}

export interface ReconnectingEvents {
  data: (chunk: Uint8Array) => void;
  offline: (reason: Error) => void;
  online: () => void;
  /** A reopen attempt failed; the next one comes after `nextDelayMs`. */
  retry: (attempt: number, error: Error, nextDelayMs: number) => void;
  /** maxAttempts reached; no more retries. */
  gaveUp: (error: Error) => void;
}

export class ReconnectingTransport extends TypedEmitter<ReconnectingEvents> {
  private current: Transport | undefined;
  private closed = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private readonly opts: Required<Omit<ReconnectOptions, 'startOffline'>> & { startOffline: boolean };

  constructor(
    readonly binding: TransportBinding,
    readonly address: TransportAddress,
    options: ReconnectOptions = {},
  ) {
    super();
    this.opts = {
      initialDelayMs: options.initialDelayMs ?? 200,
      maxDelayMs: options.maxDelayMs ?? 5_000,
      factor: options.factor ?? 2,
      maxAttempts: options.maxAttempts ?? Number.POSITIVE_INFINITY,
      startOffline: options.startOffline ?? false,
    };
    if (!(this.opts.initialDelayMs > 0 && this.opts.maxDelayMs >= this.opts.initialDelayMs && this.opts.factor >= 1)) {
      throw new Error('ReconnectingTransport: need 0 < initialDelayMs <= maxDelayMs and factor >= 1');
    }
  }

  get online(): boolean {
    return this.current?.isOpen ?? false;
  }

  get transport(): Transport | undefined {
    return this.current;
  }

  /** Opens the link. Throws the open error unless `startOffline`, in which case it retries in the background. */
  async start(): Promise<void> {
    if (this.closed) throw new TransportError('NOT_OPEN', `${describeAddress(this.address)} supervisor closed`);
    try {
      this.adopt(await this.binding.open(this.address));
    } catch (err) {
      if (!this.opts.startOffline) throw err;
      const e = asError(err);
      this.emit('offline', e);
      this.schedule(e);
    }
  }

  write(bytes: Uint8Array): Promise<void> {
    const t = this.current;
    if (!t || !t.isOpen) return Promise.reject(new TransportError('NOT_OPEN', `${describeAddress(this.address)} is offline`));
    return t.write(bytes);
  }

  drain(): Promise<void> {
    const t = this.current;
    if (!t || !t.isOpen) return Promise.reject(new TransportError('NOT_OPEN', `${describeAddress(this.address)} is offline`));
    return t.drain();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const t = this.current;
    this.current = undefined;
    if (t) await t.close();
  }

  /** Delay before retry number `attempt` (1-based): bounded exponential backoff. */
  delayFor(attempt: number): number {
    return Math.min(this.opts.maxDelayMs, Math.round(this.opts.initialDelayMs * this.opts.factor ** Math.max(0, attempt - 1)));
  }

  private adopt(t: Transport): void {
    if (this.closed) {
      void t.close();
      return;
    }
    this.current = t;
    this.attempt = 0;
    t.on('data', (chunk) => this.emit('data', chunk));
    t.on('disconnect', (reason) => {
      if (this.current !== t) return;
      this.current = undefined;
      if (this.closed) return;
      this.emit('offline', reason);
      this.schedule(reason);
    });
    this.emit('online');
  }

  private schedule(lastError: Error): void {
    if (this.closed || this.timer) return;
    if (this.attempt >= this.opts.maxAttempts) {
      this.emit('gaveUp', lastError);
      return;
    }
    this.attempt++;
    const delay = this.delayFor(this.attempt);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.reopen();
    }, delay);
  }

  private async reopen(): Promise<void> {
    if (this.closed) return;
    try {
      this.adopt(await this.binding.open(this.address));
    } catch (err) {
      const e = asError(err);
      this.emit('retry', this.attempt, e, this.delayFor(this.attempt + 1));
      this.schedule(e);
    }
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
