// Front door of processor settlement reports: bytes in, one SettlementReport or a
// SettlementParseError naming the line and column.
export * from './types';
export { detectSettlementFormat, GENERIC_COLUMNS, parseSettlementBytes, parseSettlementText, type ParseSettlementOptions } from './parse';
