// The receipt printer as a UnifiedPOS-style device. print() never blocks the sale: it accepts
// the job into a bounded queue and returns a job id at once; progress arrives as 'job' events.
// Status comes from DLE EOT polling (and ASB when enabled); a Star printer's from its automatic
// status, polled with ESC ACK SOH (and sent by itself when enabled). When paper runs out or the cover
// opens in the middle of a receipt, the job stops, an ErrorEvent is raised (retry by default),
// and when the fault clears the printer's buffer is cleared and the whole receipt printed again.

import { randomUUID } from 'node:crypto';
import { parseReceipt, type ReceiptDocumentInput } from '../../core/receipt/document';
import { PosError } from '../device/result';
import { TransportDevice, type TransportDeviceOptions } from '../device/transport-device';
import { errorMessage } from '../device/pos-device';
import type { PrintCommand } from './commands';
import { encodeCommands, type EncodedJob } from './encode';
import { layoutReceipt, type LayoutOptions } from './layout';
import { resolvePrinterProfile, type PrinterProfile } from './profiles';
import { StatusStreamParser, asbEnable, snapshotFromReplies, statusRequest, type PrinterSnapshot } from './status';
import { STAR_STATUS_REQUEST, StarStatusParser, starAsbEnable } from './star-status';
import type { BitmapFont } from './text-raster';

/** DLE DC4 fn=8: clear the receive and print buffers (real-time, TM-T88V and later). */
export const CLEAR_BUFFERS = Uint8Array.of(0x10, 0x14, 0x08, 0x01, 0x03, 0x14, 0x01, 0x06, 0x02, 0x08);

export type JobState = 'queued' | 'printing' | 'interrupted' | 'reprinting' | 'done' | 'failed' | 'cancelled';

export interface JobEvent {
  id: string;
  state: JobState;
  /** 1 for the first print, 2 for the first reprint, … */
  attempt: number;
  reason?: string;
  at: number;
}

export interface PrinterEvents {
  job: (e: JobEvent) => void;
  /** Every decoded status picture (poll reply or ASB); the cash drawer listens to this. */
  snapshot: (s: PrinterSnapshot) => void;
}

export interface ReceiptPrinterOptions extends TransportDeviceOptions {
  /** Profile id ("epson-tm-t88vi", "generic-escpos-80", …) or a profile object. */
  profile: string | PrinterProfile;
  /** Status poll interval while idle or waiting for a fault to clear. */
  statusPollMs?: number;
  /** How long a DLE EOT reply may take. */
  statusTimeoutMs?: number;
  /** Enable Automatic Status Back (GS a) in addition to polling. */
  asb?: boolean;
  maxQueuedJobs?: number;
  /** Whole-receipt reprints allowed per job after interruptions. */
  maxReprints?: number;
  maxChunkBytes?: number;
  /** Send DLE DC4 8 (clear buffers) before reprinting, so a held partial receipt is not printed too. */
  clearBufferOnRecovery?: boolean;
  font?: BitmapFont | null;
  layout?: Partial<LayoutOptions>;
}

interface Job {
  id: string;
  encoded: EncodedJob;
  attempts: number;
  cancelled: boolean;
  /** A terminal event (done/failed/cancelled) was emitted: never emit another. */
  ended: boolean;
}

class Interrupted extends Error {
  constructor(readonly kind: 'cover-open' | 'paper-empty' | 'offline' | 'printer-error' | 'link', message: string) {
    super(message);
  }
}

const MAX_STATUS_WAITERS = 16;

export class ReceiptPrinter extends TransportDevice<never, PrinterEvents> {
  readonly profile: PrinterProfile;
  private readonly opts: Required<Pick<ReceiptPrinterOptions, 'statusPollMs' | 'statusTimeoutMs' | 'asb' | 'maxQueuedJobs' | 'maxReprints' | 'maxChunkBytes' | 'clearBufferOnRecovery'>>;
  private readonly queue: Job[] = [];
  private pumping = false;
  private active = false;
  private readonly wakers = new Set<() => void>();
  /** Bumped on every link-up, so a monitor loop from before a reconnect stops instead of doubling up. */
  private monitorGen = 0;
  private waiters: Array<(b: number) => void> = [];
  private statusChain: Promise<unknown> = Promise.resolve();
  private readonly parser: StatusStreamParser;
  private readonly starParser: StarStatusParser;
  /** Pending ESC ACK SOH enquiries (Star): the next automatic status answers the oldest. */
  private starWaiters: Array<(s: PrinterSnapshot) => void> = [];
  private last: PrinterSnapshot | undefined;

