export { SerialScanner, HidPosScanner, type ScanData, type SerialScannerOptions, type HidPosScannerOptions } from './scanner';
export { scannerSettingsSchema, scannerSettingsShape, createScanner, type ScannerSettings } from './config';
export type { Symbology } from './aim';
export { HID_POS_USAGE_PAGE } from './codec';
