export * from './sha256';
export * from './canonical-json';
export * from './journal-event';
export * from './messages';
export * from './text';
export * from './event-content';
export * from './sale-lookup';
export * from './value-accounts';
