export * from './common';
export * from './hledger';
export * from './beancount';
export * from './qbo';
export * from './xero';
