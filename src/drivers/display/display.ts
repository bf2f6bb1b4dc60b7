// 2×20 customer display (pole display) speaking the Epson ESC/POS display command set: the top
// row shows the current line (description left, amount right), the bottom row the total.
// Characters the selected code page lacks are shown in ASCII (accents dropped, € as EUR).

import { formatMoney, type Money } from '../../core/money';
import { TransportDevice, type TransportDeviceOptions } from '../device/transport-device';
import { PosError } from '../device/result';
import type { DisplayCodePage } from './codepages';
import { encodeDisplayInit, encodeScreen, type DisplayScreenContent } from './codec';

export interface CustomerDisplayOptions extends TransportDeviceOptions {
  codePage?: DisplayCodePage;
  /** Locale for amounts (Intl), e.g. 'de-DE'. */
  locale?: string;
  /** Text in front of the total on the bottom row. */
  totalLabel?: string;
  /** What an idle display shows. */
  idleText?: [string, string];
}

export class CustomerDisplay extends TransportDevice<never> {
  private readonly codePage: DisplayCodePage;
  private readonly locale: string;
  private readonly totalLabel: string;
  private readonly idleText: [string, string];
  private content: DisplayScreenContent;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(name: string, options: CustomerDisplayOptions) {
    super(name, 'display', options);
    this.codePage = options.codePage ?? 'PC858';
    this.locale = options.locale ?? 'en-US';
    this.totalLabel = options.totalLabel ?? 'TOTAL';
    this.idleText = options.idleText ?? ['Welcome', ''];
    this.content = { line1: { left: this.idleText[0], right: '' }, line2: { left: this.idleText[1], right: '' } };
  }

  /** What the driver last sent (what the customer should see), for the cashier UI and tests. */
  get current(): DisplayScreenContent {
    return this.content;
  }

  private format(amount: Money | string): string {
    return typeof amount === 'string' ? amount : formatMoney(amount, this.locale);
  }

  /** Re-initialise and redraw after enable and after a replug (the display forgot everything). */
  protected override async onLinkUp(): Promise<void> {
    await this.send(encodeDisplayInit(this.codePage));
    await this.send(encodeScreen(this.content, this.codePage));
  }

  protected onBytes(): void {
    // Display is output only; some models echo or send status bytes, which we ignore.
  }

  private draw(next: DisplayScreenContent): Promise<void> {
    this.requireEnabled('display');
    this.content = next;
    const run = this.queue.then(() => this.send(encodeScreen(next, this.codePage)));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The item just scanned and the running total. */
  showLine(description: string, amount: Money | string, total?: Money | string): Promise<void> {
    return this.draw({
      line1: { left: description, right: this.format(amount) },
      line2: total === undefined ? this.content.line2 : { left: this.totalLabel, right: this.format(total) },
    });
  }

  showTotal(total: Money | string, label = this.totalLabel): Promise<void> {
    return this.draw({ line1: this.content.line1, line2: { left: label, right: this.format(total) } });
  }

  /** Two free rows (e.g. "Thank you" / "Change 2.50"). */
  showText(line1: string, line2 = '', right1 = '', right2 = ''): Promise<void> {
    return this.draw({ line1: { left: line1, right: right1 }, line2: { left: line2, right: right2 } });
  }

  idle(): Promise<void> {
    return this.showText(this.idleText[0], this.idleText[1]);
  }

  clear(): Promise<void> {
    return this.showText('', '');
  }

  /** Fails when the display is not usable, for `devices test`. */
  async selfTest(): Promise<void> {
    if (!this.online) throw new PosError('E_OFFLINE', `${this.name} is offline`);
    await this.showText('Tillstream display', 'test 1234567890', '', '');
  }
}
