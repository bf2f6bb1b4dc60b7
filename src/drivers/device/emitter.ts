// A small typed event emitter. Not node:events, because there an 'error' event without a
// listener throws, and UnifiedPOS devices have an ErrorEvent that applications may ignore.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventMap = { [event: string]: (...args: any[]) => void };
/** Constraint that also accepts interfaces (which have no index signature). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventsOf<E> = { [K in keyof E]: (...args: any[]) => void };

/** Per-event listener bound: a leak (a listener added per sale) shows up as an error, not slow memory growth. */
export const MAX_LISTENERS_PER_EVENT = 64;

export class TypedEmitter<E extends EventsOf<E>> {
  private readonly listeners = new Map<keyof E, Array<{ fn: E[keyof E]; once: boolean }>>();

  /** Called when a listener throws; the emit continues with the other listeners. */
  protected onListenerError(event: keyof E, err: unknown): void {
    console.error(`tillstream: listener for '${String(event)}' threw`, err);
  }

  on<K extends keyof E>(event: K, fn: E[K]): this {
    return this.add(event, fn, false);
  }

  once<K extends keyof E>(event: K, fn: E[K]): this {
    return this.add(event, fn, true);
  }

  off<K extends keyof E>(event: K, fn: E[K]): this {
    const list = this.listeners.get(event);
    if (!list) return this;
    const i = list.findIndex((l) => l.fn === fn);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.listeners.delete(event);
    return this;
  }

  removeAllListeners(event?: keyof E): this {
    if (event === undefined) this.listeners.clear();
    else this.listeners.delete(event);
    return this;
  }

  listenerCount(event: keyof E): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  /** Returns true when at least one listener was called. */
  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): boolean {
    const list = this.listeners.get(event);
    if (!list || list.length === 0) return false;
    for (const l of [...list]) {
      if (l.once) this.off(event, l.fn as E[K]);
      try {
        (l.fn as (...a: Parameters<E[K]>) => void)(...args);
      } catch (err) {
        this.onListenerError(event, err);
      }
    }
    return true;
  }

  private add<K extends keyof E>(event: K, fn: E[K], once: boolean): this {
    let list = this.listeners.get(event);
    if (!list) this.listeners.set(event, (list = []));
    if (list.length >= MAX_LISTENERS_PER_EVENT) {
      throw new Error(`more than ${MAX_LISTENERS_PER_EVENT} listeners for '${String(event)}': a listener leak`);
    }
    list.push({ fn, once });
    return this;
  }
}

/**
 * Resolve with the first `event` whose arguments satisfy `match`, or reject after `timeoutMs`.
 * Tests and drivers wait on events with this instead of sleeping.
 */
export function waitForEvent<E extends EventsOf<E>, K extends keyof E>(
  emitter: { on(e: K, fn: E[K]): unknown; off(e: K, fn: E[K]): unknown },
  event: K,
  match: (...args: Parameters<E[K]>) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<Parameters<E[K]>> {
  return new Promise((resolve, reject) => {
    const fn = ((...args: Parameters<E[K]>) => {
      if (!match(...args)) return;
      clearTimeout(timer);
      emitter.off(event, fn);
      resolve(args);
    }) as E[K];
    const timer = setTimeout(() => {
      emitter.off(event, fn);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${String(event)}'`));
    }, timeoutMs);
    emitter.on(event, fn);
  });
}
