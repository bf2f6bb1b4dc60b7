import type { Socket } from 'socket.io-client';
import type { Loose } from './loose';

/** Collects every payload of `event` on a socket, so tests can wait for one and assert on all. */
export class Inbox<T = Loose> {
  readonly items: T[] = [];
  private waiters: Array<{ pred: (x: T) => boolean; resolve: (x: T) => void }> = [];
  constructor(socket: Socket, event: string) {
    socket.on(event, (x: T) => {
      this.items.push(x);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(x)) return true;
        w.resolve(x);
        return false;
      });
    });
  }
  waitFor(pred: (x: T) => boolean, timeoutMs = 15_000): Promise<T> {
    const found = this.items.find(pred);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for a message`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (x) => {
          clearTimeout(timer);
          resolve(x);
        },
      });
    });
  }
}
