import { X509Certificate } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import tls, { type PeerCertificate } from 'node:tls';

// How a register reaches its hub, and what it trusts there. The link crosses the internet,
// so the rule is: https with the certificate pinned at enrollment (the CA's or a self-signed
// server certificate's SHA-256 fingerprint, delivered with the enrollment code), or a
// loopback address (the demo, a hub on the same machine). Anything else — plain http:// to
// another host, or https:// with no pin — is refused unless store IT sets `insecure`, which
// the Store IT screen then shows in red.
//
// The pinned certificate itself (its PEM, fetched once at enrollment and checked against the
// pin) becomes the only trust anchor of every connection: OpenSSL then refuses any chain that
// does not lead to it, and the fingerprint is checked again on every handshake.

export interface HubEndpoint {
  url: string;
  /** PEM of the pinned certificate (the trust anchor), written at enrollment. */
  ca?: string;
  /** `sha256:<64 hex>` of the pinned certificate. */
  pin?: string;
  /** Store IT's explicit choice to skip the rules above (shown in red on the Store IT screen). */
  insecure?: boolean;
}

export class HubTrustError extends Error {
  constructor(
    readonly code: 'INSECURE_URL' | 'NO_PIN' | 'BAD_PIN' | 'PIN_MISMATCH' | 'TLS_REFUSED',
    message: string,
  ) {
    super(message);
    this.name = 'HubTrustError';
  }
}

