// A virtual receipt printer, ESC/POS or StarPRNT after its profile. It speaks the real protocol:
// ESC/POS answers DLE EOT status requests and ASB (GS a), clears its buffer on DLE DC4 8 and
// prints held data on DLE ENQ 1; a Star printer answers ESC ACK SOH with its automatic status,
// sends it by itself on every change after ESC RS a 1, and prints held data once the fault is
// cleared. Both hold print data while out of paper or with the cover open, open the drawer on a
// kick pulse, and keep what they printed as paper that can be read as text or rendered to a PNG
// (QR codes and barcodes drawn as real bitmaps).
// Serve it over a socat PTY (`servePrinterOnPty`) or a loopback TCP port (`servePrinterOnTcp`).

import net from 'node:net';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { TypedEmitter } from '../device/emitter';
import { getPixel, type PrintCommand } from '../printer/commands';
import { CommandFolder, EscPosParser, type EscPosOp } from '../printer/escpos-parser';
import { StarPrntParser } from '../printer/starprnt-parser';
import { encodeStarAsb } from '../printer/star-status';
import { encodeAsb, encodeErrorCause, encodeOfflineCause, encodePaperSensor, encodePrinterStatus, type PrinterSnapshot } from '../printer/status';
import { loadUnifont, type BitmapFont } from '../printer/text-raster';
import { resolvePrinterProfile } from '../printer/profiles';
import { serialBinding } from '../transport/serial';
import type { Transport } from '../transport/transport';
import { code128Modules } from './code128';

export interface PrinterSimOptions {
  /**
   * The printer model it stands in for (a profile id, as the driver takes it): its columns and
   * printable width, so the paper the simulator draws is as wide as the receipt the driver lays
   * out. Default the register's 80 mm printer, 'generic-escpos-80' (48 columns, 576 dots).
   */
  profile?: string;
  /** Characters per line (font A); overrides the profile's. */
  columns?: number;
  /** Printable width in dots; overrides the profile's. */
  dotsWidth?: number;
  /** Lines of paper left on the roll; Infinity by default. */
  paperLines?: number;
  /** Paper left (lines) at which the near-end sensor trips. */
  nearEndLines?: number;
  /** Drawer sensor: pin 3 level that means "open". */
  drawerOpenLevel?: 'high' | 'low';
  /** Open the drawer when a kick pulse arrives (a real drawer springs open). */
  openDrawerOnPulse?: boolean;
}

export const DEFAULT_SIM_PROFILE = 'generic-escpos-80';

export type PaperItem = { cmd: PrintCommand; continues: boolean };

export interface PrinterSimEvents {
  /** Something came out on paper. */
  printed: (cmd: PrintCommand) => void;
  /** A kick pulse arrived. */
  pulse: (pin: 2 | 5) => void;
  /** The paper was cut: `receipt` is the text of the piece that came off. */
  cut: (receipt: string) => void;
  /** State changed by a control call or by printing (paper ran out). */
  state: (s: PrinterSnapshot & { drawerOpen: boolean }) => void;
  /** A status request was answered (DLE EOT n; 0 for Star's ESC ACK SOH). */
  statusRequest: (n: number) => void;
}

/** Held print operations while faulted; beyond this the printer's buffer is "full" and data is lost. */
export const MAX_HELD_OPS = 100_000;
/** Paper kept in memory; the oldest items are dropped beyond this. */
export const MAX_PAPER_ITEMS = 50_000;

export class PrinterSimulator extends TypedEmitter<PrinterSimEvents> {
  readonly columns: number;
  readonly dotsWidth: number;
  /** The command language it speaks, from the profile: ESC/POS, or Star (StarPRNT). */
  readonly language: 'escpos' | 'star';
  private paperLeft: number;
  private readonly nearEndLines: number;
  private coverOpen = false;
  private drawerOpen = false;
  private asbBits = 0;
  private held: EscPosOp[] = [];
  /** Print data lost because the buffer overflowed while faulted. */
  lostOps = 0;
  readonly paper: PaperItem[] = [];
  private readonly folder: CommandFolder;
  private readonly opts: Required<Pick<PrinterSimOptions, 'drawerOpenLevel' | 'openDrawerOnPulse'>>;
  private readonly sinks = new Set<(bytes: Uint8Array) => void>();
  statusRequests = 0;

