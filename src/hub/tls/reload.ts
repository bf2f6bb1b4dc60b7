import { readFileSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { createSecureContext, type Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import { certFingerprint, splitPem } from './pki';

// The hub's certificate and key, read from the files named in its config and swapped into
// the running server with server.setSecureContext() when they change: a renewed certificate
// takes effect for the next handshake, and the registers already connected keep their
// sockets (a TLS session is never renegotiated). A pair that does not load (half-written,
// key and certificate not matching) is refused and the old one stays.

export interface TlsFileNames {
  certFile: string;
  keyFile: string;
  caFile?: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  /** What registers pin (`sha256:<hex>`): the CA file's certificate, else the last certificate of the chain (the issuer, or a self-signed server certificate). */
  pin: string;
}

export class TlsConfigError extends Error {}

export function readTlsMaterial(files: TlsFileNames): TlsMaterial {
  const read = (file: string, what: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new TlsConfigError(`tls.${what}: cannot read ${file}: ${(err as Error).message}`);
    }
  };
  const cert = read(files.certFile, 'certFile');
  const key = read(files.keyFile, 'keyFile');
  const ca = files.caFile ? read(files.caFile, 'caFile') : undefined;
  try {
    // Throws on unparsable PEM and on a key that does not belong to the certificate.
    createSecureContext({ cert, key, ...(ca ? { ca } : {}) });
  } catch (err) {
    throw new TlsConfigError(`tls: ${files.certFile} and ${files.keyFile} do not load as a certificate and its key: ${(err as Error).message}`);
  }
  const chain = splitPem(cert.toString('utf8'));
  if (chain.length === 0) throw new TlsConfigError(`tls.certFile: ${files.certFile} holds no PEM certificate`);
  const anchor = ca ? splitPem(ca.toString('utf8'))[0] : chain[chain.length - 1];
  if (!anchor) throw new TlsConfigError(`tls.caFile: ${files.caFile} holds no PEM certificate`);
  return { cert, key, ...(ca ? { ca } : {}), pin: certFingerprint(anchor) };
}

export class TlsReloader {
  private material: TlsMaterial;
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly server: TlsServer,
    private readonly files: TlsFileNames,
    initial: TlsMaterial,
    private readonly log: Logger,
    private readonly debounceMs = 250,
  ) {
    this.material = initial;
  }

  get pin(): string {
    return this.material.pin;
  }

  /** Watches the folders of the files (renames and rewrites both show up there). */
  start(): void {
    const byDir = new Map<string, Set<string>>();
    for (const f of [this.files.certFile, this.files.keyFile, this.files.caFile]) {
      if (!f) continue;
      const dir = path.dirname(path.resolve(f));
      byDir.set(dir, (byDir.get(dir) ?? new Set()).add(path.basename(f)));
    }
    for (const [dir, names] of byDir) {
      try {
        const w = watch(dir, { persistent: false }, (_ev, name) => {
          if (name === null || names.has(String(name))) this.schedule();
        });
        w.on('error', (err) => this.log.warn({ err, dir }, 'tls: watching the certificate folder failed; reload with SIGHUP'));
        this.watchers.push(w);
      } catch (err) {
        this.log.warn({ err, dir }, 'tls: cannot watch the certificate folder; reload with SIGHUP');
      }
    }
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    // Certificate and key are usually written one after the other: wait for both.
    this.timer = setTimeout(() => {
      this.timer = null;
      this.reload();
    }, this.debounceMs);
    this.timer.unref();
  }

  /** Loads the files now; true when the server took a new certificate. */
  reload(): boolean {
    let next: TlsMaterial;
    try {
      next = readTlsMaterial(this.files);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'tls: new certificate refused; the server keeps the one it has');
      return false;
    }
    if (next.cert.equals(this.material.cert) && next.key.equals(this.material.key) && (next.ca?.equals(this.material.ca ?? Buffer.alloc(0)) ?? !this.material.ca)) return false;
    this.server.setSecureContext({ cert: next.cert, key: next.key, ...(next.ca ? { ca: next.ca } : {}) });
    this.material = next;
    this.log.info({ certFile: this.files.certFile, pin: next.pin }, 'tls: certificate reloaded');
    return true;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers.splice(0)) w.close();
  }
}
