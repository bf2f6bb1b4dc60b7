export * from './chart';
export * from './default-charts';
export * from './entry';
export * from './post';
export * from './trial-balance';
export * from './export';
export * from './review-hold';