  constructor(options: PrinterSimOptions = {}) {
    super();
    const profile = resolvePrinterProfile(options.profile ?? DEFAULT_SIM_PROFILE);
    this.columns = options.columns ?? profile.columns;
    this.dotsWidth = options.dotsWidth ?? profile.dotsWidth;
    this.language = profile.language === 'esc-pos' ? 'escpos' : 'star';
    this.paperLeft = options.paperLines ?? Number.POSITIVE_INFINITY;
    this.nearEndLines = options.nearEndLines ?? 0;
    this.opts = { drawerOpenLevel: options.drawerOpenLevel ?? 'high', openDrawerOnPulse: options.openDrawerOnPulse ?? true };
    this.folder = new CommandFolder(this.columns, (cmd, continues) => this.print(cmd, continues));
  }

  // ---- controls ----
  /** Paper runs out now, or after `lines` more printed lines. */
  runOutOfPaper(lines = 0): void {
    this.paperLeft = lines;
    this.changed();
  }
  refill(lines = Number.POSITIVE_INFINITY): void {
    this.paperLeft = lines;
    this.changed();
  }
  openCover(): void {
    this.coverOpen = true;
    this.changed();
  }
  closeCover(): void {
    this.coverOpen = false;
    this.changed();
  }
  setDrawer(open: boolean): void {
    this.drawerOpen = open;
    this.changed();
  }

  get faulted(): boolean {
    return this.coverOpen || this.paperLeft <= 0;
  }

  get snapshot(): PrinterSnapshot & { drawerOpen: boolean } {
    const high = this.drawerOpen === (this.opts.drawerOpenLevel === 'high');
    return {
      online: !this.faulted,
      coverOpen: this.coverOpen,
      paper: this.paperLeft <= 0 ? 'empty' : this.paperLeft <= this.nearEndLines ? 'near-end' : 'ok',
      drawerPin3High: high,
      error: 'none',
      drawerOpen: this.drawerOpen,
    };
  }

  // ---- the wire ----
  /** Connects a byte sink (a PTY or socket) and returns the function to feed it host bytes. */
  connect(send: (bytes: Uint8Array) => void): { receive: (bytes: Uint8Array) => void; disconnect: () => void } {
    this.sinks.add(send);
    const parser = this.language === 'star' ? new StarPrntParser((op) => this.onOp(op, send)) : new EscPosParser((op) => this.onOp(op, send));
    return {
      receive: (bytes) => parser.push(bytes),
      disconnect: () => {
        parser.flush();
        this.sinks.delete(send);
      },
    };
  }

  private onOp(op: EscPosOp, reply: (bytes: Uint8Array) => void): void {
    // Real-time commands act at once, even while faulted.
    switch (op.op) {
      case 'status-request': {
        this.statusRequests++;
        reply(Uint8Array.of(this.statusByte(op.n)));
        this.emit('statusRequest', op.n);
        return;
      }
      case 'clear-buffer':
        this.held = [];
        return;
      case 'recover':
        if (op.n === 2) this.held = [];
        else this.release();
        return;
      case 'asb':
        this.asbBits = op.bits;
        if (op.bits) reply(this.asbMessage());
        return;
      case 'star-status-request':
        this.statusRequests++;
        reply(encodeStarAsb(this.snapshot));
        this.emit('statusRequest', 0);
        return;
      default:
        break;
    }
    if (this.faulted || this.held.length > 0) {
      if (this.held.length >= MAX_HELD_OPS) this.lostOps++;
      else this.held.push(op);
      return;
    }
    this.apply(op);
  }

  private statusByte(n: number): number {
    const s = this.snapshot;
    switch (n) {
      case 1:
        return encodePrinterStatus({ drawerPin3High: s.drawerPin3High, offline: !s.online, waitingForOnlineRecovery: this.held.length > 0 && !this.faulted, feedButtonPressed: false });
      case 2:
        return encodeOfflineCause({ coverOpen: s.coverOpen, feedingByButton: false, paperEndStop: s.paper === 'empty', errorOccurred: false });
      case 3:
        return encodeErrorCause({ autocutterError: false, unrecoverableError: false, autoRecoverableError: false });
      default:
        return encodePaperSensor({ nearEnd: s.paper !== 'ok', paperEnd: s.paper === 'empty' });
    }
  }

