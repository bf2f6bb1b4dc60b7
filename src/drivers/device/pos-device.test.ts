import { describe, expect, it } from 'vitest';
import { MockBinding } from '../transport/mock';
import { waitForEvent } from './emitter';
import type { DeviceState, ErrorEvent, PosDeviceEvents, StatusEvent } from './events';
import { PosError, isPosError } from './result';
import { TransportDevice } from './transport-device';

// A tiny line-echo device: enough to exercise the life cycle and the transport supervision.
class EchoDevice extends TransportDevice<string> {
  linkUps = 0;
  private buf = '';
  protected onBytes(chunk: Uint8Array): void {
    this.buf += new TextDecoder().decode(chunk);
    let i;
    while ((i = this.buf.indexOf('\r')) >= 0) {
      this.emitData(this.buf.slice(0, i));
      this.buf = this.buf.slice(i + 1);
    }
  }
  protected override async onLinkUp(): Promise<void> {
    this.linkUps++;
  }
  async say(text: string): Promise<void> {
    this.requireEnabled('say()');
    await this.send(new TextEncoder().encode(text));
  }
  fail(): 'retry' | 'clear' {
    return this.raiseError('E_EXTENDED', 'cover open', { extended: 'EPTR_COVER_OPEN' });
  }
}

function setup(name = 'echo') {
  const binding = new MockBinding();
  const mock = binding.createDevice(name);
  const dev = new EchoDevice(name, 'scanner', { address: { kind: 'mock', name }, binding, reconnect: { initialDelayMs: 5, maxDelayMs: 20 } });
  return { binding, mock, dev };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'SUCCESS';
  } catch (err) {
    if (isPosError(err)) return err.code;
    throw err;
  }
}

describe('PosDevice life cycle', () => {
  it('walks open → claim → enable … disable → release → close and reports states', async () => {
    const { dev } = setup();
    const states: DeviceState[] = [];
    dev.on('state', (s) => states.push(s));
    expect(dev.state).toBe('closed');
    await dev.open();
    await dev.claim();
    await dev.enable();
    expect([dev.state, dev.claimed, dev.enabled]).toEqual(['idle', true, true]);
    await dev.disable();
    await dev.release();
    await dev.close();
    expect(states).toEqual(['idle', 'closed']);
  });

  it('rejects calls in the wrong order with the UnifiedPOS code for the missing step', async () => {
    const { dev } = setup();
    expect(await code(dev.claim())).toBe('E_CLOSED');
    expect(await code(dev.enable())).toBe('E_CLOSED');
    expect(await code(dev.say('x'))).toBe('E_CLOSED');
    expect(await code(dev.close())).toBe('E_CLOSED');
    await dev.open();
    expect(await code(dev.open())).toBe('E_ILLEGAL');
    expect(await code(dev.enable())).toBe('E_NOTCLAIMED');
    expect(await code(dev.release())).toBe('E_NOTCLAIMED');
    expect(await code(dev.say('x'))).toBe('E_NOTCLAIMED');
    await dev.claim();
    expect(await code(dev.say('x'))).toBe('E_DISABLED');
    await dev.enable();
    expect(await code(dev.say('x'))).toBe('SUCCESS');
    const err = await dev.close().then(() => undefined, (e) => e);
    expect(err).toBeUndefined();
    expect(dev.state).toBe('closed');
  });

  it('gives the hardware to one control object at a time (E_CLAIMED)', async () => {
    const { dev, binding } = setup('shared');
    const other = new EchoDevice('shared', 'scanner', { address: { kind: 'mock', name: 'shared' }, binding });
    await dev.open();
    await dev.claim();
    await other.open();
    expect(await code(other.claim())).toBe('E_CLAIMED');
    await dev.release();
    await other.claim();
    await other.close();
    await dev.close();
  });

  it('fails claim with E_NOHARDWARE naming the address when the device is absent', async () => {
    const { dev, mock } = setup('gone');
    mock.unplug();
    await dev.open();
    const err = await dev.claim().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(PosError);
    expect((err as PosError).code).toBe('E_NOHARDWARE');
    expect((err as PosError).message).toContain('mock gone');
    expect(dev.claimed).toBe(false);
  });

  it('with startOffline, claims an absent device and connects when it appears', async () => {
    const binding = new MockBinding();
    const mock = binding.createDevice('late');
    mock.unplug();
    const dev = new EchoDevice('late', 'scanner', { address: { kind: 'mock', name: 'late' }, binding, reconnect: { initialDelayMs: 5, maxDelayMs: 20, startOffline: true } });
    const statuses: StatusEvent[] = [];
    dev.on('status', (s) => statuses.push(s));
    await dev.start();
    expect(dev.state).toBe('error');
    expect(dev.linkUps).toBe(0);
    const online = waitForEvent<PosDeviceEvents, 'status'>(dev, 'status', (s) => s.kind === 'power' && s.value === 'online');
    mock.replug();
    await online;
    expect([dev.state, dev.linkUps]).toEqual(['idle', 1]);
    expect(statuses.map((s) => s.kind === 'power' && s.value)).toEqual(['offline', 'online']);
    await dev.close();
  });

  it('delivers data, queues it while dataEventEnabled is false', async () => {
    const { dev, mock } = setup();
    await dev.start();
    const got: string[] = [];
    dev.on('data', (e) => got.push(e.data));
    mock.reply([...new TextEncoder().encode('abc\rde')]);
    await waitForEvent<PosDeviceEvents<string>, 'data'>(dev, 'data');
    dev.dataEventEnabled = false;
    mock.reply([...new TextEncoder().encode('f\r')]);
    await new Promise((r) => setTimeout(r, 0));
    await Promise.resolve();
    expect(got).toEqual(['abc']);
    dev.dataEventEnabled = true;
    expect(got).toEqual(['abc', 'def']);
    expect(new TextDecoder().decode(mock.takeWritten())).toBe('');
    await dev.say('hi');
    expect(new TextDecoder().decode(mock.takeWritten())).toBe('hi');
    await dev.close();
  });

  it('lets the application answer an error event with retry or clear', async () => {
    const { dev } = setup();
    await dev.start();
    expect(dev.fail()).toBe('retry');
    const seen: ErrorEvent[] = [];
    dev.on('error', (e) => {
      seen.push(e);
      e.respond('clear');
    });
    expect(dev.fail()).toBe('clear');
    expect(seen[0]).toMatchObject({ code: 'E_EXTENDED', extended: 'EPTR_COVER_OPEN', locus: 'output', defaultResponse: 'retry' });
    await dev.close();
  });

  it('goes offline on unplug and comes back on its own after replug, with status events', async () => {
    const { dev, mock } = setup();
    const statuses: StatusEvent[] = [];
    dev.on('status', (s) => statuses.push(s));
    await dev.start();
    expect(dev.linkUps).toBe(1);
    const offline = waitForEvent<PosDeviceEvents, 'status'>(dev, 'status', (s) => s.kind === 'power' && s.value === 'offline');
    mock.unplug();
    await offline;
    expect(dev.state).toBe('error');
    expect(await code(dev.say('x'))).toBe('E_OFFLINE');
    const online = waitForEvent<PosDeviceEvents, 'status'>(dev, 'status', (s) => s.kind === 'power' && s.value === 'online');
    mock.replug();
    await online;
    expect(dev.state).toBe('idle');
    expect(dev.linkUps).toBe(2);
    await dev.say('back');
    expect(new TextDecoder().decode(mock.takeWritten())).toBe('back');
    expect(statuses.map((s) => s.kind === 'power' && s.value)).toEqual(['online', 'offline', 'online']);
    await dev.close();
  });
});
