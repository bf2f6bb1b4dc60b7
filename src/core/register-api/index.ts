export * from './schemas';
export * from './commands';
export * from './wire';
export * from './ports';
