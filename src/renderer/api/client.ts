import {
  eventSchema,
  parseResult,
  parseStream,
  RegisterError,
  responseSchema,
  type CommandName,
  type CommandParams,
  type CommandResult,
  type RegisterApi,
  type StreamData,
  type StreamName,
} from '../../core/register-api';

// One `api` for the cashier window: the Electron preload's `window.tillstream` when present,
// otherwise the WebSocket bridge of the browser host. Results and events are validated here
// too, so a broken main process shows a clear error instead of a half-drawn screen.

declare global {
  interface Window {
    tillstream?: {
      invoke(name: string, params: unknown): Promise<unknown>;
      on(listener: (stream: string, data: unknown) => void): () => void;
    };
  }
}

type Listener = (data: unknown) => void;
const MAX_PENDING_CALLS = 256;

class Streams {
  private listeners = new Map<StreamName, Set<Listener>>();
  on<S extends StreamName>(stream: S, l: (d: StreamData<S>) => void): () => void {
    let set = this.listeners.get(stream);
    if (!set) this.listeners.set(stream, (set = new Set()));
    set.add(l as Listener);
    return () => set!.delete(l as Listener);
  }
  emit(stream: string, data: unknown): void {
    const set = this.listeners.get(stream as StreamName);
    if (!set) return;
    let parsed: unknown;
    try {
      parsed = parseStream(stream as StreamName, data);
    } catch (err) {
      console.error(err);
      return;
    }
    for (const l of set) l(parsed);
  }
}

function errorFrom(e: { code: string; message: string }): RegisterError {
  return new RegisterError(e.code as RegisterError['code'], e.message);
}

export function preloadApi(bridge: NonNullable<Window['tillstream']>): RegisterApi {
  const streams = new Streams();
  bridge.on((stream, data) => streams.emit(stream, data));
  return {
    async call(name, params) {
      const raw = (await bridge.invoke(name, params)) as { ok: boolean; result?: unknown; error?: { code: string; message: string } };
      if (!raw.ok) throw errorFrom(raw.error ?? { code: 'INTERNAL', message: 'no error given' });
      return parseResult(name, raw.result);
    },
    on: (s, l) => streams.on(s, l),
  };
}

export interface SocketApi extends RegisterApi {
  onConnection(l: (connected: boolean) => void): () => void;
}

export function socketApi(url: string): SocketApi {
  const streams = new Streams();
  const pending = new Map<number, { name: CommandName; resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const connListeners = new Set<(c: boolean) => void>();
  let nextId = 1;
  let ws: WebSocket | null = null;
  let open: Promise<WebSocket> | null = null;
  let retryMs = 250;

  const connect = (): Promise<WebSocket> => {
    if (open) return open;
    open = new Promise((resolve) => {
      const sock = new WebSocket(url);
      sock.onopen = () => {
        ws = sock;
        retryMs = 250;
        for (const l of connListeners) l(true);
        resolve(sock);
      };
      sock.onmessage = (ev) => {
        let msg: unknown;
        try {
          msg = JSON.parse(String(ev.data));
        } catch {
          return;
        }
        const evt = eventSchema.safeParse(msg);
        if (evt.success) {
          streams.emit(evt.data.stream, evt.data.data);
          return;
        }
        const res = responseSchema.safeParse(msg);
        if (!res.success) return;
        const p = pending.get(res.data.id);
        if (!p) return;
        pending.delete(res.data.id);
        if (res.data.ok) {
          try {
            p.resolve(parseResult(p.name, res.data.result));
          } catch (err) {
            p.reject(err as Error);
          }
        } else p.reject(errorFrom(res.data.error));
      };
      sock.onclose = () => {
        ws = null;
        open = null;
        for (const l of connListeners) l(false);
        for (const [id, p] of pending) {
          pending.delete(id);
          p.reject(new RegisterError('INTERNAL', 'connection to the register process was lost; try again'));
        }
        setTimeout(() => void connect(), retryMs);
        retryMs = Math.min(retryMs * 2, 5000);
      };
    });
    return open;
  };
  void connect();

  return {
    async call<N extends CommandName>(name: N, params: CommandParams<N>): Promise<CommandResult<N>> {
      if (pending.size >= MAX_PENDING_CALLS) throw new RegisterError('INTERNAL', 'too many calls in flight');
      const sock = ws ?? (await connect());
      const id = nextId++;
      return new Promise<CommandResult<N>>((resolve, reject) => {
        pending.set(id, { name, resolve: resolve as (v: unknown) => void, reject });
        sock.send(JSON.stringify({ kind: 'call', id, name, params }));
      });
    },
    on: (s, l) => streams.on(s, l),
    onConnection(l) {
      connListeners.add(l);
      return () => connListeners.delete(l);
    },
  };
}

/** Picks the transport: Electron preload, else the WebSocket bridge with the launch token. */
export function createApi(): RegisterApi {
  if (window.tillstream) return preloadApi(window.tillstream);
  const params = new URLSearchParams(window.location.search);
  const token = params.get('token') ?? sessionStorage.getItem('tillstream.token') ?? '';
  sessionStorage.setItem('tillstream.token', token);
  const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return socketApi(`${proto}//${window.location.host}/ws?token=${encodeURIComponent(token)}`);
}
