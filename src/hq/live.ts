import { io, type Socket } from 'socket.io-client';
import type { AlertRow, EventRow } from './api';

// The hub's socket feed for people: the hub joins an HQ user to the chain's room (a store
// manager to their stores' rooms) and pushes every applied journal event ('journal') and
// every alert ('alert', 'alert.acknowledged') as it happens. The console only listens; it never sends.

export type LiveState = 'connecting' | 'live' | 'offline' | 'refused';

export interface Live {
  onJournal(fn: (e: EventRow & { shown_at: number }) => void): () => void;
  onAlert(fn: (a: AlertRow) => void): () => void;
  onState(fn: (s: LiveState, detail?: string) => void): () => void;
  /** A register reported the last store change it applied (the propagation view). */
  onApplied(fn: (a: { store_id: string; terminal_id: string; change_cursor: number; at: string }) => void): () => void;
  close(): void;
}

/** The browser sends the session cookie with the WebSocket upgrade; the hub checks it and the page's origin. */
export function connectLive(): Live {
  const socket: Socket = io({ transports: ['websocket'], reconnectionDelayMax: 5000 });
  const journal = new Set<(e: EventRow & { shown_at: number }) => void>();
  const alerts = new Set<(a: AlertRow) => void>();
  const states = new Set<(s: LiveState, detail?: string) => void>();
  const applied = new Set<(a: { store_id: string; terminal_id: string; change_cursor: number; at: string }) => void>();
  const emit = (s: LiveState, d?: string) => states.forEach((f) => f(s, d));
  socket.on('connect', () => emit('live'));
  socket.on('disconnect', () => emit('offline'));
  socket.on('connect_error', (err) => emit(err.message === 'UNAUTHORIZED' ? 'refused' : 'offline', err.message));
  socket.on('journal', (e: EventRow) => {
    const at = Date.now();
    journal.forEach((f) => f({ ...e, shown_at: at }));
  });
  // A new alert, or one a person acknowledged (on this console or another).
  const alert = (a: Partial<AlertRow>) => alerts.forEach((f) => f({ folded: 0, acknowledged_at: null, acknowledged_by: null, data: {}, ...a } as AlertRow));
  socket.on('alert', alert);
  socket.on('alert.acknowledged', alert);
  socket.on('terminal.applied', (a: { store_id: string; terminal_id: string; change_cursor: number; at: string }) => applied.forEach((f) => f(a)));
  const sub = <F,>(set: Set<F>, fn: F) => {
    set.add(fn);
    return () => void set.delete(fn);
  };
  return {
    onJournal: (fn) => sub(journal, fn),
    onAlert: (fn) => sub(alerts, fn),
    onApplied: (fn) => sub(applied, fn),
    onState: (fn) => {
      fn(socket.connected ? 'live' : 'connecting');
      return sub(states, fn);
    },
    close: () => socket.close(),
  };
}