  constructor(name: string, private readonly options: ReceiptPrinterOptions) {
    super(name, 'printer', options);
    this.profile = typeof options.profile === 'string' ? resolvePrinterProfile(options.profile) : options.profile;
    this.opts = {
      statusPollMs: options.statusPollMs ?? 500,
      statusTimeoutMs: options.statusTimeoutMs ?? 2_000,
      asb: options.asb ?? false,
      maxQueuedJobs: options.maxQueuedJobs ?? 16,
      maxReprints: options.maxReprints ?? 2,
      maxChunkBytes: options.maxChunkBytes ?? 4096,
      clearBufferOnRecovery: options.clearBufferOnRecovery ?? true,
    };
    this.parser = new StatusStreamParser(
      (b) => this.waiters.shift()?.(b),
      (snap) => this.applySnapshot(snap),
    );
    this.starParser = new StarStatusParser((snap) => {
      const w = this.starWaiters.shift();
      if (w) w(snap);
      else this.applySnapshot(snap);
    });
  }

  private get star(): boolean {
    return this.profile.statusProtocol === 'star';
  }

  /** The last status picture, if any. */
  get snapshot(): PrinterSnapshot | undefined {
    return this.last;
  }

  get queuedJobs(): Array<{ id: string; attempts: number }> {
    return this.queue.map((j) => ({ id: j.id, attempts: j.attempts }));
  }

