import type { DeviceStatus } from '../../core/register-api';
import type { ReceiptDocument } from '../../core/receipt';
import type { CardOutcome, CustomerScreen, OriginalCardPayment, RegisterDevices, ScanData } from '../../core/register-api/ports';

// A handheld's devices, as the register engine sees them (RegisterDevices). The phone has no
// drawer, no scale and no receipt printer of its own; its screen is where the receipt goes:
// "printing" hands the receipt document to the page, which shows it with a QR code and an
// e-mail link. Card payments are taken on a separate terminal (a countertop one or a mobile
// reader the cashier holds): the engine's card tender asks here, and the answer is the
// cashier's confirmation on screen, journalled as a card tender of processor `separate`.
// Every other device action fails with a message saying the handheld has none, so nothing
// pretends to work.

export interface HandheldScreenLink {
  receipt(doc: ReceiptDocument): void;
}

export const SEPARATE_TERMINAL_PROCESSOR = 'separate';

export class HandheldDevices implements RegisterDevices {
  private readonly scanListeners = new Set<(s: ScanData) => void>();
  /** The page confirmed, for this amount, that the card was taken on a separate terminal. */
  private cardConfirmed: { amountMinor: number; currency: string } | null = null;

  constructor(private readonly screen: HandheldScreenLink) {}

  /** The cashier said on screen that the separate terminal approved this amount (the next card tender uses it, once). */
  confirmSeparateCard(amountMinor: number, currency: string): void {
    this.cardConfirmed = { amountMinor, currency };
  }

  status(): DeviceStatus[] {
    return [];
  }
  onStatus(): () => void {
    return () => {};
  }
  onScan(listener: (s: ScanData) => void): () => void {
    this.scanListeners.add(listener);
    return () => this.scanListeners.delete(listener);
  }
  async printReceipt(doc: ReceiptDocument): Promise<void> {
    this.screen.receipt(doc);
  }
  async openDrawer(): Promise<void> {
    throw new Error('a handheld has no cash drawer: put the cash in the store’s drawer');
  }
  async readWeight(): Promise<never> {
    throw new Error('a handheld has no scale: sell weighed goods with a printed scale label');
  }
  async authorizeCard(amountMinor: number, currency: string, reference: string): Promise<CardOutcome> {
    const c = this.cardConfirmed;
    this.cardConfirmed = null;
    if (!c || c.amountMinor !== amountMinor || c.currency !== currency) {
      return { status: 'declined', processor: SEPARATE_TERMINAL_PROCESSOR, message: 'confirm on screen that the separate terminal approved this amount' };
    }
    return { status: 'approved', processor: SEPARATE_TERMINAL_PROCESSOR, reference, message: 'taken on a separate terminal' };
  }
  async refundCard(_amountMinor: number, _currency: string, _reference: string, _original?: OriginalCardPayment): Promise<CardOutcome> {
    throw new Error('card refunds are made at a countertop register');
  }
  async checkCardPayment(): Promise<CardOutcome | null> {
    return null;
  }
  async showCustomer(_screen: CustomerScreen): Promise<void> {}
  async test(kind: DeviceStatus['kind']) {
    return { ok: false, message: `a handheld has no ${kind}` };
  }
  async found() {
    return [];
  }
  async close(): Promise<void> {
    this.scanListeners.clear();
  }
}
