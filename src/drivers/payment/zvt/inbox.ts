// A bounded queue of received APDUs with a timed take(): the conversation logic on both
// sides reads "the next APDU within N ms" instead of juggling callbacks.

import type { Apdu } from './apdu';

export class InboxTimeout extends Error {
  override readonly name = 'InboxTimeout';
}
export class InboxClosed extends Error {
  override readonly name = 'InboxClosed';
}

export class ApduInbox {
  private readonly queue: Apdu[] = [];
  private waiter: { resolve: (a: Apdu) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> } | undefined;

  constructor(private readonly max = 256) {}

  get size(): number {
    return this.queue.length;
  }

  put(a: Apdu): void {
    const w = this.waiter;
    if (w) {
      clearTimeout(w.timer);
      this.waiter = undefined;
      w.resolve(a);
      return;
    }
    if (this.queue.length >= this.max) this.queue.shift(); // oldest lost; the conversation will time out and resync
    this.queue.push(a);
  }

  /** The next APDU, or InboxTimeout after `timeoutMs`. One taker at a time. */
  take(timeoutMs: number): Promise<Apdu> {
    if (this.waiter) return Promise.reject(new Error('ApduInbox: concurrent take()'));
    const a = this.queue.shift();
    if (a) return Promise.resolve(a);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new InboxTimeout(`no APDU within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = { resolve, reject, timer };
    });
  }

  /** Fail a waiting take() (link lost) and drop queued APDUs. */
  fail(reason: Error): void {
    this.queue.length = 0;
    const w = this.waiter;
    if (w) {
      clearTimeout(w.timer);
      this.waiter = undefined;
      w.reject(reason);
    }
  }

  clear(): void {
    this.queue.length = 0;
  }
}
