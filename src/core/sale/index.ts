export * from './types';
export * from './promotions';
export * from './pricing';
export * from './engine';
export * from './refund';
export * from './schemas';
