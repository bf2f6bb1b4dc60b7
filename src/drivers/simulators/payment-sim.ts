// A ZVT payment terminal (PT) simulator. It speaks the real protocol over loopback TCP (the
// ZVT TCP/IP transport, default port 20007) or over a serial line such as a PTY (DLE STX
// framing with CRC and ACK/NAK bytes), so the driver is tested through real sockets and the
// real serialport binding.
//
// Tell it what the next transaction should do: approve, decline (result code, e.g. 0x05),
// go silent (book the payment but never answer — a lost link), or wait until the register
// aborts. Repeat Receipt (06 20) answers with the true outcome of the last transaction, so a
// register can resolve an "unknown". `transactions` is the terminal's own journal: tests
// count approved sales in it to prove nobody was charged twice.

import net from 'node:net';
import { apdu, apduIs, apduLabel, ACK_APDU, type Apdu } from '../payment/zvt/apdu';
import { ApduInbox, InboxTimeout } from '../payment/zvt/inbox';
import { SerialApduLink, TcpApduLink, type ApduLink } from '../payment/zvt/link';
import {
  buildAbortFromPt,
  buildCompletion,
  buildIntermediateStatus,
  buildStatusInformation,
  parseReferenceText,
  parseRequestAmount,
  parseRequestReceiptNo,
  parseRequestText,
} from '../payment/zvt/messages';
import type { Transport } from '../transport/transport';

export type SimOutcome =
  | { kind: 'approve' }
  | { kind: 'decline'; resultCode: number }
  /** Book the transaction as approved, send the ACK, then never answer. */
  | { kind: 'silent' }
  /** Book the transaction as approved without even acknowledging the command. */
  | { kind: 'silent-no-ack' }
  /** Wait for the card until the register sends Abort 06 B0. */
  | { kind: 'wait-for-abort' }
  /** Book the transaction as declined (`resultCode`) without acknowledging the command: the card was refused, the answer never came. */
  | { kind: 'silent-declined'; resultCode: number }
  /** The command is lost on the way: nothing booked, nothing answered. */
  | { kind: 'lost-command' }
  /** Book as approved, ACK, then hold the result until releaseHeld() (a very slow host). */
  | { kind: 'hold' };

export interface SimTransaction {
  kind: 'sale' | 'refund' | 'reversal';
  amountMinor: number;
  resultCode: number;
  trace: number;
  receiptNo: number;
  authCode: string;
  /** For reversals: the receipt number reversed. */
  reverses?: number;
  reversed?: boolean;
  /** The register's reference (BMP 3C of the request), printed on the terminal's receipt and echoed back. */
  reference?: string;
  /** For refunds: the original payment's terminal reference the register named. */
  originalTerminalRef?: string;
}

export interface PaymentSimOptions {
  password: number;
  currencyNumeric: number;
  terminalId: string;
  /** PAN digits the simulated card has; '*' digits are masked by the "terminal". */
  cardPan: string;
  /** How long to wait for the register's ACK (80 00 00) of our messages. */
  ackTimeoutMs: number;
}

const DEFAULTS: PaymentSimOptions = {
  password: 0,
  currencyNumeric: 978,
  terminalId: '52500001',
  cardPan: '411111******1111',
  ackTimeoutMs: 5_000,
};

export class ZvtTerminalSimulator {
  readonly opts: PaymentSimOptions;
  readonly transactions: SimTransaction[] = [];
  /** Every command the register sent, labelled ("06 01 (authorization)"), for assertions. */
  readonly received: string[] = [];
  private readonly outcomes: SimOutcome[] = [];
  private trace = 0;
  private receiptNo = 0;
  private sessions = new Set<SimSession>();
  /** @internal the result held by a 'hold' outcome */
  held: { release: () => void; delivered: Promise<void> } | undefined;

  constructor(options: Partial<PaymentSimOptions> = {}) {
    this.opts = { ...DEFAULTS, ...options };
  }

  /** Queue what the next payment-type transaction (sale, refund, reversal) does. Default: approve. */
  next(outcome: SimOutcome): this {
    if (this.outcomes.length >= 64) throw new Error('too many queued outcomes');
    this.outcomes.push(outcome);
    return this;
  }

  approvedSales(): SimTransaction[] {
    return this.transactions.filter((t) => t.kind === 'sale' && t.resultCode === 0);
  }

  /** Net amount charged to the card: approved sales minus reversed ones minus refunds. */
  netChargedMinor(): number {
    let n = 0;
    for (const t of this.transactions) {
      if (t.resultCode !== 0) continue;
      if (t.kind === 'sale' && !t.reversed) n += t.amountMinor;
      if (t.kind === 'refund') n -= t.amountMinor;
    }
    return n;
  }

