import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

// The register's device key (Node): an Ed25519 key pair made at enrollment. The public half
// goes to the hub with the enrollment code; the private half stays in the register's config
// (mode 0600, beside its credential) and signs every batch it uploads
// (core/protocol/device-signature.ts says exactly what is signed).

export interface DeviceKeyPair {
  /** base64 of the DER SubjectPublicKeyInfo: what POST /api/enroll takes as public_key. */
  publicKey: string;
  /** PKCS#8 PEM: what the register keeps. */
  privateKeyPem: string;
}

export function createDeviceKey(): DeviceKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** A signer for SyncClient: the base64 Ed25519 signature of a text (UTF-8). */
export function deviceSigner(privateKeyPem: string): (text: string) => string {
  const key: KeyObject = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`device key is ${key.asymmetricKeyType ?? 'unknown'}, not Ed25519`);
  return (text) => sign(null, Buffer.from(text, 'utf8'), key).toString('base64');
}
