export * from './connection';
export * from './schema';
export * from './load';
export * from './registry';
