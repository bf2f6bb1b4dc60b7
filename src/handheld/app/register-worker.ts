import { parseResult, type CommandName, type CommandParams, type CommandResult } from '../../core/register-api';
import type { ReceiptDocument } from '../../core/receipt';
import type { DeviceView, LinkView, PageRequestBody, WorkerMessage } from '../messages';

// The page's side of the worker: one request at a time per id, answers matched by id, the
// register's results checked against core's schemas as the countertop window checks them.

export class HandheldError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export interface WorkerEvents {
  link(l: LinkView): void;
  receipt(doc: ReceiptDocument, text: string): void;
  stream(stream: string, data: unknown): void;
  fatal(message: string): void;
}

/** Answers a page waits for (bounded: a page that stops waiting must not grow this). */
const MAX_PENDING = 64;

export class RegisterWorker {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; name?: CommandName }>();

  constructor(url: string, private readonly on: WorkerEvents) {
    this.worker = new Worker(url, { type: 'module', name: 'tillstream-register' });
    this.worker.onmessage = (ev: MessageEvent<WorkerMessage>) => this.receive(ev.data);
    this.worker.onerror = (ev) => on.fatal(ev.message || 'the register worker failed to start');
  }

  private receive(m: WorkerMessage): void {
    if ('push' in m) {
      if (m.push === 'link') this.on.link(m.link);
      else if (m.push === 'receipt') this.on.receipt(m.receipt, m.text);
      else if (m.push === 'stream') this.on.stream(m.stream, m.data);
      else this.on.fatal(m.message);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if ('wire' in m) {
      if (m.wire.ok) {
        try {
          p.resolve(p.name ? parseResult(p.name, m.wire.result) : m.wire.result);
        } catch (err) {
          p.reject(err as Error);
        }
      } else p.reject(new HandheldError(m.wire.error.code, m.wire.error.message));
    } else if (m.ok) p.resolve(m.result);
    else p.reject(new HandheldError(m.error.code, m.error.message));
  }

  private send<T>(body: PageRequestBody, name?: CommandName): Promise<T> {
    if (this.pending.size >= MAX_PENDING) return Promise.reject(new HandheldError('BUSY', 'the register is busy; wait a moment'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, name });
      this.worker.postMessage({ id, ...body });
    });
  }

  init(): Promise<DeviceView> {
    return this.send({ op: 'init' });
  }
  enroll(code: string, cashier: { cashier_id: string; name: string; pin: string }): Promise<DeviceView> {
    return this.send({ op: 'enroll', code, cashier });
  }
  confirmCard(amount: number, currency: string): Promise<void> {
    return this.send({ op: 'confirmCard', amount, currency });
  }
  exportJournal(): Promise<Uint8Array> {
    return this.send({ op: 'exportJournal' });
  }
  call<N extends CommandName>(name: N, params: CommandParams<N>): Promise<CommandResult<N>> {
    return this.send({ op: 'call', name, params }, name);
  }
}
