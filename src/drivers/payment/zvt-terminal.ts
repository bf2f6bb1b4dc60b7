// Card payment terminal driver for ZVT terminals (TCP/IP port 20007, or serial), after the
// UnifiedPOS life cycle (TransportDevice). One exchange at a time: the register sends a
// command, the terminal ACKs it, sends intermediate status and the transaction's Status
// Information, and ends with Completion (06 0F) or Abort (06 1E); every terminal message is
// acknowledged with 80 00 00.
//
// Outcomes: approved (result code 0 and Completion), declined (a result code, Abort, or the
// terminal refused the command), unknown (no answer in time or the link dropped after the
// command may have reached the terminal). An unknown sale or refund blocks further payments
// until statusInquiry() has asked the terminal (Repeat Receipt 06 20) what really happened.
//
// PCI: card numbers are only ever kept masked (first 6 / last 4); track data, expiry and CVV
// fields are never parsed out; log lines carry command names and lengths, never APDU data.

import { money, type Money } from '../../core/money';
import { TransportDevice, type TransportDeviceOptions } from '../device/transport-device';
import { errorMessage } from '../device/pos-device';
import { isPosError, PosError } from '../device/result';
import { apduIs, apduLabel, ACK_APDU, type Apdu } from './zvt/apdu';
import { ApduInbox, InboxTimeout } from './zvt/inbox';
import { SerialApduLink, TcpApduLink, type ApduLink } from './zvt/link';
import { build, CURRENCY_NUMERIC, parseReferenceText, parseStatusInformation, referenceText, resultCodeText, type ZvtTransactionInfo } from './zvt/messages';
import {
  UnresolvedPaymentError,
  type PaymentKind,
  type PaymentRequestInfo,
  type PaymentResult,
  type PaymentTerminal,
  type TerminalStatus,
  type UnresolvedPayment,
} from './types';

export const ZVT_DEFAULT_TCP_PORT = 20007;

export interface ZvtTerminalOptions extends TransportDeviceOptions {
  /** ISO 4217 currency the terminal is set to (e.g. 'EUR'). Payments in another currency are refused. */
  currency: string;
  /** The terminal's ECR password (6 digits BCD, usually 000000). */
  password?: number;
  /** Wait for the terminal's ACK (80 00 00) of a command (ZVT T3). */
  ackTimeoutMs?: number;
  /** Longest silence inside a transaction (between two terminal messages) before the outcome is unknown. */
  transactionTimeoutMs?: number;
  /** Serial only: wait for the ACK byte after each frame. */
  frameAckTimeoutMs?: number;
  /** Send Registration (06 00) whenever the link comes up. Default true. */
  register?: boolean;
  /** Restore an unresolved payment kept in the journal across a restart. */
  unresolved?: UnresolvedPayment;
  /** The last trace number the terminal reported (from the journal), to match the next status inquiry. */
  lastKnownTrace?: number;
  /** PCI-safe log lines (command names, lengths, outcomes; never APDU data). */
  log?: (line: string) => void;
}

type ExchangeEnd =
  | { kind: 'completed'; info?: ZvtTransactionInfo; completion: Apdu }
  | { kind: 'aborted'; resultCode: number; info?: ZvtTransactionInfo }
  | { kind: 'refused'; code: number }
  | { kind: 'lost'; reason: string; acked: boolean }
  /** The link was down before a byte went out: the terminal cannot have the command. */
  | { kind: 'not-sent'; error: PosError };

const INTERMEDIATE_TEXT: Record<number, string> = {
  0x00: 'confirm amount', 0x01: 'watch PIN pad', 0x02: 'watch PIN pad', 0x03: 'not accepted', 0x04: 'waiting for host',
  0x0a: 'insert card', 0x0b: 'remove card', 0x0c: 'card not readable', 0x0e: 'please wait', 0x15: 'incorrect PIN',
  0x17: 'please wait', 0x1c: 'approved, take goods', 0x1d: 'declined',
};

/** Messages one exchange may carry before we call it broken (bounded loop). */
const MAX_MESSAGES_PER_EXCHANGE = 256;

export type ZvtTerminalEvents = {
  /** An unknown outcome appeared (journal it) or was resolved (undefined). */
  unresolved: (u: UnresolvedPayment | undefined) => void;
};