/** localhost, 127.0.0.0/8 and ::1: the only hosts reached without a pin. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/** `sha256:<64 lower hex>` from what store IT typed (colons, spaces and case do not matter). */
export function normalizePin(input: string): string {
  const hex = input.trim().replace(/^sha256[:/]/i, '').replace(/[:\s]/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new HubTrustError('BAD_PIN', `not a SHA-256 certificate fingerprint: ${JSON.stringify(input.slice(0, 120))} (expected sha256: and 64 hex digits)`);
  return `sha256:${hex}`;
}

export const fingerprintOf = (der: Buffer): string => `sha256:${new X509Certificate(der).fingerprint256.replace(/:/g, '').toLowerCase()}`;

/**
 * The reason this endpoint may not be used, or null. Checked at enrollment (before the code
 * is sent; the pinned certificate is not fetched yet), at config load and by the sync client.
 */
export function hubEndpointProblem(e: HubEndpoint, stage: 'enroll' | 'connect' = 'connect'): HubTrustError | null {
  let u: URL;
  try {
    u = new URL(e.url);
  } catch {
    return new HubTrustError('INSECURE_URL', `hub address is not a URL: ${e.url}`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return new HubTrustError('INSECURE_URL', `hub address must be https:// (or http:// on loopback), got ${u.protocol}`);
  if (e.pin !== undefined) {
    try {
      normalizePin(e.pin);
    } catch (err) {
      return err as HubTrustError;
    }
  }
  if (e.insecure || isLoopbackHost(u.hostname)) return null;
  if (u.protocol === 'http:') {
    return new HubTrustError('INSECURE_URL', `plain http:// to ${u.hostname} is refused: the link to the hub crosses the network, use https:// with the pin from the enrollment code (or store IT passes --insecure)`);
  }
  if (e.pin && !e.ca && stage === 'connect') return new HubTrustError('NO_PIN', `the pinned certificate for ${u.hostname} is missing from the config: enroll again with the pin`);
  if (!e.pin) return new HubTrustError('NO_PIN', `no pinned certificate for ${u.hostname}: enroll with the pin from the enrollment code (--pin sha256:…), or store IT passes --insecure`);
  return null;
}

export function assertHubEndpoint(e: HubEndpoint, stage: 'enroll' | 'connect' = 'connect'): void {
  const p = hubEndpointProblem(e, stage);
  if (p) throw p;
}

/** Every certificate the server presented, leaf first (the chain as OpenSSL built it). */
function presentedChain(leaf: PeerCertificate): PeerCertificate[] {
  const out: PeerCertificate[] = [];
  let c: tls.DetailedPeerCertificate | undefined = leaf as tls.DetailedPeerCertificate;
  for (let i = 0; c && i < 10; i++) {
    out.push(c);
    if (!c.issuerCertificate || c.issuerCertificate === c) break;
    c = c.issuerCertificate;
  }
  return out;
}

function pinProblem(leaf: PeerCertificate, pin: string): Error | undefined {
  const seen = presentedChain(leaf).map((c) => (c.raw ? fingerprintOf(c.raw) : null)).filter((f): f is string => f !== null);
  if (seen.includes(pin)) return undefined;
  return new HubTrustError('PIN_MISMATCH', `the hub's certificate is not the one pinned at enrollment (pinned ${pin}; the hub presented ${seen.join(', ') || 'no certificate'})`);
}

/** Options for socket.io-client / https.request that enforce the endpoint's trust. */
export function tlsOptionsFor(e: HubEndpoint): { ca?: string[]; rejectUnauthorized: boolean; checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined } {
  const u = new URL(e.url);
  if (u.protocol !== 'https:') return { rejectUnauthorized: true };
  if (e.ca && e.pin) {
    const pin = normalizePin(e.pin);
    return {
      ca: [e.ca],
      rejectUnauthorized: true,
      // Host name as usual (the certificate names the hub), then the pin on every handshake.
      checkServerIdentity: (host, cert) => tls.checkServerIdentity(host, cert) ?? pinProblem(cert, pin),
    };
  }
  return { rejectUnauthorized: !e.insecure };
}

const TLS_REASONS: Record<string, string> = {
  SELF_SIGNED_CERT_IN_CHAIN: 'its certificate chain does not lead to the certificate pinned at enrollment',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'it presented a self-signed certificate that is not the one pinned at enrollment',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its certificate was not issued by the certificate pinned at enrollment',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its certificate was not issued by the certificate pinned at enrollment',
  UNABLE_TO_GET_ISSUER_CERT: 'its certificate was not issued by the certificate pinned at enrollment',
  CERT_HAS_EXPIRED: 'its certificate has expired',
  CERT_NOT_YET_VALID: 'its certificate is not valid yet (check the clocks)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate does not name this host',
};

/** Says why a connection failed when TLS refused it (the cause of socket.io's "websocket error"). */
export function describeTlsFailure(err: unknown): string | null {
  const seen = new Set<unknown>();
  let e: unknown = err;
  for (let i = 0; e && typeof e === 'object' && i < 6 && !seen.has(e); i++) {
    seen.add(e);
    const o = e as { code?: unknown; message?: unknown; error?: unknown; description?: unknown; cause?: unknown };
    if (e instanceof HubTrustError) return `refusing the hub: ${e.message}`;
    if (typeof o.code === 'string' && TLS_REASONS[o.code]) return `refusing the hub: ${TLS_REASONS[o.code]} (${o.code})`;
    e = o.error ?? o.description ?? o.cause;
  }
  return null;
}

/**
 * Connects once without trusting anything, sends nothing, and returns the PEM of the
 * certificate in the hub's chain whose fingerprint is the pin: the trust anchor from then on.
 */
export async function fetchPinnedCertificate(url: string, pinInput: string, timeoutMs = 10_000): Promise<string> {
  const pin = normalizePin(pinInput);
  const u = new URL(url);
  if (u.protocol !== 'https:') throw new HubTrustError('INSECURE_URL', `a pin needs an https:// hub address, got ${u.protocol}`);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const chain = await new Promise<PeerCertificate[]>((resolve, reject) => {
    const sock = tls.connect({ host, port: Number(u.port || 443), servername: isIP(host) ? undefined : host, rejectUnauthorized: false, timeout: timeoutMs });
    sock.once('secureConnect', () => {
      const c = presentedChain(sock.getPeerCertificate(true));
      sock.destroy();
      resolve(c);
    });
    sock.once('timeout', () => sock.destroy(new Error(`no TLS handshake with ${u.host} within ${timeoutMs} ms`)));
    sock.once('error', (err) => reject(new Error(`cannot reach the hub at ${u.origin}: ${err.message}`, { cause: err })));
  });
  for (const c of chain) {
    if (c.raw && fingerprintOf(c.raw) === pin) return new X509Certificate(c.raw).toString();
  }
  throw new HubTrustError('PIN_MISMATCH', `the hub at ${u.host} presented ${chain.map((c) => (c.raw ? fingerprintOf(c.raw) : '?')).join(', ')}, none of them the pin ${pin}: wrong hub, or something in between`);
}

/** One JSON request to the hub under the endpoint's trust (enrollment). */
export async function hubJsonRequest(e: HubEndpoint & { token?: string }, method: 'GET' | 'POST', pathname: string, body: unknown, timeoutMs = 15_000): Promise<{ status: number; body: unknown }> {
  assertHubEndpoint(e);
  const u = new URL(pathname, e.url);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      u,
      {
        method,
        timeout: timeoutMs,
        headers: { accept: 'application/json', ...(e.token ? { authorization: `Bearer ${e.token}` } : {}), ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}) },
        ...(u.protocol === 'https:' ? tlsOptionsFor(e) : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > 64 * 1024 * 1024) req.destroy(new Error('hub answer over 64 MiB'));
          else chunks.push(c);
        });
        res.on('end', () => {
          let parsed: unknown = null;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            // non-JSON answers (a proxy's error page) are reported by status
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${u.origin} within ${timeoutMs} ms`)));
    req.on('error', (err) => reject(new Error(describeTlsFailure(err) ?? `cannot reach the hub at ${u.origin}: ${err.message}`, { cause: err })));
    req.end(payload);
  });
}
