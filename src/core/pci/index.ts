export * from './pan-scan';