export class ZvtPaymentTerminal extends TransportDevice<PaymentResult, ZvtTerminalEvents> implements PaymentTerminal {
  private readonly opts: Required<Omit<ZvtTerminalOptions, 'unresolved' | 'lastKnownTrace' | 'log' | 'binding' | 'reconnect'>>;
  private readonly currencyNumeric: number;
  private readonly inbox = new ApduInbox();
  private zvt: ApduLink;
  private queue: Promise<unknown> = Promise.resolve();
  private inExchange = false;
  private _unresolved: UnresolvedPayment | undefined;
  private lastKnownTrace: number | undefined;
  private readonly log: (line: string) => void;

  constructor(name: string, options: ZvtTerminalOptions) {
    super(name, 'payment', options);
    const numeric = CURRENCY_NUMERIC[options.currency];
    if (numeric === undefined) throw new PosError('E_ILLEGAL', `${name}: no ISO numeric code known for currency ${options.currency}`);
    this.currencyNumeric = numeric;
    const password = options.password ?? 0;
    if (!Number.isInteger(password) || password < 0 || password > 999_999) throw new PosError('E_ILLEGAL', `${name}: password must be 0–999999`);
    this.opts = {
      address: options.address,
      currency: options.currency,
      password,
      ackTimeoutMs: options.ackTimeoutMs ?? 5_000,
      transactionTimeoutMs: options.transactionTimeoutMs ?? 180_000,
      frameAckTimeoutMs: options.frameAckTimeoutMs ?? 2_000,
      register: options.register ?? true,
    };
    this._unresolved = options.unresolved;
    this.lastKnownTrace = options.lastKnownTrace;
    this.log = options.log ?? (() => {});
    this.zvt = this.makeLink();
  }

  get unresolved(): UnresolvedPayment | undefined {
    return this._unresolved;
  }

  private makeLink(): ApduLink {
    const sink = { write: (b: Uint8Array) => this.send(b) };
    const link: ApduLink =
      this.opts.address.kind === 'serial' ? new SerialApduLink(sink, { ackTimeoutMs: this.opts.frameAckTimeoutMs }) : new TcpApduLink(sink);
    link.onApdu = (a) => {
      this.log(`${this.name} <- ${apduLabel(a)} len ${a.data.length}`);
      if (!this.inExchange) {
        // A late message after an exchange gave up (or an unsolicited one): acknowledge it so the
        // terminal is not left waiting (it may reverse a payment whose result was not ACKed),
        // and drop it; statusInquiry() asks for the outcome properly.
        if (a.cls !== 0x84 && !apduIs(a, 'ack')) this.transmit(ACK_APDU).catch(() => undefined);
        return;
      }
      this.inbox.put(a);
    };
    link.onProblem = (m) => this.log(`${this.name} link: ${m}`);
    return link;
  }

  protected onBytes(chunk: Uint8Array): void {
    this.zvt.push(chunk);
  }

  protected override onLinkDown(reason: Error): void {
    this.zvt.reset(reason);
    this.inbox.fail(new Error(`link lost: ${reason.message}`));
  }

  protected override async onLinkUp(): Promise<void> {
    this.zvt.reset(new Error('link restarted'));
    this.inbox.clear();
    if (!this.opts.register) return;
    const end = await this.serialised(() => this.exchange(build.registration(this.opts.password, this.currencyNumeric)));
    if (end.kind !== 'completed') {
      this.raiseError('E_FAILURE', `${this.name}: registration failed (${describeEnd(end)})`, { defaultResponse: 'clear' });
    }
  }

  /** One exchange at a time; a failure does not poison the queue. */
  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async transmit(a: Apdu): Promise<void> {
    this.log(`${this.name} -> ${apduLabel(a)} len ${a.data.length}`);
    await this.zvt.send(a);
  }

