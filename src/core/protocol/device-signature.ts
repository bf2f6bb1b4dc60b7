import { z } from 'zod';

// Device-signed chain (issue 15, docs/sync-protocol.md 4.2a). At enrollment a register
// creates its own Ed25519 key pair and sends the public key; from then on it signs each
// events.push batch: the signature covers the batch's seq range and the hash of its last
// event, which through the prev_hash links commits to every event before it. The hub
// verifies it before applying anything and keeps it, so the chain it holds proves which
// device wrote it. Pure text and schemas here; the crypto is the runtime's (node:crypto,
// WebCrypto), as Ed25519 is standard in both and in OpenSSL.

export const SIGNATURE_ALG = 'ed25519';
/** First line of every signed text: names what is signed and its version. */
export const SIGNED_BATCH_PREFIX = 'tillstream-batch-v1';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/** Ed25519 public key as base64 of its DER SubjectPublicKeyInfo (44 bytes: always 60 characters, starting "MCowBQYDK2VwAyEA"). */
export const devicePublicKeySchema = z
  .string()
  .regex(/^MCowBQYDK2VwAyEA[A-Za-z0-9+/]{43}=$/)
  .describe('Ed25519 public key: base64 of its DER SubjectPublicKeyInfo (60 characters)');

export const batchSignatureSchema = z.object({
  alg: z.literal(SIGNATURE_ALG),
  /** The lowest and highest seq of the batch's events. */
  first_seq: z.number().int().min(1),
  last_seq: z.number().int().min(1),
  /** The `hash` of the event at last_seq. */
  head_hash: hex64,
  /** Ed25519 signature (64 bytes) of signedBatchText(...), base64. */
  sig: z.string().regex(/^[A-Za-z0-9+/]{86}==$/),
});
export type BatchSignature = z.infer<typeof batchSignatureSchema>;

/**
 * The exact text a register signs for a batch (UTF-8, lines joined by "\n", no trailing
 * newline): `tillstream-batch-v1`, terminal_id, first_seq, last_seq, head_hash.
 */
export function signedBatchText(terminalId: string, firstSeq: number, lastSeq: number, headHash: string): string {
  return [SIGNED_BATCH_PREFIX, terminalId, String(firstSeq), String(lastSeq), headHash].join('\n');
}

/** What is wrong with a signature's claims about a batch (not the cryptography), or null. */
export function batchSignatureMismatch(sig: BatchSignature, events: ReadonlyArray<{ seq: number; hash: string }>): string | null {
  if (events.length === 0) return 'the batch has no events';
  let first = events[0]!;
  let last = events[0]!;
  for (const e of events) {
    if (e.seq < first.seq) first = e;
    if (e.seq > last.seq) last = e;
  }
  if (sig.first_seq !== first.seq || sig.last_seq !== last.seq) return `the signature covers seqs ${sig.first_seq}-${sig.last_seq}, the batch is ${first.seq}-${last.seq}`;
  if (sig.head_hash !== last.hash) return `the signature is for head hash ${sig.head_hash.slice(0, 12)}…, the batch's last event has ${last.hash.slice(0, 12)}…`;
  return null;
}
