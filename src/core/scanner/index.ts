export * from './wedge';