  private async exchange(request: Apdu): Promise<ExchangeEnd> {
    this.inExchange = true;
    this.inbox.clear();
    try {
      try {
        await this.transmit(request);
      } catch (err) {
        if (isPosError(err, 'E_OFFLINE') || isPosError(err, 'E_NOTCLAIMED')) return { kind: 'not-sent', error: err };
        return { kind: 'lost', reason: `sending ${apduLabel(request)} failed: ${errorMessage(err)}`, acked: false };
      }
      let acked = false;
      let info: ZvtTransactionInfo | undefined;
      for (let i = 0; i < MAX_MESSAGES_PER_EXCHANGE; i++) {
        let msg: Apdu;
        try {
          msg = await this.inbox.take(acked ? this.opts.transactionTimeoutMs : this.opts.ackTimeoutMs);
        } catch (err) {
          const reason = err instanceof InboxTimeout ? (acked ? `no answer for ${this.opts.transactionTimeoutMs} ms` : `no ACK within ${this.opts.ackTimeoutMs} ms`) : errorMessage(err);
          return { kind: 'lost', reason, acked };
        }
        if (msg.cls === 0x84) return { kind: 'refused', code: msg.ins };
        if (apduIs(msg, 'ack')) {
          acked = true;
          continue;
        }
        acked = true; // any terminal message implies it took the command
        try {
          await this.transmit(ACK_APDU);
        } catch (err) {
          return { kind: 'lost', reason: `acknowledging ${apduLabel(msg)} failed: ${errorMessage(err)}`, acked };
        }
        if (apduIs(msg, 'intermediateStatus')) {
          const code = msg.data[0] ?? 0xff;
          this.emitStatus({ kind: 'other', name: 'payment', value: INTERMEDIATE_TEXT[code] ?? `status 0x${code.toString(16)}` }, true);
        } else if (apduIs(msg, 'statusInformation')) {
          try {
            info = parseStatusInformation(msg.data);
          } catch (err) {
            this.log(`${this.name}: unreadable status information: ${errorMessage(err)}`);
          }
        } else if (apduIs(msg, 'completion')) {
          return { kind: 'completed', info, completion: msg };
        } else if (apduIs(msg, 'abortFromPt')) {
          return { kind: 'aborted', resultCode: msg.data[0] ?? info?.resultCode ?? 0xff, info };
        }
        // Print Line / Print Text Block and others: acknowledged above, content not kept.
      }
      return { kind: 'lost', reason: `more than ${MAX_MESSAGES_PER_EXCHANGE} messages in one exchange`, acked: true };
    } finally {
      this.inExchange = false;
    }
  }

  private checkAmount(amount: Money): void {
    if (amount.currency !== this.opts.currency) {
      throw new PosError('E_ILLEGAL', `${this.name} is set to ${this.opts.currency}; cannot take ${amount.currency}`);
    }
    if (!Number.isSafeInteger(amount.amount) || amount.amount <= 0) throw new PosError('E_ILLEGAL', `${this.name}: amount must be positive`);
  }

  private refuseWhileUnresolved(): void {
    if (this._unresolved) throw new UnresolvedPaymentError(this._unresolved);
  }

  /** `info.reference` goes to the terminal as BMP 3C additional data and comes back on the result. */
  sale(amount: Money, info: PaymentRequestInfo = {}): Promise<PaymentResult> {
    const text = referenceText(info.reference);
    return this.payment('sale', amount, text, () => build.authorization(amount.amount, text));
  }

  /** A refund names the original payment's terminal reference beside its own (see referenceText). */
  refund(amount: Money, info: PaymentRequestInfo = {}): Promise<PaymentResult> {
    const text = referenceText(info.reference, info.originalTerminalRef);
    return this.payment('refund', amount, text, () => build.refund(this.opts.password, amount.amount, text));
  }

  private async payment(kind: 'sale' | 'refund', amount: Money, text: string | undefined, request: () => Apdu): Promise<PaymentResult> {
    this.requireEnabled(kind);
    this.checkAmount(amount);
    this.refuseWhileUnresolved();
    return this.serialised(async () => {
      this.refuseWhileUnresolved(); // a queued payment may find one left by the payment before it
      const sent = text ? parseReferenceText(text).reference : undefined;
      const pending: UnresolvedPayment = { kind, amount, ...(sent ? { reference: sent } : {}), startedAt: Date.now(), traceBefore: this.lastKnownTrace, reason: '' };
      this.setState('busy');
      try {
        const end = await this.exchange(request());
        if (end.kind === 'not-sent') throw new PosError(end.error.code, `${this.name}: ${kind} not started, the terminal is not connected; nothing was charged`, { cause: end.error });
        const result = withReference(this.toResult(kind, amount, end), sent);
        if (result.outcome === 'unknown') {
          this._unresolved = { ...pending, reason: result.message };
          this.emit('unresolved', this._unresolved);
        }
        return this.finishResult(result);
      } finally {
        if (this.state === 'busy') this.setState('idle');
      }
    });
  }

