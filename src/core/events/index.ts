export * from './common';
export * from './sale';
export * from './shift';
export * from './device';
export * from './registry';
export * from './examples';
