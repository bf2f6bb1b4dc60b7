export * from './movements';
export * from './earn';
