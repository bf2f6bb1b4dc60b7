export * from './shift';
