// The events every device emits, after UnifiedPOS: DataEvent, StatusUpdateEvent, ErrorEvent
// (which the application answers with retry or clear) and a state change notification.

import type { ExtendedResult, ResultCode } from './result';

/** UnifiedPOS State property. */
export type DeviceState = 'closed' | 'idle' | 'busy' | 'error';

export type DeviceCategory = 'printer' | 'drawer' | 'scanner' | 'scale' | 'display' | 'payment';

/**
 * StatusUpdateEvent. One discriminated union so a `switch (s.kind)` in the app is exhaustive.
 * `other` lets a driver report something vendor-specific without changing this file.
 */
export type StatusUpdate =
  | { kind: 'cover'; value: 'open' | 'closed' }
  | { kind: 'paper'; value: 'ok' | 'near-end' | 'empty' }
  | { kind: 'drawer'; value: 'opened' | 'closed' }
  /** The drawer stayed open longer than its configured alert time. */
  | { kind: 'drawer-alert'; value: 'open-too-long'; openForMs: number }
  | { kind: 'scale'; value: 'stable' | 'unstable' | 'over-capacity' | 'under-zero' | 'zero' }
  | { kind: 'power'; value: 'online' | 'offline'; reason?: string }
  /** A print job (or other output) finished; `id` is the id the driver returned. */
  | { kind: 'output-complete'; id: string }
  | { kind: 'other'; name: string; value: string };

export type StatusEvent = StatusUpdate & { device: string; at: number };

/** DataEvent. `T` is the driver's payload (a scanned label, a weight, a card result). */
export interface DataEvent<T = unknown> {
  device: string;
  at: number;
  data: T;
}

/** The application's answer to an ErrorEvent (UnifiedPOS ErrorResponse). */
export type ErrorResponse = 'retry' | 'clear';

/** Where the error happened, after UnifiedPOS ErrorLocus. */
export type ErrorLocus = 'output' | 'input' | 'input-data';

/**
 * ErrorEvent. Listeners answer synchronously with `event.respond('retry' | 'clear')`; if nobody
 * answers, `defaultResponse` applies (the driver documents what retry and clear mean for it).
 */
export interface ErrorEvent {
  device: string;
  at: number;
  code: ResultCode;
  extended: ExtendedResult | undefined;
  message: string;
  locus: ErrorLocus;
  defaultResponse: ErrorResponse;
  respond(response: ErrorResponse): void;
  readonly response: ErrorResponse;
}

export interface PosDeviceEvents<TData = unknown> {
  data: (e: DataEvent<TData>) => void;
  status: (e: StatusEvent) => void;
  error: (e: ErrorEvent) => void;
  state: (state: DeviceState, previous: DeviceState) => void;
}
