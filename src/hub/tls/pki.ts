import { webcrypto, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
// @peculiar/x509 resolves its ASN.1 types through tsyringe, which needs the Reflect metadata polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

// A private certificate authority for stores that have no other: one CA (10 years) and a
// server certificate signed by it (about 2 years, under the 825-day limit clients enforce),
// both ECDSA P-256, made with @peculiar/x509 (decision 0006) over Node's WebCrypto. The CA's
// SHA-256 fingerprint is what registers pin at enrollment.

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;
export const CA_DAYS = 3650;
export const SERVER_DAYS = 800;

export interface IssuedPair {
  /** PEM certificate (the server's is followed by the CA, so clients get the whole chain). */
  certPem: string;
  /** PKCS#8 PEM private key. */
  keyPem: string;
  /** SHA-256 of the certificate's DER, as registers pin it: `sha256:<64 hex>`. */
  fingerprint: string;
}

const serial = (): string => {
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = b[0]! & 0x7f; // positive
  return Buffer.from(b).toString('hex');
};

async function keyPem(keys: CryptoKeyPair): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

/** `sha256:<hex>` of the first certificate in a PEM text. */
export function certFingerprint(pem: string | Buffer): string {
  return `sha256:${new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase()}`;
}

/** Every certificate in a PEM bundle, in order. */
export function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

export async function makeCa(o: { name: string; now?: Date }): Promise<IssuedPair> {
  const now = o.now ?? new Date();
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${escapeDn(o.name)}, O=Tillstream private CA`,
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(now.getTime() + CA_DAYS * DAY),
    signingAlgorithm: ALG,
    keys: keys as CryptoKeyPair,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as CryptoKey),
    ],
  });
  const certPem = cert.toString('pem');
  return { certPem: `${certPem}\n`, keyPem: await keyPem(keys as CryptoKeyPair), fingerprint: certFingerprint(certPem) };
}

/** A server certificate for `names` (DNS names and IP addresses), signed by the CA. */
export async function makeServerCert(o: { ca: { certPem: string; keyPem: string }; names: readonly string[]; now?: Date }): Promise<IssuedPair> {
  if (o.names.length === 0) throw new Error('a server certificate needs at least one host name or address');
  const now = o.now ?? new Date();
  const caCert = new x509.X509Certificate(splitPem(o.ca.certPem)[0]!);
  const caKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(o.ca.keyPem), ALG, false, ['sign']);
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const sans = o.names.map((n) => (isIP(n.replace(/^\[|\]$/g, '')) ? { type: 'ip' as const, value: n.replace(/^\[|\]$/g, '') } : { type: 'dns' as const, value: n }));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${escapeDn(o.names[0]!)}`,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(Math.min(now.getTime() + SERVER_DAYS * DAY, caCert.notAfter.getTime())),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey as CryptoKey,
    signingKey: caKey as CryptoKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(sans),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as CryptoKey),
    ],
  });
  const leaf = cert.toString('pem');
  return { certPem: `${leaf}\n${splitPem(o.ca.certPem)[0]!}\n`, keyPem: await keyPem(keys as CryptoKeyPair), fingerprint: certFingerprint(leaf) };
}

function escapeDn(s: string): string {
  if (!/^[\x20-\x7e]{1,64}$/.test(s)) throw new Error(`name must be 1–64 printable ASCII characters: ${JSON.stringify(s)}`);
  return s.replace(/([,+"\\<>;=])/g, '\\$1');
}
