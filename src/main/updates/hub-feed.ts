import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders, RequestOptions } from 'node:http';
import https from 'node:https';
import http from 'node:http';
import { configureRequestOptions, configureRequestUrl, HttpExecutor, type DownloadOptions } from 'builder-util-runtime';
import { hubEndpointProblem, tlsOptionsFor, type HubEndpoint } from '../../sync';

// The register reads its updates from its own hub (src/hub/lifecycle/updates.ts): the feed
// (latest*.yml) and the files answer only to the terminal's credential, and the link is the
// same pinned TLS as the sync link (a private CA from `hub tls init` is not in Chromium's
// store, so electron-updater's default Electron `net` executor would refuse the hub). This
// executor is electron-updater's HTTP door (builder-util-runtime's HttpExecutor) over Node's
// https with the enrollment pin, and it talks to the hub's origin only: a redirect or a file
// URL pointing anywhere else is refused before a byte is sent. electron-updater still does
// everything else itself: parses the feed, downloads, checks the file's sha512.

export interface HubFeed extends HubEndpoint {
  /** The terminal's credential from enrollment. */
  token: string;
}

export class HubHttpExecutor extends HttpExecutor<ClientRequest> {
  private readonly origin: URL;
  private readonly tls: ReturnType<typeof tlsOptionsFor>;

  constructor(private readonly feed: HubFeed) {
    super();
    const problem = hubEndpointProblem(feed);
    if (problem) throw problem;
    this.origin = new URL(feed.url);
    this.tls = tlsOptionsFor(feed);
  }

  createRequest(options: RequestOptions, callback: (response: IncomingMessage) => void): ClientRequest {
    const protocol = options.protocol ?? this.origin.protocol;
    const host = String(options.hostname ?? options.host ?? '').replace(/^\[|\]$/g, '');
    const port = String(options.port ?? (protocol === 'https:' ? 443 : 80));
    const want = this.origin.hostname.replace(/^\[|\]$/g, '');
    const wantPort = this.origin.port || (this.origin.protocol === 'https:' ? '443' : '80');
    if (protocol !== this.origin.protocol || host !== want || port !== wantPort) {
      throw new Error(`update request to ${protocol}//${host}:${port} refused: the register only fetches updates from its hub ${this.origin.origin}`);
    }
    // A connection per request (checks are hourly): electron-updater adds a timeout listener to
    // the socket of every request, which piles up on a kept-alive socket.
    return protocol === 'https:' ? https.request({ ...options, ...this.tls, agent: false }, callback) : http.request({ ...options, agent: false }, callback);
  }

  /** What electron-updater calls to fetch an update file (its sha512 is checked while it streams). */
  async download(url: URL, destination: string, options: DownloadOptions): Promise<string> {
    return options.cancellationToken.createPromise<string>((resolve, reject, onCancel) => {
      const requestOptions: RequestOptions = { headers: (options.headers ?? undefined) as RequestOptions['headers'] };
      configureRequestUrl(url, requestOptions);
      configureRequestOptions(requestOptions);
      this.doDownload(requestOptions, { destination, options, onCancel, callback: (err) => (err ? reject(err) : resolve(destination)), responseHandler: null }, 0);
    });
  }
}

/** The part of electron-updater's AppUpdater the hub feed sets. */
export interface HubFeedTarget {
  requestHeaders: OutgoingHttpHeaders | null;
  disableDifferentialDownload: boolean;
  setFeedURL(options: { provider: 'generic'; url: string; useMultipleRangeRequest?: boolean }): void;
}

/** The hub's feed URL for a hub address: <hub>/updates/. */
export function hubFeedUrl(hubUrl: string): string {
  return new URL('/updates/', hubUrl).toString();
}

/**
 * Points an electron-updater AppUpdater at the hub: the pinned executor (set before the feed,
 * because the provider captures the executor when it is created) and the credential on every
 * request (electron-updater then also stops adding its cache-busting query).
 */
export function attachHubFeed(updater: HubFeedTarget, feed: HubFeed): void {
  if (!/^[A-Za-z0-9._~+/=-]{16,512}$/.test(feed.token)) throw new Error('update feed: the terminal credential is missing or malformed');
  (updater as unknown as { httpExecutor: HttpExecutor<ClientRequest> }).httpExecutor = new HubHttpExecutor(feed);
  updater.requestHeaders = { authorization: `Bearer ${feed.token}` };
  // The hub sends whole files (no byte ranges): no blockmap-based differential downloads.
  updater.disableDifferentialDownload = true;
  updater.setFeedURL({ provider: 'generic', url: hubFeedUrl(feed.url), useMultipleRangeRequest: false });
}
