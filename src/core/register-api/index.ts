export * from './schemas';
export * from './commands';
export * from './wire';
