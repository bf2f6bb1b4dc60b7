// Shared plumbing for the concrete transports: typed events, serialised writes with a bound,
// and the "disconnect once, then closed" rule of the Transport contract.

import { TypedEmitter } from '../device/emitter';
import { TransportError } from './errors';
import type { Transport, TransportAddress, TransportEvents, TransportKind } from './transport';

/** Writes waiting behind the one in flight; past this, write() rejects with BUSY instead of growing memory. */
export const MAX_PENDING_WRITES = 256;

export abstract class BaseTransport extends TypedEmitter<TransportEvents> implements Transport {
  private open = true;
  /** Why the link ended: queued writes reject with this (CANCELED after close(), DISCONNECTED after a drop). */
  private endReason: Error | undefined;
  private pending = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly cancelers = new Set<(err: Error) => void>();

  constructor(
    readonly kind: TransportKind,
    readonly address: TransportAddress,
  ) {
    super();
  }

  get isOpen(): boolean {
    return this.open;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (!this.open) return Promise.reject(new TransportError('NOT_OPEN', `${describeAddress(this.address)} is not open`));
    if (this.pending >= MAX_PENDING_WRITES) {
      return Promise.reject(new TransportError('BUSY', `${describeAddress(this.address)}: more than ${MAX_PENDING_WRITES} writes queued`));
    }
    this.pending++;
    const run = this.chain.then(() =>
      this.guarded((signal) => {
        if (!this.open) throw this.endReason ?? new TransportError('NOT_OPEN', `${describeAddress(this.address)} is not open`);
        return this.rawWrite(bytes, signal);
      }),
    );
    this.chain = run.catch(() => undefined).finally(() => {
      this.pending--;
    });
    return run;
  }

  drain(): Promise<void> {
    // Drains after every write queued so far.
    return this.chain.then(() => (this.open ? this.guarded(() => this.rawDrain()) : undefined));
  }

  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    this.endReason = new TransportError('CANCELED', `${describeAddress(this.address)} closed`);
    this.cancelAll(this.endReason);
    await this.rawClose();
  }

  /** Concrete transports call this when the link drops on its own. */
  protected lost(reason: unknown): void {
    if (!this.open) return;
    this.open = false;
    const err = reason instanceof Error ? reason : new TransportError('DISCONNECTED', String(reason));
    this.endReason = new TransportError('DISCONNECTED', `${describeAddress(this.address)} disconnected: ${err.message}`);
    this.cancelAll(this.endReason);
    void this.rawClose().catch(() => undefined);
    this.emit('disconnect', err);
  }

  protected received(chunk: Uint8Array): void {
    if (this.open && chunk.length > 0) this.emit('data', chunk);
  }

  protected abstract rawWrite(bytes: Uint8Array, signal: AbortSignal): Promise<void>;
  protected abstract rawDrain(): Promise<void>;
  /** Release the OS resource. Called once; must not throw for an already-dead link. */
  protected abstract rawClose(): Promise<void>;

  // Rejects the in-flight operation as soon as close() or lost() happens, even when the OS call
  // itself would hang (a USB transfer to an unplugged printer, a serial write with flow control).
  private guarded(op: (signal: AbortSignal) => Promise<void>): Promise<void> {
    const ac = new AbortController();
    return new Promise<void>((resolve, reject) => {
      const cancel = (err: Error) => {
        ac.abort(err);
        reject(err);
      };
      this.cancelers.add(cancel);
      op(ac.signal).then(resolve, reject).finally(() => this.cancelers.delete(cancel));
    });
  }

  private cancelAll(err: Error): void {
    for (const c of this.cancelers) c(err);
    this.cancelers.clear();
  }
}

export function describeAddress(a: TransportAddress): string {
  switch (a.kind) {
    case 'serial':
      return `serial ${a.path}`;
    case 'usb':
    case 'hid':
      return `${a.kind} ${hex4(a.vendorId)}:${hex4(a.productId)}${a.serialNumber ? ` (${a.serialNumber})` : ''}`;
    case 'tcp':
      return `tcp ${a.host}:${a.port}`;
    case 'mock':
      return `mock ${a.name}`;
  }
}

export function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
