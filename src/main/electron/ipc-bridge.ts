import {
  COMMAND_NAMES,
  dispatch,
  MAX_WIRE_BYTES,
  parseStream,
  RegisterError,
  toErrorData,
  type CommandName,
  type RegisterHandler,
  type StreamName,
  type WireResponse,
} from '../../core/register-api';
import { redactPans } from '../../core/pci';
import { CHANNELS, isTrustedSender, type SenderFrameLike } from './policy';

// The IPC half of the Electron shell: ipcMain.handle for commands and webContents.send for event
// streams, with the same validation as the browser host's WebSocket bridge (core/register-api
// `dispatch`). Typed against minimal interfaces instead of `electron` so it is tested with fakes.

export interface InvokeEventLike {
  sender: { id: number };
  senderFrame: SenderFrameLike | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown> | unknown): void;
  removeHandler(channel: string): void;
}

export interface WebContentsLike {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

export interface IpcBridgeOptions {
  ipcMain: IpcMainLike;
  handler: RegisterHandler;
  /** The cashier window's webContents: the only sender accepted and the only receiver of events. */
  webContents: WebContentsLike;
  /** Calls being handled at once (a stuck card terminal must not let calls pile up without bound). */
  maxInFlight?: number;
  log?: (msg: string) => void;
  /** Replaceable for tests; defaults to policy.isTrustedSender. */
  isTrusted?: (event: InvokeEventLike, webContentsId: number) => boolean;
}

export interface IpcBridge {
  /** Calls currently being handled. */
  inFlight(): number;
  /** Stops both directions; safe to call twice. */
  detach(): void;
}

const KNOWN = new Set<string>(COMMAND_NAMES);

function refuse(id: number, err: unknown): WireResponse {
  return { kind: 'result', id, ok: false, error: toErrorData(err) };
}

/**
 * Free text is the one place a card number could slip past the schemas (a driver error quoting
 * what the terminal sent, an alert). Masked to first six / last four before it crosses IPC.
 * Structured fields are not touched: the schemas already refuse an unmasked masked_pan, and a
 * blanket redaction would also mask Luhn-valid article numbers (GTINs) in sale lines.
 */
function redactResponse(res: WireResponse): WireResponse {
  return res.ok ? res : { ...res, error: { ...res.error, message: redactPans(res.error.message) } };
}

function redactStream(stream: StreamName, data: unknown): unknown {
  if (stream === 'alert' && data && typeof data === 'object') {
    const a = data as { message?: unknown };
    if (typeof a.message === 'string') return { ...a, message: redactPans(a.message) };
  }
  if (stream === 'devices' && Array.isArray(data)) {
    return data.map((d: { advice?: unknown }) => (d && typeof d.advice === 'string' ? { ...d, advice: redactPans(d.advice) } : d));
  }
  return data;
}

/** Byte size of the params as JSON, or -1 when they are not JSON at all (cycles, BigInt). */
function jsonSize(value: unknown): number {
  try {
    const s = JSON.stringify(value ?? {});
    return s === undefined ? -1 : s.length;
  } catch {
    return -1;
  }
}

export function attachIpcBridge(opts: IpcBridgeOptions): IpcBridge {
  const { ipcMain, handler, webContents } = opts;
  const maxInFlight = opts.maxInFlight ?? 32;
  const log = opts.log ?? (() => {});
  const trusted = opts.isTrusted ?? isTrustedSender;
  let inFlight = 0;
  let nextId = 1;
  let detached = false;

  ipcMain.handle(CHANNELS.invoke, async (event, ...args) => {
    const id = nextId++;
    if (!trusted(event, webContents.id)) {
      log(`IPC refused: untrusted sender (webContents ${String(event?.sender?.id)}, frame ${event?.senderFrame?.url ?? 'gone'})`);
      return refuse(id, new RegisterError('BAD_REQUEST', 'IPC refused: the sender is not the register window'));
    }
    if (args.length < 1 || args.length > 2) return refuse(id, new RegisterError('BAD_REQUEST', `expected (name, params), got ${args.length} arguments`));
    const [name, params] = args;
    if (typeof name !== 'string' || !KNOWN.has(name)) {
      const shown = typeof name === 'string' ? `"${name.slice(0, 64)}"` : typeof name;
      return refuse(id, new RegisterError('BAD_REQUEST', `unknown command ${shown}`));
    }
    const size = jsonSize(params);
    if (size < 0) return refuse(id, new RegisterError('BAD_REQUEST', `${name}: params are not plain JSON data`));
    if (size > MAX_WIRE_BYTES) return refuse(id, new RegisterError('BAD_REQUEST', `${name}: params larger than ${MAX_WIRE_BYTES} bytes`));
    if (inFlight >= maxInFlight) return refuse(id, new RegisterError('INTERNAL', `too many calls in flight (${maxInFlight}); try again`));
    inFlight++;
    try {
      // dispatch validates params with the command's zod schema (BAD_REQUEST naming the field,
      // handler not called), runs it, validates the result and maps errors.
      return redactResponse(await dispatch(handler, { kind: 'call', id, name: name as CommandName, params: params ?? {} }));
    } finally {
      inFlight--;
    }
  });

  const unsubscribe = handler.subscribe((stream: StreamName, data: unknown) => {
    if (detached || webContents.isDestroyed()) return;
    let parsed: unknown;
    try {
      // Validated on the way out too: a stream that breaks its schema (e.g. a card number that
      // is not masked) never reaches the window.
      parsed = parseStream(stream, data);
    } catch (err) {
      log(`stream ${stream} not sent: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    try {
      webContents.send(CHANNELS.event, stream, redactStream(stream, parsed));
    } catch (err) {
      log(`stream ${stream} not sent: ${err instanceof Error ? err.message : String(err)}`);
    }
  });

  return {
    inFlight: () => inFlight,
    detach() {
      if (detached) return;
      detached = true;
      ipcMain.removeHandler(CHANNELS.invoke);
      unsubscribe();
    },
  };
}