  /** Prints held data (what DLE ENQ 1 does once the fault is gone). */
  private release(): void {
    while (this.held.length > 0 && !this.faulted) this.apply(this.held.shift()!);
  }

  private apply(op: EscPosOp): void {
    if (op.op === 'pulse') {
      this.emit('pulse', op.pin);
      if (this.opts.openDrawerOnPulse && !this.drawerOpen) this.setDrawer(true);
    }
    this.folder.push(op);
  }

  private print(cmd: PrintCommand, continues: boolean): void {
    if (cmd.op === 'pulse') return;
    this.paper.push({ cmd, continues });
    if (this.paper.length > MAX_PAPER_ITEMS) this.paper.splice(0, this.paper.length - MAX_PAPER_ITEMS);
    this.emit('printed', cmd);
    if (cmd.op === 'cut') {
      const receipts = this.receipts();
      this.emit('cut', receipts[receipts.length - 2] ?? '');
    }
    const used = cmd.op === 'text' ? cmd.height : cmd.op === 'feed' ? cmd.lines : cmd.op === 'image' ? Math.ceil(cmd.height / 24) : cmd.op === 'qr' || cmd.op === 'barcode' ? 4 : cmd.op === 'rule' ? 1 : 0;
    if (used > 0 && Number.isFinite(this.paperLeft)) {
      this.paperLeft = Math.max(0, this.paperLeft - used);
      if (this.paperLeft <= this.nearEndLines) this.changed();
    }
  }

  private asbMessage(): Uint8Array {
    return this.language === 'star' ? encodeStarAsb(this.snapshot) : encodeAsb(this.snapshot);
  }

  private changed(): void {
    const s = this.snapshot;
    this.emit('state', s);
    if (this.asbBits) for (const send of this.sinks) send(this.asbMessage());
    // A Star printer goes on with what it holds once the fault is cleared (no DLE ENQ 1 in StarPRNT).
    if (this.language === 'star' && !this.faulted) this.release();
  }

  // ---- output ----
  /** The paper as text, one string per printed line; images, codes and cuts as bracketed marks. */
  lines(): string[] {
    const out: string[] = [];
    for (const { cmd, continues } of this.paper) {
      switch (cmd.op) {
        case 'text': {
          const w = Math.floor(this.columns / cmd.width);
          const t = cmd.align === 'center' ? ' '.repeat(Math.max(0, Math.floor((w - cmd.text.length) / 2))) + cmd.text : cmd.align === 'right' ? cmd.text.padStart(w) : cmd.text;
          out.push(t.trimEnd());
          break;
        }
        case 'rule':
          out.push(cmd.char.repeat(this.columns));
          break;
        case 'feed':
          for (let i = 0; i < cmd.lines; i++) out.push('');
          break;
        case 'qr':
          out.push(`[QR ${cmd.data}]`);
          break;
        case 'barcode':
          out.push(`[${cmd.symbology.toUpperCase()} ${cmd.data}]`);
          break;
        case 'image':
          if (!continues) out.push(`[image ${cmd.width}x${cmd.height}]`);
          break;
        case 'cut':
          out.push('--- cut ---');
          break;
        default:
          break;
      }
    }
    return out;
  }

  text(): string {
    return this.lines().join('\n');
  }

  /** What was printed as commands (from paper item `from` on), image strips joined. */
  commands(from = 0): PrintCommand[] {
    const out: PrintCommand[] = [];
    for (const { cmd, continues } of this.paper.slice(from)) {
      const last = out[out.length - 1];
      if (cmd.op === 'feed' && last?.op === 'feed') last.lines += cmd.lines;
      else if (continues && cmd.op === 'image' && last?.op === 'image' && last.width === cmd.width) {
        const bits = new Uint8Array(last.bits.length + cmd.bits.length);
        bits.set(last.bits);
        bits.set(cmd.bits, last.bits.length);
        out[out.length - 1] = { op: 'image', width: last.width, height: last.height + cmd.height, bits };
      } else out.push(cmd.op === 'feed' ? { ...cmd } : cmd);
    }
    return out;
  }

