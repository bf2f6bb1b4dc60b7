export * from './result';
export * from './events';
export { TypedEmitter, waitForEvent, MAX_LISTENERS_PER_EVENT, type EventMap, type EventsOf } from './emitter';
export { PosDevice, MAX_QUEUED_DATA_EVENTS, errorMessage, type RaiseErrorOptions } from './pos-device';
export { TransportDevice, type TransportDeviceOptions } from './transport-device';