  /** Send the held result (Status Information + Completion); resolves once the register ACKed both. */
  async releaseHeld(): Promise<void> {
    const h = this.held;
    if (!h) throw new Error('no held transaction');
    this.held = undefined;
    h.release();
    await h.delivered;
  }

  takeOutcome(): SimOutcome {
    return this.outcomes.shift() ?? { kind: 'approve' };
  }

  book(kind: SimTransaction['kind'], amountMinor: number, resultCode: number, extra: Partial<SimTransaction> = {}): SimTransaction {
    this.trace = (this.trace % 999_999) + 1;
    if (resultCode === 0) this.receiptNo = (this.receiptNo % 9_999) + 1;
    const t: SimTransaction = {
      kind, amountMinor, resultCode, trace: this.trace, receiptNo: resultCode === 0 ? this.receiptNo : 0,
      authCode: resultCode === 0 ? String(100000 + ((this.trace * 7919) % 900000)) : '', ...extra,
    };
    if (this.transactions.length >= 10_000) this.transactions.shift();
    this.transactions.push(t);
    return t;
  }

  get last(): SimTransaction | undefined {
    return this.transactions[this.transactions.length - 1];
  }

  /** Serve one register on a serial line (the device end of a PTY pair). */
  attachSerial(transport: Pick<Transport, 'write' | 'on' | 'off'>, linkOptions: { ackTimeoutMs?: number } = {}): { detach(): void } {
    const link = new SerialApduLink(transport, { ackTimeoutMs: linkOptions.ackTimeoutMs ?? 2_000 });
    const onData = (c: Uint8Array) => link.push(c);
    transport.on('data', onData);
    const s = new SimSession(this, link);
    this.sessions.add(s);
    return {
      detach: () => {
        transport.off('data', onData);
        s.stop();
        this.sessions.delete(s);
      },
    };
  }

  /** Listen on 127.0.0.1 (port 0 = any free port). One register at a time, as real terminals do. */
  async listenTcp(port = 0): Promise<ZvtTcpServer> {
    const server = net.createServer();
    const sockets = new Set<net.Socket>();
    server.maxConnections = 4;
    server.on('connection', (socket) => {
      sockets.add(socket);
      const link = new TcpApduLink({
        write: (b) => new Promise<void>((res, rej) => socket.write(b, (e) => (e ? rej(e) : res()))),
      });
      const s = new SimSession(this, link);
      this.sessions.add(s);
      socket.on('data', (c: Buffer) => link.push(new Uint8Array(c)));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        s.stop();
        this.sessions.delete(s);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const addr = server.address() as net.AddressInfo;
    return {
      port: addr.port,
      /** Cut every connection (a pulled network cable), keep listening. */
      dropConnections: () => {
        for (const s of sockets) s.destroy();
      },
      close: () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          server.close(() => resolve());
        }),
    };
  }
}

export interface ZvtTcpServer {
  port: number;
  dropConnections(): void;
  close(): Promise<void>;
}

/** One register connection: reads commands and plays the terminal's side of each exchange. */
class SimSession {
  private readonly inbox = new ApduInbox();
  private stopped = false;

