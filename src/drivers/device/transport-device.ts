// A PosDevice that talks over one supervised Transport. claim() opens the link, release()
// closes it; when the link drops the device goes to state 'error' with a power-offline status,
// and when the supervisor reopens it, back to 'idle' with power-online and `onLinkUp()` so the
// driver can re-initialise the hardware (a replugged printer forgot its settings).

import { bindingFor } from '../transport/bindings';
import { ReconnectingTransport, type ReconnectOptions } from '../transport/reconnecting';
import type { TransportAddress, TransportBinding } from '../transport/transport';
import type { EventsOf } from './emitter';
import type { DeviceCategory } from './events';
import { PosDevice, errorMessage } from './pos-device';
import { PosError } from './result';

export interface TransportDeviceOptions {
  address: TransportAddress;
  /** Defaults to the real binding for `address.kind`; tests pass a MockBinding. */
  binding?: TransportBinding;
  reconnect?: ReconnectOptions;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export abstract class TransportDevice<TData = unknown, Extra extends EventsOf<Extra> = {}> extends PosDevice<TData, Extra> {
  protected link: ReconnectingTransport | undefined;

  constructor(name: string, category: DeviceCategory, protected readonly connection: TransportDeviceOptions) {
    super(name, category);
  }

  get online(): boolean {
    return this.link?.online ?? false;
  }

  protected async onClaim(): Promise<void> {
    const binding = this.connection.binding ?? bindingFor(this.connection.address);
    const link = new ReconnectingTransport(binding, this.connection.address, this.connection.reconnect);
    link.on('data', (chunk) => this.onBytes(chunk));
    link.on('offline', (reason) => {
      this.setState('error');
      this.emitStatus({ kind: 'power', value: 'offline', reason: reason.message });
      this.onLinkDown(reason);
    });
    link.on('online', () => {
      // The first 'online' comes from start() inside claim; later ones are reconnects.
      if (!this.claimed) return;
      if (this.state === 'error') this.setState('idle');
      this.emitStatus({ kind: 'power', value: 'online' });
      if (this.enabled) this.onLinkUp().catch((err) => this.raiseError('E_FAILURE', `${this.name}: re-initialising after reconnect failed: ${errorMessage(err)}`));
    });
    this.link = link;
    try {
      await link.start();
    } catch (err) {
      this.link = undefined;
      await link.close();
      throw err;
    }
    if (link.online) this.emitStatus({ kind: 'power', value: 'online' });
  }

  protected override async onEnable(): Promise<void> {
    if (this.link?.online) await this.onLinkUp();
  }

  protected async onRelease(): Promise<void> {
    const link = this.link;
    this.link = undefined;
    await link?.close();
  }

  /** Waits until every byte written so far has left the host; E_OFFLINE when the link is down. */
  protected async drainLink(): Promise<void> {
    const link = this.link;
    if (!link?.online) throw new PosError('E_OFFLINE', `${this.name} is offline`);
    try {
      await link.drain();
    } catch (err) {
      throw new PosError(link.online ? 'E_FAILURE' : 'E_OFFLINE', `${this.name}: drain failed: ${errorMessage(err)}`, { cause: err });
    }
  }

  /** Writes to the device; E_OFFLINE when the link is down. */
  protected async send(bytes: Uint8Array): Promise<void> {
    const link = this.link;
    if (!link) throw new PosError('E_NOTCLAIMED', `${this.name} is not claimed`);
    if (!link.online) throw new PosError('E_OFFLINE', `${this.name} is offline`);
    try {
      await link.write(bytes);
    } catch (err) {
      throw new PosError(link.online ? 'E_FAILURE' : 'E_OFFLINE', `${this.name}: write failed: ${errorMessage(err)}`, { cause: err });
    }
  }

  /** Bytes from the device, in arbitrary chunks. */
  protected abstract onBytes(chunk: Uint8Array): void;
  /**
   * The link is up and the device is being enabled, or was enabled and the link came back after
   * a drop: initialise the hardware (it may have been power-cycled).
   */
  protected async onLinkUp(): Promise<void> {}
  protected onLinkDown(_reason: Error): void {}
}
