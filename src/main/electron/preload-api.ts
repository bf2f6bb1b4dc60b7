import { CHANNELS } from './policy';

// What the preload exposes as `window.tillstream` (the shape src/renderer/api/client.ts
// expects): invoke(name, params) and on(listener). The window never gets ipcRenderer itself,
// never chooses a channel, and never sees the IpcRendererEvent (whose `sender` would hand it
// ipcRenderer). Electron-free so it is tested with a fake ipcRenderer.

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export interface TillstreamBridge {
  invoke(name: string, params: unknown): Promise<unknown>;
  on(listener: (stream: string, data: unknown) => void): () => void;
}

/** One window subscribes a handful of times; more means a leak in the renderer. */
export const MAX_STREAM_LISTENERS = 32;

export function createPreloadApi(ipc: IpcRendererLike): TillstreamBridge {
  let listeners = 0;
  return Object.freeze({
    invoke(name: string, params: unknown): Promise<unknown> {
      if (typeof name !== 'string' || name.length === 0 || name.length > 64) {
        return Promise.reject(new Error('tillstream.invoke: name must be a command name'));
      }
      return ipc.invoke(CHANNELS.invoke, name, params ?? {});
    },
    on(listener: (stream: string, data: unknown) => void): () => void {
      if (typeof listener !== 'function') throw new Error('tillstream.on: listener must be a function');
      if (listeners >= MAX_STREAM_LISTENERS) throw new Error(`tillstream.on: more than ${MAX_STREAM_LISTENERS} listeners`);
      const wrapped = (_event: unknown, stream: unknown, data: unknown) => {
        if (typeof stream === 'string') listener(stream, data);
      };
      ipc.on(CHANNELS.event, wrapped);
      listeners++;
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        listeners--;
        ipc.removeListener(CHANNELS.event, wrapped);
      };
    },
  });
}