  constructor(private readonly sim: ZvtTerminalSimulator, private readonly link: ApduLink) {
    link.onApdu = (a) => this.inbox.put(a);
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.inbox.fail(new Error('session closed'));
    this.link.reset(new Error('session closed'));
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let cmd: Apdu;
      try {
        cmd = await this.inbox.take(3_600_000);
      } catch {
        if (this.stopped) return;
        continue;
      }
      if (apduIs(cmd, 'ack')) continue; // a stray ACK (e.g. to a message we sent before going silent)
      this.sim.received.push(apduLabel(cmd));
      try {
        await this.handle(cmd);
      } catch (err) {
        if (this.stopped) return;
        if (!(err instanceof InboxTimeout)) throw err;
        // The register did not ACK: it gave up on this exchange; wait for its next command.
      }
    }
  }

  private send(a: Apdu): Promise<void> {
    return this.link.send(a);
  }

  /** Send a PT→ECR message and wait for the register's 80 00 00. */
  private async sendAwaitAck(a: Apdu): Promise<void> {
    await this.send(a);
    const r = await this.inbox.take(this.sim.opts.ackTimeoutMs);
    if (!apduIs(r, 'ack')) {
      // Not an ACK: the register moved on. Put it back in front for the main loop.
      this.inbox.put(r);
      throw new InboxTimeout(`expected ACK, got ${apduLabel(r)}`);
    }
  }

  private statusInfoFor(t: SimTransaction): Apdu {
    const now = new Date();
    const pad = (n: number) => String(n).padStart(2, '0');
    return buildStatusInformation({
      resultCode: t.resultCode,
      amountMinor: t.amountMinor,
      trace: t.trace,
      receiptNo: t.resultCode === 0 ? t.receiptNo : undefined,
      panDigits: this.sim.opts.cardPan,
      authCode: t.resultCode === 0 ? t.authCode : undefined,
      terminalId: this.sim.opts.terminalId,
      currencyNumeric: this.sim.opts.currencyNumeric,
      cardName: 'VISA',
      cardType: 10,
      ...(t.reference ? { additionalText: t.reference } : {}),
      date: `${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}`,
      time: `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`,
    });
  }

  private async finish(t: SimTransaction): Promise<void> {
    await this.sendAwaitAck(this.statusInfoFor(t));
    if (t.resultCode === 0) await this.sendAwaitAck(buildCompletion());
    else await this.sendAwaitAck(buildAbortFromPt(t.resultCode));
  }

  private async handle(cmd: Apdu): Promise<void> {
    if (apduIs(cmd, 'registration')) {
      await this.send(ACK_APDU);
      return this.sendAwaitAck(buildCompletion());
    }
    if (apduIs(cmd, 'statusEnquiry')) {
      await this.send(ACK_APDU);
      return this.sendAwaitAck(buildCompletion(0x00));
    }
    if (apduIs(cmd, 'abort')) {
      // Nothing running (a running one is handled inside its exchange).
      return this.send(ACK_APDU);
    }
    if (apduIs(cmd, 'repeatReceipt')) {
      await this.send(ACK_APDU);
      const last = this.sim.last;
      if (!last) return this.sendAwaitAck(buildAbortFromPt(0x83));
      await this.sendAwaitAck(this.statusInfoFor(last));
      return this.sendAwaitAck(buildCompletion());
    }
    if (apduIs(cmd, 'authorization') || apduIs(cmd, 'refund')) {
      const isSale = apduIs(cmd, 'authorization');
      const amount = parseRequestAmount(cmd, !isSale);
      if (amount === undefined) return this.send(apdu([0x84, 0x83]));
      const text = parseRequestText(cmd, !isSale);
      const ref = text ? parseReferenceText(text) : {};
      return this.payment(isSale ? 'sale' : 'refund', amount, undefined, { ...(ref.reference ? { reference: ref.reference } : {}), ...(ref.originalTerminalRef ? { originalTerminalRef: ref.originalTerminalRef } : {}) });
    }
    if (apduIs(cmd, 'reversal')) {
      const receiptNo = parseRequestReceiptNo(cmd);
      return this.payment('reversal', 0, receiptNo);
    }
    // Anything else: negative acknowledgement "function not possible".
    return this.send(apdu([0x84, 0x83]));
  }

  private async payment(kind: SimTransaction['kind'], amount: number, receiptNo?: number, extra: Partial<SimTransaction> = {}): Promise<void> {
    const outcome = this.sim.takeOutcome();
    if (outcome.kind === 'lost-command') return;
    if (outcome.kind === 'silent-no-ack' || outcome.kind === 'silent-declined') {
      this.bookFor(kind, amount, outcome.kind === 'silent-declined' ? outcome.resultCode : 0, receiptNo, extra);
      return;
    }
    await this.send(ACK_APDU);
    if (outcome.kind === 'silent') {
      this.bookFor(kind, amount, 0, receiptNo, extra);
      return;
    }
    if (outcome.kind === 'hold') {
      const t = this.bookFor(kind, amount, 0, receiptNo, extra);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const delivered = gate.then(() => this.finish(t));
      this.sim.held = { release, delivered };
      return delivered.catch(() => undefined);
    }
    await this.sendAwaitAck(buildIntermediateStatus(0x0a /* insert card */, 30));
    if (outcome.kind === 'wait-for-abort') {
      for (let i = 0; i < 64; i++) {
        const a = await this.inbox.take(60_000);
        if (apduIs(a, 'abort')) {
          await this.send(ACK_APDU);
          const t = this.sim.book(kind, amount, 0x6c, extra);
          return this.sendAwaitAck(buildAbortFromPt(t.resultCode));
        }
      }
      return;
    }
    const rc = outcome.kind === 'decline' ? outcome.resultCode : 0;
    const t = this.bookFor(kind, amount, rc, receiptNo, extra);
    return this.finish(t);
  }

  private bookFor(kind: SimTransaction['kind'], amount: number, rc: number, receiptNo?: number, extra: Partial<SimTransaction> = {}): SimTransaction {
    if (kind !== 'reversal') return this.sim.book(kind, amount, rc, extra);
    const orig = this.sim.transactions.find((x) => x.kind === 'sale' && x.resultCode === 0 && x.receiptNo === receiptNo);
    if (rc === 0 && (!orig || orig.reversed)) return this.sim.book('reversal', 0, orig ? 0xb4 : 0xb5, { reverses: receiptNo });
    if (rc === 0 && orig) orig.reversed = true;
    return this.sim.book('reversal', orig?.amountMinor ?? 0, rc, { reverses: receiptNo });
  }
}
