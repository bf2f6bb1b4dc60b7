export * from './types';
export { ZvtPaymentTerminal, ZVT_DEFAULT_TCP_PORT, type ZvtTerminalOptions, type ZvtTerminalEvents } from './zvt-terminal';
export { paymentSettingsSchema, paymentSettingsShape, createPaymentTerminal, type PaymentSettings } from './config';
export { CURRENCY_NUMERIC, resultCodeText } from './zvt/messages';
