// Barcode parsing for the register: one entry point, parseScan, plus the building blocks the
// scanner driver, label printing and tests use. Pure TypeScript (core layer).
export { BarcodeError, isBarcodeError, type BarcodeErrorCode } from './errors';
export { gs1CheckDigit, withCheckDigit, hasValidCheckDigit, priceCheckDigit } from './check-digit';
export { expandUpcE, compressUpcA, toGtin14, isValidGtin, type GtinFormat } from './gtin';
export {
  AI_TABLE,
  PREDEFINED_LENGTH,
  aiDefinition,
  needsSeparator,
  type AiDefinition,
  type AiComponent,
  type AiCharset,
  type AiKind,
} from './ai-table';
export { parseGs1Date, resolveCentury, formatGs1Date, daysInMonth, type Gs1Date } from './dates';
export {
  GS,
  MAX_ELEMENTS,
  MAX_ELEMENT_STRING_LENGTH,
  parseElementString,
  parseBracketed,
  encodeElementString,
  toBracketed,
  validateElement,
  type Gs1Element,
  type ElementOptions,
} from './element-string';
export {
  DEFAULT_RCN_LAYOUTS,
  RCN_PRESETS,
  RcnLayoutSchema,
  RcnLayoutsSchema,
  parseRcnLayouts,
  decodeRcn,
  encodeRcn,
  isRestrictedPrefix,
  type RcnLayout,
  type RcnLayouts,
  type RcnDecoded,
} from './rcn';
export { currencyFromNumeric } from './currency';
export { aimInfo, symbologyHint, type Symbology, type AimInfo, type Payload } from './symbology';
export {
  parseScan,
  weightOf,
  rescalePrice,
  MAX_SCAN_LENGTH,
  type ParsedBarcode,
  type ParseScanOptions,
  type Price,
  type Weight,
  type RcnInfo,
} from './parse-scan';