  /** The paper split at cuts; the last element is what has not been cut off yet. */
  receipts(): string[] {
    return this.text().split(/\n?--- cut ---\n?/);
  }

  /** Renders the paper (or the items from `from`) to a PNG at the printer's dot resolution. */
  renderPng(options: { from?: number; font?: BitmapFont | null } = {}): Buffer {
    return renderPaperPng(this.paper.slice(options.from ?? 0), { columns: this.columns, dotsWidth: this.dotsWidth, font: options.font === undefined ? loadUnifont() : options.font });
  }
}

// ---- rendering ----

interface Canvas {
  width: number;
  rows: Uint8Array[];
}

function blankRows(c: Canvas, n: number): number {
  const y = c.rows.length;
  for (let i = 0; i < n; i++) c.rows.push(new Uint8Array(c.width));
  return y;
}

function set(c: Canvas, x: number, y: number): void {
  if (x >= 0 && x < c.width && y >= 0 && y < c.rows.length) c.rows[y]![x] = 1;
}

/** Draws print commands as a white strip of paper with black dots. */
export function renderPaperPng(items: PaperItem[], opts: { columns: number; dotsWidth: number; font: BitmapFont | null }): Buffer {
  const margin = 16;
  // A column is the paper's width over its columns (12 dots on 80 mm paper: 576 / 48). The
  // strip is as wide as the paper, or wider if a line does not fit, so nothing is ever cut off.
  const cell = Math.floor(opts.dotsWidth / opts.columns);
  let widest = opts.dotsWidth;
  for (const { cmd } of items) {
    if (cmd.op === 'text') widest = Math.max(widest, [...cmd.text].length * cell * cmd.width);
    else if (cmd.op === 'image') widest = Math.max(widest, cmd.width);
  }
  const c: Canvas = { width: widest + 2 * margin, rows: [] };
  const lineHeight = 24;
  blankRows(c, 16);
  for (const { cmd } of items) {
    switch (cmd.op) {
      case 'text': {
        const cw = cell * cmd.width;
        const lh = lineHeight * cmd.height;
        const y0 = blankRows(c, lh);
        const chars = [...cmd.text];
        const total = chars.length * cw;
        let x = margin + (cmd.align === 'center' ? Math.floor((opts.dotsWidth - total) / 2) : cmd.align === 'right' ? opts.dotsWidth - total : 0);
        for (const ch of chars) {
          const g = opts.font?.glyph(ch.codePointAt(0)!);
          if (g) {
            const sx = cmd.width;
            const sy = cmd.height;
            const gb = g.width / 8;
            const ox = x + Math.floor((cw - Math.min(g.width * sx, cw)) / 2);
            const oy = y0 + Math.floor((lh - 16 * sy) / 2);
            for (let gy = 0; gy < 16; gy++)
              for (let gx = 0; gx < g.width; gx++) {
                if (!(g.rows[gy * gb + (gx >> 3)]! & (0x80 >> (gx & 7)))) continue;
                for (let dy = 0; dy < sy; dy++)
                  for (let dx = 0; dx < sx; dx++) {
                    set(c, ox + gx * sx + dx, oy + gy * sy + dy);
                    if (cmd.bold) set(c, ox + gx * sx + dx + 1, oy + gy * sy + dy);
                  }
              }
          } else if (ch !== ' ') {
            for (let dy = 6; dy < lh - 6; dy++) for (let dx = 2; dx < cw - 2; dx++) if ((dx + dy) % 3 === 0) set(c, x + dx, y0 + dy);
          }
          x += cw;
        }
        break;
      }
      case 'rule': {
        const y0 = blankRows(c, lineHeight);
        for (let x = margin; x < margin + opts.dotsWidth; x++) {
          set(c, x, y0 + (cmd.char === '=' ? 10 : 12));
          if (cmd.char === '=') set(c, x, y0 + 14);
        }
        break;
      }
      case 'feed':
        blankRows(c, lineHeight * cmd.lines);
        break;
      case 'image': {
        const y0 = blankRows(c, cmd.height);
        const x0 = margin + Math.floor((opts.dotsWidth - cmd.width) / 2);
        for (let y = 0; y < cmd.height; y++) for (let x = 0; x < cmd.width; x++) if (getPixel(cmd, x, y)) set(c, x0 + x, y0 + y);
        break;
      }
      case 'qr': {
        const qr = QRCode.create(cmd.data, { errorCorrectionLevel: cmd.errorLevel.toUpperCase() as 'L' | 'M' | 'Q' | 'H' });
        const n = qr.modules.size;
        const m = Math.max(1, cmd.size);
        const quiet = 4 * m;
        const y0 = blankRows(c, n * m + 2 * quiet);
        const x0 = margin + Math.floor((opts.dotsWidth - n * m) / 2);
        for (let r = 0; r < n; r++)
          for (let col = 0; col < n; col++)
            if (qr.modules.get(r, col)) for (let dy = 0; dy < m; dy++) for (let dx = 0; dx < m; dx++) set(c, x0 + col * m + dx, y0 + quiet + r * m + dy);
        break;
      }
      case 'barcode': {
        const modules = code128Modules(cmd.data);
        const unit = 2;
        const total = modules.reduce((a, b) => a + b, 0) * unit;
        const y0 = blankRows(c, cmd.height + 20);
        let x = margin + Math.floor((opts.dotsWidth - total) / 2);
        modules.forEach((w, i) => {
          if (i % 2 === 0) for (let dx = 0; dx < w * unit; dx++) for (let y = 10; y < 10 + cmd.height; y++) set(c, x + dx, y0 + y);
          x += w * unit;
        });
        break;
      }
      case 'cut': {
        const y0 = blankRows(c, 12);
        for (let x = 0; x < c.width; x += 6) for (let dx = 0; dx < 3; dx++) set(c, x + dx, y0 + 6);
        break;
      }
      default:
        break;
    }
  }
  blankRows(c, 16);
  const png = new PNG({ width: c.width, height: c.rows.length });
  for (let y = 0; y < c.rows.length; y++) {
    const row = c.rows[y]!;
    for (let x = 0; x < c.width; x++) {
      const i = (y * c.width + x) * 4;
      const v = row[x] ? 0 : 255;
      png.data[i] = v;
      png.data[i + 1] = v;
      png.data[i + 2] = v;
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

// ---- serving ----

export interface SimServer {
  close(): Promise<void>;
}

/**
 * Serves the simulator on the device end of a PTY pair, through the real serialport binding
 * (our hang-up-aware serial transport, so killing socat does not leave a spinning reader).
 */
export async function servePrinterOnPty(sim: PrinterSimulator, devicePath: string, baudRate = 38400): Promise<SimServer & { transport: Transport }> {
  const transport = await serialBinding.open({ kind: 'serial', path: devicePath, baudRate });
  const link = sim.connect((bytes) => {
    if (transport.isOpen) transport.write(bytes).catch(() => undefined);
  });
  transport.on('data', (b) => link.receive(b));
  transport.on('disconnect', () => link.disconnect());
  return {
    transport,
    close: async () => {
      link.disconnect();
      await transport.close();
    },
  };
}

export interface TcpSimServer extends SimServer {
  readonly port: number;
  /** Drops every client connection (the network cable is pulled) but keeps listening. */
  dropClients(): void;
}

/** Serves the simulator on 127.0.0.1 (a raw 9100-style port; 0 picks a free one). */
export function servePrinterOnTcp(sim: PrinterSimulator, port = 0): Promise<TcpSimServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const link = sim.connect((bytes) => {
      if (!socket.destroyed) socket.write(Buffer.from(bytes));
    });
    socket.on('data', (b: Buffer) => link.receive(new Uint8Array(b)));
    socket.on('close', () => {
      sockets.delete(socket);
      link.disconnect();
    });
    socket.on('error', () => undefined);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        dropClients() {
          for (const s of sockets) s.destroy();
        },
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
