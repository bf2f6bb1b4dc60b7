// What the register needs from its peripherals, whatever drivers sit behind them, is the
// RegisterDevices port in core (core/register-api/ports.ts); the composition
// (src/main/register/device-set.ts) builds it from the configured drivers.
export type { RegisterDevices, CardOutcome, CardOutcome as CardResult, OriginalCardPayment, ScanData } from '../../core/register-api';
