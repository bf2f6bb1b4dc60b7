export { startRegister, type StartRegisterOptions, type RunningRegister } from './start';
export { RegisterService, receiptNo, parseReceiptCode } from './service';
export { configExposure, parseRegisterConfig, loadRegisterConfig, registerConfigSchema, type RegisterConfig, type RegisterConfigInput } from './config';
export { hashPin, verifyPin } from './pins';
export type { RegisterDevices, CardResult, ScanData } from './devices';
export { NoDevices } from './null-devices';
export { receiptFor, receiptText } from './receipt';
export { DriverDevices } from './device-set';
export { startVirtualDevices, type VirtualDevices } from './virtual-devices';
