import { describe, expect, it } from 'vitest';
import { waitForEvent } from '../device/emitter';
import { TransportError } from './errors';
import { MockBinding } from './mock';
import { ReconnectingTransport, type ReconnectingEvents } from './reconnecting';

describe('ReconnectingTransport', () => {
  it('bounds the backoff', () => {
    const rt = new ReconnectingTransport(new MockBinding(), { kind: 'mock', name: 'x' }, { initialDelayMs: 100, maxDelayMs: 1000, factor: 2 });
    expect([1, 2, 3, 4, 5, 6, 50].map((a) => rt.delayFor(a))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('retries while the device is absent, reports each failure, and comes online when it appears', async () => {
    const binding = new MockBinding();
    const dev = binding.createDevice('p');
    dev.unplug();
    const rt = new ReconnectingTransport(binding, { kind: 'mock', name: 'p' }, { initialDelayMs: 2, maxDelayMs: 4, startOffline: true });
    const retries: number[] = [];
    rt.on('retry', (n) => {
      retries.push(n);
      if (n === 3) dev.replug();
    });
    const online = waitForEvent<ReconnectingEvents, 'online'>(rt, 'online');
    await rt.start();
    expect(rt.online).toBe(false);
    await expect(rt.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'NOT_OPEN' });
    await online;
    expect(retries).toEqual([1, 2, 3]);
    await rt.write(Uint8Array.of(7));
    expect([...dev.takeWritten()]).toEqual([7]);
    await rt.close();
  });

  it('gives up after maxAttempts', async () => {
    const binding = new MockBinding();
    binding.createDevice('p').unplug();
    const rt = new ReconnectingTransport(binding, { kind: 'mock', name: 'p' }, { initialDelayMs: 1, maxDelayMs: 1, maxAttempts: 2, startOffline: true });
    const gaveUp = waitForEvent<ReconnectingEvents, 'gaveUp'>(rt, 'gaveUp');
    await rt.start();
    const [err] = await gaveUp;
    expect(err).toBeInstanceOf(TransportError);
    await rt.close();
  });

  it('throws the first open error unless startOffline', async () => {
    const binding = new MockBinding();
    const d = binding.createDevice('p');
    d.openError = new TransportError('ACCESS', 'permission denied opening mock p', 'install resources/udev/60-tillstream.rules');
    const rt = new ReconnectingTransport(binding, { kind: 'mock', name: 'p' });
    await expect(rt.start()).rejects.toThrow(/60-tillstream.rules/);
    await rt.close();
  });

  it('close() cancels writes queued behind the one in flight', async () => {
    const binding = new MockBinding();
    binding.createDevice('p');
    const t = await binding.open({ kind: 'mock', name: 'p' });
    const writes = [t.write(Uint8Array.of(1)), t.write(Uint8Array.of(2)), t.write(Uint8Array.of(3))];
    const closing = t.close();
    const results = await Promise.allSettled(writes);
    await closing;
    expect(results.some((r) => r.status === 'rejected' && (r.reason as TransportError).code === 'CANCELED')).toBe(true);
    await expect(t.write(Uint8Array.of(4))).rejects.toMatchObject({ code: 'NOT_OPEN' });
  });
});
