// The two ZVT transport protocols behind one small interface, used by both the driver (ECR
// side) and the terminal simulator (PT side):
//  - TCP/IP: APDUs back to back on the stream;
//  - serial: each APDU framed DLE STX … DLE ETX CRC and answered with an ACK/NAK byte; a NAKed
//    or unanswered frame is sent again, at most `maxRepeats` more times.

import { ApduStreamDecoder, decodeApdu, encodeApdu, type Apdu } from './apdu';
import { ACK, encodeSerialFrame, NAK, SerialFrameDecoder } from './serial-frame';

export interface ByteSink {
  write(bytes: Uint8Array): Promise<void>;
}

export interface ApduLink {
  /** Resolves once the peer has the APDU (serial: its ACK byte arrived; TCP: written). */
  send(a: Apdu): Promise<void>;
  /** Feed bytes received from the wire. */
  push(chunk: Uint8Array): void;
  /** Called for every APDU received intact. */
  onApdu: (a: Apdu) => void;
  /** Called for framing problems (logged by the owner; never fatal). */
  onProblem: (message: string) => void;
  /** Drop partial input and fail pending sends (link lost or closed). */
  reset(reason: Error): void;
}

export class TcpApduLink implements ApduLink {
  private readonly decoder = new ApduStreamDecoder();
  onApdu: (a: Apdu) => void = () => {};
  onProblem: (message: string) => void = () => {};

  constructor(private readonly sink: ByteSink) {}

  send(a: Apdu): Promise<void> {
    return this.sink.write(encodeApdu(a));
  }

  push(chunk: Uint8Array): void {
    let apdus: Apdu[];
    try {
      apdus = this.decoder.push(chunk);
    } catch (err) {
      this.onProblem(err instanceof Error ? err.message : String(err));
      return;
    }
    for (const a of apdus) this.onApdu(a);
  }

  reset(): void {
    this.decoder.reset();
  }
}

export interface SerialLinkOptions {
  /** How long to wait for the ACK/NAK byte after a frame (ZVT T3 is 5 s… keep it configurable). */
  ackTimeoutMs: number;
  /** Repeats after a NAK or a missing ACK (the spec allows two). */
  maxRepeats: number;
}

export class SerialApduLink implements ApduLink {
  private readonly decoder = new SerialFrameDecoder();
  private readonly opts: SerialLinkOptions;
  private waiter: { resolve: (ack: boolean) => void; timer: ReturnType<typeof setTimeout> } | undefined;
  private sending: Promise<void> = Promise.resolve();
  onApdu: (a: Apdu) => void = () => {};
  onProblem: (message: string) => void = () => {};

  constructor(private readonly sink: ByteSink, options: Partial<SerialLinkOptions> = {}) {
    this.opts = { ackTimeoutMs: 2_000, maxRepeats: 2, ...options };
  }

  /** Frames go out one at a time: the next waits for the previous one's ACK. */
  send(a: Apdu): Promise<void> {
    const run = this.sending.then(() => this.sendNow(a));
    this.sending = run.catch(() => undefined);
    return run;
  }

  private async sendNow(a: Apdu): Promise<void> {
    const frame = encodeSerialFrame(encodeApdu(a));
    for (let attempt = 0; attempt <= this.opts.maxRepeats; attempt++) {
      const answered = new Promise<boolean | 'timeout'>((resolve) => {
        const timer = setTimeout(() => {
          this.waiter = undefined;
          resolve('timeout');
        }, this.opts.ackTimeoutMs);
        this.waiter = { resolve, timer };
      });
      await this.sink.write(frame);
      const r = await answered;
      if (r === true) return;
      this.onProblem(r === 'timeout' ? 'no ACK for a frame, repeating' : 'NAK for a frame, repeating');
    }
    throw new Error(`ZVT serial: frame not acknowledged after ${this.opts.maxRepeats + 1} attempts`);
  }

  push(chunk: Uint8Array): void {
    for (const u of this.decoder.push(chunk)) {
      if (u.kind === 'ack' || u.kind === 'nak') {
        const w = this.waiter;
        if (!w) {
          this.onProblem(`unexpected ${u.kind.toUpperCase()} byte`);
          continue;
        }
        clearTimeout(w.timer);
        this.waiter = undefined;
        w.resolve(u.kind === 'ack');
      } else if (u.kind === 'bad-frame') {
        this.onProblem(`bad frame: ${u.reason}`);
        void this.sink.write(Uint8Array.of(NAK)).catch(() => undefined);
      } else {
        const d = decodeApdu(u.apdu);
        if (!d || d.used !== u.apdu.length) {
          this.onProblem('frame does not hold exactly one APDU');
          void this.sink.write(Uint8Array.of(NAK)).catch(() => undefined);
          continue;
        }
        void this.sink.write(Uint8Array.of(ACK)).catch(() => undefined);
        this.onApdu(d.apdu);
      }
    }
  }

  reset(): void {
    this.decoder.reset();
    const w = this.waiter;
    if (w) {
      clearTimeout(w.timer);
      this.waiter = undefined;
      w.resolve(false);
    }
  }
}