  async void(terminalRef: string): Promise<PaymentResult> {
    this.requireEnabled('void');
    this.refuseWhileUnresolved();
    const receiptNo = Number(/^\s*(\d{1,4})/.exec(terminalRef)?.[1]);
    if (!Number.isInteger(receiptNo)) throw new PosError('E_ILLEGAL', `${this.name}: terminal reference "${terminalRef}" has no receipt number`);
    return this.serialised(async () => {
      this.setState('busy');
      try {
        const end = await this.exchange(build.reversal(this.opts.password, receiptNo));
        if (end.kind === 'not-sent') throw new PosError(end.error.code, `${this.name}: void not started, the terminal is not connected`, { cause: end.error });
        const amount = money(end.kind === 'completed' || end.kind === 'aborted' ? (end.info?.amountMinor ?? 0) : 0, this.opts.currency);
        return this.finishResult(this.toResult('void', amount, end));
      } finally {
        if (this.state === 'busy') this.setState('idle');
      }
    });
  }

  async statusInquiry(): Promise<PaymentResult | undefined> {
    this.requireEnabled('statusInquiry');
    return this.serialised(async () => {
      const pending = this._unresolved;
      const end = await this.exchange(build.repeatReceipt(this.opts.password));
      if (end.kind === 'not-sent') {
        if (!pending) throw end.error;
        return this.finishResult({ outcome: 'unknown', kind: pending.kind, amount: pending.amount, message: `status inquiry not sent (${end.error.message}); the earlier ${pending.kind} is still unresolved` });
      }
      if (end.kind === 'lost' || end.kind === 'refused') {
        const message = `status inquiry failed: ${describeEnd(end)}`;
        if (!pending) throw new PosError(end.kind === 'lost' ? 'E_TIMEOUT' : 'E_FAILURE', `${this.name}: ${message}`);
        return this.finishResult({ outcome: 'unknown', kind: pending.kind, amount: pending.amount, message: `${message}; the earlier ${pending.kind} is still unresolved` });
      }
      const info = end.info;
      if (!pending) {
        if (!info) return undefined;
        return { ...this.fromInfo('sale', money(info.amountMinor ?? 0, this.opts.currency), info), message: `last transaction: ${resultCodeText(info.resultCode ?? 0xff)}` };
      }
      // Ours when amount matches, the trace moved on, and (if the terminal echoes references) the reference is ours.
      const echoed = info?.additionalText ? parseReferenceText(info.additionalText).reference : undefined;
      const same =
        info !== undefined &&
        info.amountMinor === pending.amount.amount &&
        (pending.traceBefore === undefined || info.trace !== pending.traceBefore) &&
        (echoed === undefined || pending.reference === undefined || echoed === pending.reference);
      let result: PaymentResult;
      if (same) {
        result = withReference({ ...this.fromInfo(pending.kind, pending.amount, info), resolvedUnknown: true }, pending.reference);
        result.message = `resolved by status inquiry: ${result.message}`;
      } else {
        // The terminal's last transaction is older than ours (or it has none): ours never ran.
        result = {
          outcome: 'declined', kind: pending.kind, amount: pending.amount, resolvedUnknown: true, ...(pending.reference ? { reference: pending.reference } : {}),
          message: 'resolved by status inquiry: the terminal has no record of this payment; the card was not charged',
        };
      }
      this._unresolved = undefined;
      this.emit('unresolved', undefined);
      return this.finishResult(result);
    });
  }

