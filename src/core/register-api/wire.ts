import { z } from 'zod';
import {
  COMMAND_NAMES,
  RegisterError,
  commandSchemas,
  registerErrorSchema,
  streamSchemas,
  STREAM_NAMES,
  type CommandName,
  type CommandParams,
  type CommandResult,
  type StreamData,
  type StreamName,
} from './commands';

// The envelope every IPC message travels in, for both transports (Electron ipcRenderer.invoke /
// webContents.send, and the WebSocket bridge). Validation happens here so both transports
// refuse the same things with the same messages.

export const MAX_WIRE_BYTES = 256 * 1024;

export const requestSchema = z.object({
  kind: z.literal('call'),
  id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  name: z.enum(COMMAND_NAMES as [CommandName, ...CommandName[]]),
  params: z.unknown(),
}).strict();
export type WireRequest = z.infer<typeof requestSchema>;

export const responseSchema = z.union([
  z.object({ kind: z.literal('result'), id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ kind: z.literal('result'), id: z.number().int(), ok: z.literal(false), error: registerErrorSchema }),
]);
export type WireResponse = z.infer<typeof responseSchema>;

export const eventSchema = z.object({
  kind: z.literal('event'),
  stream: z.enum(STREAM_NAMES as [StreamName, ...StreamName[]]),
  data: z.unknown(),
});
export type WireEvent = z.infer<typeof eventSchema>;

function issues(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/** Parses command parameters; throws RegisterError BAD_REQUEST naming what was wrong. */
export function parseParams<N extends CommandName>(name: N, params: unknown): z.output<(typeof commandSchemas)[N]['params']> {
  const schema = commandSchemas[name]?.params as z.ZodType | undefined;
  if (!schema) throw new RegisterError('BAD_REQUEST', `unknown command "${String(name)}"`);
  const r = schema.safeParse(params ?? {});
  if (!r.success) throw new RegisterError('BAD_REQUEST', `${name}: ${issues(r.error)}`);
  return r.data as z.output<(typeof commandSchemas)[N]['params']>;
}

export function parseResult<N extends CommandName>(name: N, result: unknown): CommandResult<N> {
  const r = (commandSchemas[name].result as z.ZodType).safeParse(result);
  if (!r.success) throw new RegisterError('INTERNAL', `${name} result: ${issues(r.error)}`);
  return r.data as CommandResult<N>;
}

export function parseStream<S extends StreamName>(stream: S, data: unknown): StreamData<S> {
  const r = (streamSchemas[stream] as z.ZodType).safeParse(data);
  if (!r.success) throw new RegisterError('INTERNAL', `stream ${stream}: ${issues(r.error)}`);
  return r.data as StreamData<S>;
}

/** Parses an incoming request frame (JSON text or an already-decoded object). */
export function parseRequest(raw: unknown): WireRequest {
  let value = raw;
  if (typeof raw === 'string') {
    if (raw.length > MAX_WIRE_BYTES) throw new RegisterError('BAD_REQUEST', `message larger than ${MAX_WIRE_BYTES} bytes`);
    try {
      value = JSON.parse(raw);
    } catch {
      throw new RegisterError('BAD_REQUEST', 'message is not JSON');
    }
  }
  const r = requestSchema.safeParse(value);
  if (!r.success) throw new RegisterError('BAD_REQUEST', `request: ${issues(r.error)}`);
  return r.data;
}

/** The one API the cashier window uses, whatever carries it. */
export interface RegisterApi {
  call<N extends CommandName>(name: N, params: CommandParams<N>): Promise<CommandResult<N>>;
  /** Returns an unsubscribe function. */
  on<S extends StreamName>(stream: S, listener: (data: StreamData<S>) => void): () => void;
}

/** What the main process implements: validated params in, result out, events to push. */
export interface RegisterHandler {
  handle(name: CommandName, params: unknown): Promise<unknown>;
  subscribe(listener: (stream: StreamName, data: unknown) => void): () => void;
}

/** Shared dispatch used by both transports: validate, run, validate the result, map errors. */
export async function dispatch(handler: RegisterHandler, req: WireRequest): Promise<WireResponse> {
  try {
    const params = parseParams(req.name, req.params);
    const result = parseResult(req.name, await handler.handle(req.name, params));
    return { kind: 'result', id: req.id, ok: true, result };
  } catch (err) {
    return { kind: 'result', id: req.id, ok: false, error: toErrorData(err) };
  }
}

export function toErrorData(err: unknown): { code: RegisterError['code']; message: string } {
  if (err instanceof RegisterError) return { code: err.code, message: err.message.slice(0, 500) };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message: message.slice(0, 500) };
}
