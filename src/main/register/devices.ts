import type { Quantity } from '../../core/money';
import type { ReceiptDocument } from '../../core/receipt';
import type { DeviceStatus } from '../../core/register-api';

// What the register needs from its peripherals, whatever drivers sit behind them. The
// composition (src/main/register/device-set.ts) builds this from the configured drivers.

export interface CardResult {
  status: 'approved' | 'declined' | 'unknown';
  /** First six / last four at most; the driver masks before it reaches us. */
  masked_pan?: string;
  card_brand?: string;
  auth_code?: string;
  terminal_ref?: string;
  processor: string;
  message?: string;
}

export interface ScanData {
  data: string;
  symbology?: string;
}

export interface RegisterDevices {
  status(): DeviceStatus[];
  onStatus(listener: (s: DeviceStatus[]) => void): () => void;
  onScan(listener: (s: ScanData) => void): () => void;
  /** Prints and resolves when the printer took it; rejects with a reason the cashier can act on. */
  printReceipt(doc: ReceiptDocument): Promise<void>;
  openDrawer(): Promise<void>;
  /** A stable weight from the scale in kg (scale 3), or throws (unstable, no scale). */
  readWeight(): Promise<Quantity>;
  authorizeCard(amountMinor: number, currency: string, reference: string): Promise<CardResult>;
  refundCard(amountMinor: number, currency: string, reference: string): Promise<CardResult>;
  /** Show two lines on the customer display (no-op without one). */
  display(line1: string, line2: string): Promise<void>;
  test(kind: DeviceStatus['kind']): Promise<{ ok: boolean; message: string }>;
  found(): Promise<{ kind: DeviceStatus['kind']; name: string; transport: 'serial' | 'usb' | 'hid' | 'tcp' | 'keyboard' | 'none'; address: string; vendor_id?: string; product_id?: string }[]>;
  close(): Promise<void>;
}
