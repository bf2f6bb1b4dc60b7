import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { makeCa, makeServerCert, certFingerprint } from './pki';

// `tillstream hub tls init`: the files a hub needs for HTTPS when the store has no other CA.
// The CA key stays with store IT (it signs the next server certificate); the hub needs only
// server.pem (certificate + CA chain) and server-key.pem.

export interface TlsInitResult {
  dir: string;
  caCert: string;
  caKey: string;
  cert: string;
  key: string;
  /** What registers pin: the CA's fingerprint. */
  pin: string;
  /** True when the CA already existed and only the server certificate was (re)issued. */
  reusedCa: boolean;
}

export const DEFAULT_TLS_NAMES = (): string[] => [...new Set(['localhost', '127.0.0.1', '::1', hostname()])];

export async function tlsInit(o: { dir: string; names?: string[]; caName?: string; force?: boolean }): Promise<TlsInitResult> {
  const dir = path.resolve(o.dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const f = { caCert: path.join(dir, 'ca.pem'), caKey: path.join(dir, 'ca-key.pem'), cert: path.join(dir, 'server.pem'), key: path.join(dir, 'server-key.pem') };
  if (existsSync(f.cert) && !o.force) throw new Error(`${f.cert} exists: pass --force to issue a new server certificate (the CA is kept, so registers keep their pin)`);
  const reusedCa = existsSync(f.caCert) && existsSync(f.caKey);
  const ca = reusedCa
    ? { certPem: readFileSync(f.caCert, 'utf8'), keyPem: readFileSync(f.caKey, 'utf8') }
    : await makeCa({ name: o.caName ?? `Tillstream hub CA ${hostname().slice(0, 40)}` });
  if (!reusedCa) {
    writeFileSync(f.caKey, ca.keyPem, { mode: 0o600 });
    writeFileSync(f.caCert, ca.certPem, { mode: 0o644 });
  }
  const server = await makeServerCert({ ca, names: o.names?.length ? o.names : DEFAULT_TLS_NAMES() });
  // Key first, then the certificate: a hub watching the folder reloads once both are there.
  writeFileSync(f.key, server.keyPem, { mode: 0o600 });
  writeFileSync(f.cert, server.certPem, { mode: 0o644 });
  return { dir, ...f, pin: certFingerprint(ca.certPem), reusedCa };
}
