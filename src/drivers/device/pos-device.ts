// The UnifiedPOS device life cycle every Tillstream driver extends:
//   open → claim → enable … disable → release → close
// open() only creates the control object (no hardware), claim() takes the hardware for this
// process (opens the transport), enable() turns the device on (starts ASB, polling, reading).
// A call in the wrong order rejects with a PosError naming the step that is missing.

import { TypedEmitter, type EventsOf } from './emitter';
import type { DataEvent, DeviceCategory, DeviceState, StatusUpdate, ErrorEvent, ErrorLocus, ErrorResponse, PosDeviceEvents } from './events';
import { PosError, type ExtendedResult, type ResultCode } from './result';

/** Data events held while `dataEventEnabled` is false (UnifiedPOS queues them); oldest dropped past this. */
export const MAX_QUEUED_DATA_EVENTS = 64;

// Exclusive claim, process-wide: two driver objects for the same logical device must not both
// drive the hardware (UnifiedPOS E_CLAIMED).
const claims = new Map<string, PosDevice<never>>();

export interface RaiseErrorOptions {
  extended?: ExtendedResult;
  locus?: ErrorLocus;
  defaultResponse?: ErrorResponse;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export abstract class PosDevice<TData = unknown, Extra extends EventsOf<Extra> = {}> extends TypedEmitter<PosDeviceEvents<TData> & Extra> {
  private _state: DeviceState = 'closed';
  private _claimed = false;
  private _enabled = false;
  private _dataEventEnabled = true;
  private readonly dataQueue: DataEvent<TData>[] = [];
  /** Last status per kind, so the app (and a newly opened screen) can read the current picture. */
  private readonly lastStatus = new Map<string, StatusUpdate>();

  constructor(
    /** Logical name from the device configuration, e.g. "printer". */
    readonly name: string,
    readonly category: DeviceCategory,
  ) {
    super();
  }

  get state(): DeviceState {
    return this._state;
  }
  get opened(): boolean {
    return this._state !== 'closed';
  }
  get claimed(): boolean {
    return this._claimed;
  }
  get enabled(): boolean {
    return this._enabled;
  }
  /** Current value of each status kind seen so far. */
  get statuses(): StatusUpdate[] {
    return [...this.lastStatus.values()];
  }
  status<K extends StatusUpdate['kind']>(kind: K): Extract<StatusUpdate, { kind: K }> | undefined {
    return this.lastStatus.get(kind) as Extract<StatusUpdate, { kind: K }> | undefined;
  }

  /** UnifiedPOS DataEventEnabled: while false, data events are queued (bounded) and delivered when set true. */
  get dataEventEnabled(): boolean {
    return this._dataEventEnabled;
  }
  set dataEventEnabled(value: boolean) {
    this._dataEventEnabled = value;
    while (value && this.dataQueue.length > 0) {
      const e = this.dataQueue.shift()!;
      this.emit('data', ...([e] as unknown as Parameters<(PosDeviceEvents<TData> & Extra)['data']>));
    }
  }

  async open(): Promise<void> {
    if (this._state !== 'closed') throw new PosError('E_ILLEGAL', `${this.name} is already open`);
    await this.onOpen();
    this.setState('idle');
  }

  async claim(): Promise<void> {
    this.requireOpen('claim');
    if (this._claimed) return;
    const holder = claims.get(this.name);
    if (holder && holder !== (this as unknown)) throw new PosError('E_CLAIMED', `${this.name} is claimed by another control object`);
    claims.set(this.name, this as unknown as PosDevice<never>);
    try {
      await this.onClaim();
    } catch (err) {
      claims.delete(this.name);
      throw err instanceof PosError ? err : new PosError('E_NOHARDWARE', `${this.name}: ${errorMessage(err)}`, { cause: err });
    }
    this._claimed = true;
  }

  async enable(): Promise<void> {
    this.requireOpen('enable');
    if (!this._claimed) throw new PosError('E_NOTCLAIMED', `${this.name} must be claimed before enable()`);
    if (this._enabled) return;
    await this.onEnable();
    this._enabled = true;
  }

  async disable(): Promise<void> {
    this.requireOpen('disable');
    if (!this._claimed) throw new PosError('E_NOTCLAIMED', `${this.name} must be claimed before disable()`);
    if (!this._enabled) return;
    this._enabled = false;
    await this.onDisable();
  }

  async release(): Promise<void> {
    this.requireOpen('release');
    if (!this._claimed) throw new PosError('E_NOTCLAIMED', `${this.name} is not claimed`);
    if (this._enabled) await this.disable();
    this._claimed = false;
    claims.delete(this.name);
    await this.onRelease();
    if (this._state !== 'closed') this.setState('idle');
  }

  /** Closes from any state (disable and release first when needed), so shutdown paths stay simple. */
  async close(): Promise<void> {
    if (this._state === 'closed') throw new PosError('E_CLOSED', `${this.name} is not open`);
    if (this._claimed) await this.release();
    await this.onClose();
    this.dataQueue.length = 0;
    this.setState('closed');
  }

  /** open + claim + enable, the usual start. */
  async start(): Promise<void> {
    if (this._state === 'closed') await this.open();
    await this.claim();
    await this.enable();
  }

  // ---- hooks for drivers ----
  protected async onOpen(): Promise<void> {}
  /** Take the hardware: open the transport. Throw to refuse the claim. */
  protected abstract onClaim(): Promise<void>;
  protected async onEnable(): Promise<void> {}
  protected async onDisable(): Promise<void> {}
  /** Give the hardware back: close the transport. */
  protected abstract onRelease(): Promise<void>;
  protected async onClose(): Promise<void> {}

  // ---- helpers for drivers ----
  /** Throws the UnifiedPOS error for the first missing step: E_CLOSED, E_NOTCLAIMED, E_DISABLED. */
  protected requireEnabled(what: string): void {
    this.requireOpen(what);
    if (!this._claimed) throw new PosError('E_NOTCLAIMED', `${this.name}: claim() before ${what}`);
    if (!this._enabled) throw new PosError('E_DISABLED', `${this.name}: enable() before ${what}`);
  }

  protected requireOpen(what: string): void {
    if (this._state === 'closed') throw new PosError('E_CLOSED', `${this.name}: open() before ${what}`);
  }

  protected setState(next: DeviceState): void {
    const prev = this._state;
    if (prev === next) return;
    this._state = next;
    this.emit('state', ...([next, prev] as unknown as Parameters<(PosDeviceEvents<TData> & Extra)['state']>));
  }

  protected emitData(data: TData): void {
    const e: DataEvent<TData> = { device: this.name, at: Date.now(), data };
    if (!this._dataEventEnabled) {
      if (this.dataQueue.length >= MAX_QUEUED_DATA_EVENTS) this.dataQueue.shift();
      this.dataQueue.push(e);
      return;
    }
    this.emit('data', ...([e] as unknown as Parameters<(PosDeviceEvents<TData> & Extra)['data']>));
  }

  /** Emits a status event when the value changed (or always with `force`). Returns whether it emitted. */
  protected emitStatus(status: StatusUpdate, force = false): boolean {
    const key = status.kind === 'other' ? `other:${status.name}` : status.kind;
    const prev = this.lastStatus.get(key);
    const transient = status.kind === 'output-complete' || status.kind === 'drawer-alert';
    if (!force && !transient && prev && JSON.stringify(prev) === JSON.stringify(status)) return false;
    if (!transient) this.lastStatus.set(key, status);
    this.emit('status', ...([{ ...status, device: this.name, at: Date.now() }] as unknown as Parameters<(PosDeviceEvents<TData> & Extra)['status']>));
    return true;
  }

  /**
   * Raises an ErrorEvent and returns the application's answer (or `defaultResponse`, 'retry'
   * unless given). Listeners answer synchronously, as in UnifiedPOS.
   */
  protected raiseError(code: ResultCode, message: string, options: RaiseErrorOptions = {}): ErrorResponse {
    let response: ErrorResponse = options.defaultResponse ?? 'retry';
    const event: ErrorEvent = {
      device: this.name,
      at: Date.now(),
      code,
      extended: options.extended,
      message,
      locus: options.locus ?? 'output',
      defaultResponse: response,
      respond(r: ErrorResponse) {
        response = r;
      },
      get response() {
        return response;
      },
    };
    this.emit('error', ...([event] as unknown as Parameters<(PosDeviceEvents<TData> & Extra)['error']>));
    return response;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
