import type { DeviceStatus } from '../../core/register-api';
import type { ReceiptDocument } from '../../core/receipt';
import type { CardResult, OriginalCardPayment, RegisterDevices } from './devices';

// A register with no peripherals configured (a laptop at HQ, a training till): every device
// action fails with a message saying which device is missing, nothing pretends to work.
export class NoDevices implements RegisterDevices {
  status(): DeviceStatus[] {
    return [];
  }
  onStatus(): () => void {
    return () => {};
  }
  onScan(): () => void {
    return () => {};
  }
  async printReceipt(_doc: ReceiptDocument): Promise<void> {
    throw new Error('no receipt printer configured');
  }
  async openDrawer(): Promise<void> {
    throw new Error('no cash drawer configured');
  }
  async readWeight(): Promise<never> {
    throw new Error('no scale configured; key the weight in');
  }
  async authorizeCard(_amountMinor: number, _currency: string, _reference: string): Promise<CardResult> {
    throw new Error('no card terminal configured');
  }
  async refundCard(_amountMinor: number, _currency: string, _reference: string, _original?: OriginalCardPayment): Promise<CardResult> {
    throw new Error('no card terminal configured');
  }
  async checkCardPayment(): Promise<CardResult | null> {
    throw new Error('no card terminal configured');
  }
  async showCustomer(): Promise<void> {}
  async test(kind: DeviceStatus['kind']) {
    return { ok: false, message: `no ${kind} configured` };
  }
  async found() {
    return [];
  }
  async close(): Promise<void> {}
}
