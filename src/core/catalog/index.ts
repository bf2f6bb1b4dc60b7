export * from './product';
export * from './promotion';
export * from './price-book';
