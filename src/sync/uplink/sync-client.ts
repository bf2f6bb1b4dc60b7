import { assertHubEndpoint, describeTlsFailure, tlsOptionsFor } from '../transport/hub-endpoint';
import { HubSync, type HubSyncOptions } from './hub-sync';

// The Electron register's link to the hub: the shared HubSync with Node's TLS trust (the
// pinned certificate from enrollment, or store IT's explicit insecure flag).

export { HubError, HubSync, type HubSyncOptions, type LinkTransport, type LinkState, type SyncLinkStatus, type PriceChanged, type SyncClientEvents } from './hub-sync';

export interface SyncClientOptions extends Omit<HubSyncOptions, 'transport'> {
  /** What the register trusts at the hub (transport/hub-endpoint.ts): the pinned certificate, or store IT's explicit insecure flag. */
  trust?: { ca?: string; pin?: string; insecure?: boolean };
}

export class SyncClient extends HubSync {
  constructor(opts: SyncClientOptions) {
    // Never open a link the transport rules refuse (plain http or an unpinned certificate to another host).
    const endpoint = { url: opts.url, ...opts.trust };
    assertHubEndpoint(endpoint);
    super({ ...opts, transport: { socketOptions: tlsOptionsFor(endpoint), describeConnectError: describeTlsFailure } });
  }
}
