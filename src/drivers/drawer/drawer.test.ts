import { describe, expect, it } from 'vitest';
import { waitForEvent } from '../device/emitter';
import type { StatusEvent } from '../device/events';
import { MockBinding } from '../transport/mock';
import { CashDrawer } from './drawer';

describe('cash drawer on its own serial port', () => {
  it('opens by writing its open bytes, has no sensor, and follows the link', async () => {
    const binding = new MockBinding();
    const port = binding.createDevice('drawer-port');
    const drawer = new CashDrawer('serial-drawer', {
      via: 'serial',
      address: { kind: 'mock', name: 'drawer-port' },
      binding,
      openBytes: [0x1b, 0x70, 0x00],
      reconnect: { initialDelayMs: 5, maxDelayMs: 20 },
    });
    await drawer.start();
    await drawer.openDrawer();
    expect([...port.takeWritten()]).toEqual([0x1b, 0x70, 0x00]);
    expect(drawer.isOpen).toBeUndefined();
    const offline = waitForEvent<{ status: (s: StatusEvent) => void }, 'status'>(drawer as never, 'status', (s) => s.kind === 'power' && s.value === 'offline');
    port.unplug();
    await offline;
    await expect(drawer.openDrawer()).rejects.toMatchObject({ code: 'E_OFFLINE' });
    const online = waitForEvent<{ status: (s: StatusEvent) => void }, 'status'>(drawer as never, 'status', (s) => s.kind === 'power' && s.value === 'online');
    port.replug();
    await online;
    await drawer.openDrawer();
    expect([...port.takeWritten()]).toEqual([0x1b, 0x70, 0x00]);
    await drawer.close();
  });

  it('refuses pulse times the ESC p command cannot carry', () => {
    expect(() => new CashDrawer('d', { via: 'serial', address: { kind: 'mock', name: 'x' }, pulse: { onMs: 600 } })).toThrow(/2..510 ms/);
  });
});
