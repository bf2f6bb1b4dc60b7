export * from './document';
export * from './format';
export { SAMPLE_RECEIPT } from './sample';
export * from './receipt-no';
export * from './print';
