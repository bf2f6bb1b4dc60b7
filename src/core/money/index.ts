export * from './currency';
export * from './rounding';
export * from './quantity';
export * from './money';