  async terminalStatus(): Promise<TerminalStatus> {
    this.requireEnabled('terminalStatus');
    return this.serialised(async () => {
      const end = await this.exchange(build.statusEnquiry(this.opts.password));
      if (end.kind !== 'completed') return { ready: false, message: end.kind === 'not-sent' ? end.error.message : describeEnd(end) };
      let d = end.completion.data;
      // An optional LLL software version comes first (F x F y F z length).
      if (d.length >= 3 && (d[0]! & 0xf0) === 0xf0) {
        const len = (d[0]! & 0x0f) * 100 + (d[1]! & 0x0f) * 10 + (d[2]! & 0x0f);
        d = d.subarray(3 + len);
      }
      const statusByte = d[0];
      const ready = statusByte === undefined || statusByte === 0x00;
      return { ready, statusByte, message: ready ? 'terminal ready' : `terminal status 0x${statusByte!.toString(16)}` };
    });
  }

  async cancel(): Promise<void> {
    this.requireEnabled('cancel');
    if (!this.inExchange) return;
    // Abort goes out while the payment's exchange is still running: it is allowed without master rights.
    await this.transmit(build.abort());
  }

  private fromInfo(kind: PaymentKind, amount: Money, info: ZvtTransactionInfo): PaymentResult {
    const rc = info.resultCode ?? 0xff;
    const r: PaymentResult = {
      outcome: rc === 0 ? 'approved' : 'declined',
      kind,
      amount,
      resultCode: rc,
      message: resultCodeText(rc),
    };
    if (info.authCode) r.authCode = info.authCode;
    if (info.receiptNo !== undefined) r.receiptNo = info.receiptNo;
    if (info.trace !== undefined) r.trace = info.trace;
    if (info.receiptNo !== undefined || info.trace !== undefined) {
      r.terminalRef = `${String(info.receiptNo ?? 0).padStart(4, '0')}/${String(info.trace ?? 0).padStart(6, '0')}`;
    }
    if (info.maskedPan) r.maskedPan = info.maskedPan;
    if (info.cardName) r.cardName = info.cardName;
    const echoed = info.additionalText ? parseReferenceText(info.additionalText).reference : undefined;
    if (echoed) r.reference = echoed;
    return r;
  }

  private toResult(kind: PaymentKind, amount: Money, end: ExchangeEnd): PaymentResult {
    switch (end.kind) {
      case 'completed':
        if (end.info) {
          const r = this.fromInfo(kind, amount, end.info);
          if (r.outcome === 'approved' && end.info.amountMinor !== undefined && kind !== 'void' && end.info.amountMinor !== amount.amount) {
            return { ...r, outcome: 'unknown', message: `terminal reported ${end.info.amountMinor} instead of ${amount.amount}` };
          }
          return r;
        }
        return { outcome: 'unknown', kind, amount, message: 'the terminal completed without reporting a result' };
      case 'aborted': {
        const r: PaymentResult = end.info ? this.fromInfo(kind, amount, end.info) : { outcome: 'declined', kind, amount, message: '' };
        return { ...r, outcome: 'declined', resultCode: end.resultCode, message: resultCodeText(end.resultCode) };
      }
      case 'refused':
        return { outcome: 'declined', kind, amount, resultCode: end.code, message: `the terminal refused the command (84 ${end.code.toString(16).padStart(2, '0')})` };
      case 'lost':
        return { outcome: 'unknown', kind, amount, message: end.reason };
      case 'not-sent':
        throw end.error;
    }
  }

  private finishResult(r: PaymentResult): PaymentResult {
    if (r.trace !== undefined) this.lastKnownTrace = r.trace;
    this.log(`${this.name}: ${r.kind} ${r.outcome} ${r.amount.amount} ${r.amount.currency}${r.terminalRef ? ` ref ${r.terminalRef}` : ''}${r.maskedPan ? ` card ${r.maskedPan}` : ''}: ${r.message}`);
    this.emitData(r);
    return r;
  }
}

/** The terminal's echo of our reference wins; a terminal that does not echo BMP 3C keeps the one we sent. */
function withReference(r: PaymentResult, sent: string | undefined): PaymentResult {
  return r.reference || !sent ? r : { ...r, reference: sent };
}

function describeEnd(end: ExchangeEnd): string {
  switch (end.kind) {
    case 'completed':
      return 'completed';
    case 'aborted':
      return resultCodeText(end.resultCode);
    case 'refused':
      return `refused (84 ${end.code.toString(16).padStart(2, '0')})`;
    case 'lost':
      return end.reason;
    case 'not-sent':
      return end.error.message;
  }
}
