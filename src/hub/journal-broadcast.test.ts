import { describe, expect, it, vi } from 'vitest';
import { Server } from 'socket.io';
import type { JournalEvent } from '../core/protocol';
import { HQ_ROOM, hqStoreRoom, nobodyInRooms, noteInMemoryAdapter, publishJournal, storeRoom } from './socket';
import { RegisterSim } from './testing/register-sim';

// publishJournal builds and emits the HQ live feed's rows only when someone may hear them: on
// the in-memory adapter a room with no socket here is a room with no socket anywhere; with any
// other adapter (Redis: sockets on other hubs) it always emits.

const sim = new RegisterSim('S1', 'S1-R1', 'tok');
const events = (): JournalEvent[] => [sim.sell([{ sku: 'A', units: 1, unit_price: 100 }]) as JournalEvent];

// Not attached to an HTTP server: nothing to listen on or close.
function server(noted: boolean): Server {
  const io = new Server();
  if (noted) noteInMemoryAdapter(io);
  return io;
}

describe('publishJournal', () => {
  it('emits nothing (and builds no row) when neither HQ room has a socket on the in-memory adapter', () => {
    const io = server(true);
    const to = vi.spyOn(io, 'to');
    // A register in its store room hears no journal rows either way.
    void io.of('/').adapter.addAll('register-socket', new Set([storeRoom('S1')]));
    expect(nobodyInRooms(io, [HQ_ROOM, hqStoreRoom('S1')])).toBe(true);
    publishJournal(io, events());
    expect(to).not.toHaveBeenCalled();
  });

  it('emits to both HQ rooms when either has a socket', () => {
    for (const room of [HQ_ROOM, hqStoreRoom('S1')]) {
      const io = server(true);
      void io.of('/').adapter.addAll('console-socket', new Set([room]));
      const to = vi.spyOn(io, 'to');
      publishJournal(io, events());
      expect(to).toHaveBeenCalledWith([HQ_ROOM, hqStoreRoom('S1')]);
    }
    // Another store's HQ room does not count.
    const io = server(true);
    void io.of('/').adapter.addAll('console-socket', new Set([hqStoreRoom('S2')]));
    const to = vi.spyOn(io, 'to');
    publishJournal(io, events());
    expect(to).not.toHaveBeenCalled();
  });

  it('always emits with an adapter other than the noted in-memory one (Redis reaches other hubs), or when none was noted', () => {
    const io = server(true);
    const InMemory = io.of('/').adapter.constructor as new (...args: never[]) => object;
    class Cluster extends InMemory {}
    io.adapter(Cluster as never);
    expect(io.of('/').adapter).toBeInstanceOf(Cluster);
    expect(nobodyInRooms(io, [HQ_ROOM])).toBe(false);
    const to = vi.spyOn(io, 'to');
    publishJournal(io, events());
    expect(to).toHaveBeenCalledTimes(1);

    const unnoted = server(false);
    expect(nobodyInRooms(unnoted, [HQ_ROOM])).toBe(false);
  });
});
