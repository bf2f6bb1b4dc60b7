import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { batchSignatureMismatch, devicePublicKeySchema, signedBatchText, type BatchSignature } from '../../core/protocol';

// Device keys on the hub: the public key a register sent at enrollment (kept on its
// credential) and the check of each batch's signature before anything of it is applied.

/** A batch whose signature is missing, wrong, or not by this credential's key: the whole push is refused (error BAD_SIGNATURE). */
export class SignatureError extends Error {
  readonly code = 'BAD_SIGNATURE';
}

/** The key as node:crypto holds it, or an Error saying why the text is not an Ed25519 public key. */
export function parseDevicePublicKey(text: string): KeyObject | Error {
  if (!devicePublicKeySchema.safeParse(text).success) return new Error('public_key must be an Ed25519 public key: base64 of its DER SubjectPublicKeyInfo (60 characters)');
  try {
    const key = createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') return new Error(`public_key is ${key.asymmetricKeyType ?? 'not'} an Ed25519 key`);
    return key;
  } catch (err) {
    return new Error(`public_key does not parse: ${(err as Error).message}`);
  }
}

export function publicKeyPem(text: string): string {
  const key = parseDevicePublicKey(text);
  if (key instanceof Error) throw key;
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

/** True when `sig` is a valid Ed25519 signature by `publicKey` of the batch text it claims. */
export function signatureValid(publicKey: string, terminalId: string, sig: Pick<BatchSignature, 'first_seq' | 'last_seq' | 'head_hash' | 'sig'>): boolean {
  const key = parseDevicePublicKey(publicKey);
  if (key instanceof Error) return false;
  const bytes = Buffer.from(sig.sig, 'base64');
  if (bytes.length !== 64) return false;
  try {
    return verify(null, Buffer.from(signedBatchText(terminalId, sig.first_seq, sig.last_seq, sig.head_hash), 'utf8'), key, bytes);
  } catch {
    return false;
  }
}

export interface SignedBatch {
  signature: BatchSignature;
  credential_id: number;
}

/** What a batch's signature is checked against: its credential's key and its store's rule. */
export type DeviceKeyRow = {
  public_key: string | null;
  require_signatures: boolean | null;
};

/**
 * What a batch of a credential with a device key must carry, checked without the key and
 * without the database: a signature, naming the batch's seq range and its last event's hash.
 * Throws the SignatureError verifyBatchSignature throws for the same batch. The socket runs it
 * before the batch is hashed or its payloads parsed (a forged batch costs little); a signature
 * that passes is verified with the key in the batch's transaction.
 */
export function checkSignedBatchClaims(
  ctx: { terminal_id: string },
  events: ReadonlyArray<{ seq: number; hash: string }>,
  signature: BatchSignature | undefined,
): asserts signature is BatchSignature {
  if (!signature) throw new SignatureError(`${ctx.terminal_id} enrolled a device key: every events.push must carry its signature`);
  const mismatch = batchSignatureMismatch(signature, events);
  if (mismatch) throw new SignatureError(`signature does not match the batch: ${mismatch}`);
}

/**
 * Checks a register's batch against its credential's key before anything of it is applied. A
 * credential with a key must sign every batch; one without may send unsigned batches unless
 * its store requires signatures (a signature it sends is then ignored: there is nothing to
 * check it against). Returns what to keep with the applied events, or null for an unsigned
 * legacy batch; throws SignatureError. Ingest calls it with the row it reads with the
 * terminal's lock (ingest.ts readHead), so the check costs no round trip of its own.
 */
export function verifyBatchSignature(
  cred: DeviceKeyRow | undefined,
  ctx: { terminal_id: string; credential_id: number },
  events: ReadonlyArray<{ seq: number; hash: string }>,
  signature: BatchSignature | undefined,
): SignedBatch | null {
  const key = cred?.public_key ?? null;
  if (!key) {
    if (cred?.require_signatures) throw new SignatureError(`store requires device-signed batches and ${ctx.terminal_id} was enrolled without a device key: enroll it again`);
    return null;
  }
  checkSignedBatchClaims(ctx, events, signature);
  if (!signatureValid(key, ctx.terminal_id, signature)) {
    throw new SignatureError(`signature of seqs ${signature.first_seq}-${signature.last_seq} does not verify with the device key of this credential (forged, or signed by another or a revoked device's key)`);
  }
  return { signature, credential_id: ctx.credential_id };
}

