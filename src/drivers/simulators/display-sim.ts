// A 2×20 Epson ESC/POS customer display: interprets every byte it receives into the screen a
// customer would see (../display/codec.ts ScreenModel), so tests assert on text, not bytes.

import { ScreenModel } from '../display/codec';
import { TypedEmitter } from '../device/emitter';
import type { Transport } from '../transport/transport';

export type DisplaySimLink = Pick<Transport, 'on' | 'off'>;

export class DisplaySimulator extends TypedEmitter<{ change: (lines: [string, string]) => void }> {
  readonly screen = new ScreenModel();
  bytesReceived = 0;
  private readonly onData = (chunk: Uint8Array) => {
    this.bytesReceived += chunk.length;
    this.screen.push(chunk);
    this.emit('change', this.screen.lines());
  };

  constructor(private readonly link: DisplaySimLink) {
    super();
    link.on('data', this.onData);
  }

  lines(): [string, string] {
    return this.screen.lines();
  }

  detach(): void {
    this.link.off('data', this.onData);
  }
}