  /**
   * Validates, lays out and queues a receipt. Returns the job id at once. Throws E_ILLEGAL
   * (listing the problems) for a receipt that fails the schema or does not add up, E_BUSY when
   * the queue is full, E_DISABLED etc. per the life cycle.
   */
  printReceipt(input: ReceiptDocumentInput): string {
    const parsed = parseReceipt(input);
    if (!parsed.ok) throw new PosError('E_ILLEGAL', `${this.name}: receipt refused: ${parsed.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    const doc = parsed.receipt;
    const cmds = layoutReceipt(doc, { columns: this.profile.columns, feedBeforeCut: this.profile.feedBeforeCut, ...this.options.layout });
    return this.printCommands(cmds);
  }

  /** Queues a command list (test prints, reports). Returns the job id. */
  printCommands(commands: PrintCommand[]): string {
    this.requireEnabled('print');
    if (this.queue.length >= this.opts.maxQueuedJobs) {
      throw new PosError('E_BUSY', `${this.name}: ${this.queue.length} print jobs waiting (limit ${this.opts.maxQueuedJobs})`);
    }
    const encoded = encodeCommands(commands, { profile: this.profile, maxChunkBytes: this.opts.maxChunkBytes, ...(this.options.font !== undefined ? { font: this.options.font } : {}) });
    const job: Job = { id: randomUUID(), encoded, attempts: 0, cancelled: false, ended: false };
    this.queue.push(job);
    this.jobEvent(job, 'queued');
    void this.pump();
    return job.id;
  }

  /** Drops a queued or interrupted job. A job already on the wire may still come out. */
  cancelJob(id: string): boolean {
    const job = this.queue.find((j) => j.id === id);
    if (!job) return false;
    job.cancelled = true;
    if (this.queue[0] !== job || !this.pumping) {
      this.queue.splice(this.queue.indexOf(job), 1);
      this.jobEvent(job, 'cancelled');
    }
    this.wakeAll();
    return true;
  }

  /** UnifiedPOS clearOutput: cancel every job. */
  clearOutput(): void {
    for (const j of [...this.queue]) this.cancelJob(j.id);
  }

  /** Fires the drawer kick pulse (ESC p m t1 t2). */
  async pulse(pin: 2 | 5 = 2, onMs = 100, offMs = 200): Promise<void> {
    this.requireEnabled('pulse()');
    const job = encodeCommands([{ op: 'pulse', pin, onMs, offMs }], { profile: this.profile, initialize: false });
    for (const c of job.chunks) await this.send(c);
  }

  /** Asks DLE EOT 1..4 (a Star printer: ESC ACK SOH) and decodes the replies. E_TIMEOUT when the printer does not answer. */
  queryStatus(): Promise<PrinterSnapshot> {
    if (!this.profile.realtimeStatus) return Promise.reject(new PosError('E_ILLEGAL', `${this.name}: ${this.profile.id} has no status requests`));
    const run = this.statusChain.then(() => (this.star ? this.queryStar() : this.queryOnce()));
    this.statusChain = run.catch(() => undefined);
    return run;
  }

  private async queryOnce(): Promise<PrinterSnapshot> {
    if (this.waiters.length + 4 > MAX_STATUS_WAITERS) throw new PosError('E_BUSY', `${this.name}: too many status requests outstanding`);
    const replies: number[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const got = new Promise<void>((resolve, reject) => {
      for (let i = 0; i < 4; i++) {
        this.waiters.push((b) => {
          replies.push(b);
          if (replies.length === 4) resolve();
        });
      }
      timer = setTimeout(() => {
        // Late replies would be matched to the wrong request: forget the pending ones.
        this.waiters = [];
        reject(new PosError('E_TIMEOUT', `${this.name}: no DLE EOT reply within ${this.opts.statusTimeoutMs} ms`));
      }, this.opts.statusTimeoutMs);
    });
    try {
      await this.send(Uint8Array.from([...statusRequest(1), ...statusRequest(2), ...statusRequest(3), ...statusRequest(4)]));
      await got;
    } catch (err) {
      this.waiters = [];
      throw err;
    } finally {
      clearTimeout(timer);
    }
    const snap = snapshotFromReplies({ 1: replies[0]!, 2: replies[1]!, 3: replies[2]!, 4: replies[3]! });
    this.applySnapshot(snap);
    return snap;
  }

  private async queryStar(): Promise<PrinterSnapshot> {
    if (this.starWaiters.length >= MAX_STATUS_WAITERS) throw new PosError('E_BUSY', `${this.name}: too many status requests outstanding`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const got = new Promise<PrinterSnapshot>((resolve, reject) => {
      this.starWaiters.push(resolve);
      timer = setTimeout(() => {
        // A late status would answer the wrong enquiry: forget the pending ones.
        this.starWaiters = [];
        reject(new PosError('E_TIMEOUT', `${this.name}: no automatic status within ${this.opts.statusTimeoutMs} ms of ESC ACK SOH`));
      }, this.opts.statusTimeoutMs);
    });
    try {
      await this.send(STAR_STATUS_REQUEST);
      const snap = await got;
      this.applySnapshot(snap);
      return snap;
    } catch (err) {
      this.starWaiters = [];
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private applySnapshot(snap: PrinterSnapshot): void {
    this.last = snap;
    this.emit('snapshot', snap);
    this.emitStatus({ kind: 'cover', value: snap.coverOpen ? 'open' : 'closed' });
    this.emitStatus({ kind: 'paper', value: snap.paper });
    if (snap.error !== 'none') this.emitStatus({ kind: 'other', name: 'printer-error', value: snap.error });
    else if (this.status('other')) this.emitStatus({ kind: 'other', name: 'printer-error', value: 'none' });
  }

  protected onBytes(chunk: Uint8Array): void {
    if (this.star) this.starParser.push(chunk);
    else this.parser.push(chunk);
  }

  protected override async onLinkUp(): Promise<void> {
    this.active = true;
    if (this.opts.asb) await this.send(this.star ? starAsbEnable(true) : asbEnable(0x0f));
    void this.monitor();
    void this.pump();
  }

  protected override onLinkDown(): void {
    this.waiters = [];
    this.starWaiters = [];
    this.active = false;
    this.wakeAll();
  }

  protected override async onDisable(): Promise<void> {
    this.active = false;
    this.wakeAll();
  }

  protected override async onRelease(): Promise<void> {
    this.active = false;
    this.wakeAll();
    await super.onRelease();
  }

  /** Jobs still queued when the device closes are reported cancelled, so the app can say so. */
  protected override async onClose(): Promise<void> {
    for (const job of this.queue.splice(0)) {
      job.cancelled = true;
      this.jobEvent(job, 'cancelled', 'printer closed');
    }
  }

  // ---- background work ----

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wakers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  private wakeAll(): void {
    for (const w of [...this.wakers]) w();
  }

  /** Polls status while idle so cover, paper and drawer changes are seen without a job. */
  private async monitor(): Promise<void> {
    if (!this.profile.realtimeStatus) return;
    const gen = ++this.monitorGen;
    while (this.active && this.online && gen === this.monitorGen) {
      if (!this.pumping) {
        try {
          await this.queryStatus();
        } catch (err) {
          if (this.active && this.online && !(err instanceof PosError && err.code === 'E_OFFLINE')) {
            this.emitStatus({ kind: 'other', name: 'status', value: `no reply: ${errorMessage(err)}` });
          }
        }
      }
      await this.sleep(this.opts.statusPollMs);
    }
  }

  private fault(s: PrinterSnapshot): Interrupted | undefined {
    if (s.coverOpen) return new Interrupted('cover-open', 'cover open');
    if (s.paper === 'empty') return new Interrupted('paper-empty', 'paper empty');
    if (s.error !== 'none') return new Interrupted('printer-error', `printer error: ${s.error}`);
    if (!s.online) return new Interrupted('offline', 'printer offline');
    return undefined;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0 && this.active && this.online) {
        const job = this.queue[0]!;
        const result = await this.runJob(job);
        if (result === 'suspended') break;
        this.queue.shift();
      }
    } finally {
      this.pumping = false;
      if (this.state === 'busy') this.setState('idle');
    }
  }

  /** Waits (polling) until the printer reports no fault. False when the device stopped meanwhile. */
  private async waitUntilReady(job: Job): Promise<boolean> {
    for (;;) {
      if (!this.active || !this.online || job.cancelled) return false;
      try {
        const snap = await this.queryStatus();
        if (!this.fault(snap)) return true;
      } catch (err) {
        if (!(err instanceof PosError && err.code === 'E_TIMEOUT')) return false;
      }
      await this.sleep(this.opts.statusPollMs);
    }
  }

  private async runJob(job: Job): Promise<'done' | 'failed' | 'cancelled' | 'suspended'> {
    for (;;) {
      if (job.cancelled) return this.finish(job, 'cancelled');
      if (this.profile.realtimeStatus && !(await this.waitUntilReady(job))) {
        return job.cancelled ? this.finish(job, 'cancelled') : 'suspended';
      }
      const reprint = job.attempts > 0;
      if (reprint && this.opts.clearBufferOnRecovery && this.profile.language === 'esc-pos') {
        try {
          await this.send(CLEAR_BUFFERS);
        } catch {
          return 'suspended';
        }
      }
      job.attempts++;
      this.setState('busy');
      this.jobEvent(job, reprint ? 'reprinting' : 'printing');
      try {
        for (const chunk of job.encoded.chunks) {
          if (job.cancelled) return this.finish(job, 'cancelled');
          await this.send(chunk);
          await this.drainLink();
          if (this.profile.realtimeStatus) {
            const f = this.fault(await this.queryStatus());
            if (f) throw f;
          }
        }
        this.emitStatus({ kind: 'output-complete', id: job.id });
        return this.finish(job, 'done');
      } catch (err) {
        const linkDown = !this.online || (err instanceof PosError && err.code === 'E_OFFLINE');
        const reason = err instanceof Interrupted ? err.message : linkDown ? 'link lost' : errorMessage(err);
        this.jobEvent(job, 'interrupted', reason);
        if (linkDown) return 'suspended'; // resumes, whole job again, when the link is back
        const extended = err instanceof Interrupted ? (err.kind === 'cover-open' ? 'EPTR_COVER_OPEN' : err.kind === 'paper-empty' ? 'EPTR_REC_EMPTY' : undefined) : undefined;
        const code = err instanceof PosError && err.code === 'E_TIMEOUT' ? 'E_TIMEOUT' : extended ? 'E_EXTENDED' : 'E_FAILURE';
        const response = this.raiseError(code, `${this.name}: receipt interrupted (${reason}); it is printed again when the printer is ready`, extended ? { extended } : {});
        if (response === 'clear') return this.finish(job, 'cancelled', 'cleared by the application');
        if (job.attempts > this.opts.maxReprints) return this.finish(job, 'failed', `interrupted ${job.attempts} times`);
      }
    }
  }

  private finish(job: Job, state: 'done' | 'failed' | 'cancelled', reason?: string): 'done' | 'failed' | 'cancelled' {
    this.jobEvent(job, state, reason);
    return state;
  }

  private jobEvent(job: Job, state: JobState, reason?: string): void {
    if (job.ended) return;
    if (state === 'done' || state === 'failed' || state === 'cancelled') job.ended = true;
    this.emit('job', { id: job.id, state, attempt: Math.max(1, job.attempts), at: Date.now(), ...(reason ? { reason } : {}) });
  }
}
