import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { canonicalJson, GENESIS_HASH, JOURNAL_SCHEMA_VERSION, signedBatchText } from '../../core/protocol';

// Node's SHA-256 (core's pure one is the reference; this walks whole chains).
const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
import type { Queryable } from '../db/db';
import { publicKeyPem, signatureValid } from './device-keys';

// The hub's copy of a terminal's chain, checked (`tillstream audit verify`) and exported for
// an auditor (`tillstream audit export`, checkable with openssl alone: docs/audit.md).
//
// What is checked, seq by seq from the first asked for: seqs gap-free; each prev_hash equal
// to the previous event's hash; each applied event's hash recomputed from its stored content;
// each kept device signature valid for its key, made while that key's credential was live,
// and naming the hash the hub holds at its last seq; and, from the first signed batch on,
// every event inside some signed range (an event the hub holds that no device signed was not
// written by ingest). A rejected event is a link by the hash it claimed: its content may be
// what got it rejected, and its own rejection (CHAIN_BROKEN, HASH_MISMATCH) was recorded then.

const PAGE = 2000;

interface StoredEvent {
  seq: number;
  event_id: string;
  status: 'applied' | 'rejected';
  rejection_code: string | null;
  prev_hash: string;
  hash: string;
  /** The exact text whose SHA-256 is `hash` (applied events), else null. */
  hash_input: string | null;
  /** Why hash_input is null for an applied event, or a content problem. */
  problem: string | null;
}

interface StoredSignature {
  first_seq: number;
  last_seq: number;
  head_hash: string;
  signature: string;
  credential_id: number;
  received_at: string;
  public_key: string | null;
  revoked_at: string | null;
}

export interface ChainBreak {
  seq: number;
  what: string;
}

export interface ChainReport {
  terminal_id: string;
  from: number;
  to: number;
  events: number;
  rejected: number;
  signatures: number;
  /** Highest seq a valid device signature covers (through the chain), 0 when none. */
  signed_through: number;
  /** Events before the first signed batch (registers enrolled without a device key). */
  unsigned: number;
  /** Pushes the hub refused for their signature (BAD_SIGNATURE in the sync audit log): forged or by a retired key; nothing of them was applied. */
  refused_signatures: number;
  breaks: ChainBreak[];
}

/** Two ISO forms a register may have sealed occurred_at in (the hub keeps a timestamptz). */
const OCCURRED_FORMS = [`'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`, `'YYYY-MM-DD"T"HH24:MI:SS"Z"'`];

async function eventPage(db: Queryable, terminalId: string, from: number, to: number): Promise<StoredEvent[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT * FROM (
       SELECT seq::text AS seq, event_id::text AS event_id, 'applied' AS status, NULL AS code, store_id, type,
              to_char(occurred_at AT TIME ZONE 'UTC', ${OCCURRED_FORMS[0]}) AS occ_ms, to_char(occurred_at AT TIME ZONE 'UTC', ${OCCURRED_FORMS[1]}) AS occ_s,
              payload, prev_hash, hash
         FROM journal_events WHERE terminal_id = $1 AND seq BETWEEN $2 AND $3
       UNION ALL
       SELECT seq::text, event_id, 'rejected', code, event->>'store_id', event->>'type', event->>'occurred_at', NULL, event->'payload', event->>'prev_hash', event->>'hash'
         FROM event_rejections WHERE terminal_id = $1 AND seq BETWEEN $2 AND $3
     ) x ORDER BY seq::bigint`,
    [terminalId, from, to],
  );
  return rows.map((r) => {
    const seq = Number(r.seq);
    const base = { seq, event_id: String(r.event_id), prev_hash: String(r.prev_hash ?? ''), hash: String(r.hash ?? '') };
    if (r.status === 'rejected') return { ...base, status: 'rejected', rejection_code: String(r.code), hash_input: null, problem: null };
    // The body as the register hashed it; jsonb keeps the values, canonical JSON the order.
    let input: string | null = null;
    let problem: string | null = null;
    for (const occurred of [r.occ_ms, r.occ_s]) {
      const body = { version: JOURNAL_SCHEMA_VERSION, terminal_id: terminalId, store_id: r.store_id, seq, event_id: base.event_id, type: r.type, occurred_at: occurred, payload: r.payload };
      try {
        const candidate = `${base.prev_hash}\n${canonicalJson(body)}`;
        if (sha256Hex(candidate) === base.hash) {
          input = candidate;
          break;
        }
        problem = `its stored content hashes to ${sha256Hex(candidate).slice(0, 12)}…, not to its hash ${base.hash.slice(0, 12)}…`;
      } catch (err) {
        problem = `its stored content cannot be hashed: ${(err as Error).message}`;
      }
    }
    return { ...base, status: 'applied', rejection_code: null, hash_input: input, problem: input ? null : problem };
  });
}

async function signaturesOf(db: Queryable, terminalId: string, from: number, to: number): Promise<StoredSignature[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT b.first_seq::text AS first_seq, b.last_seq::text AS last_seq, b.head_hash, b.signature, b.credential_id::text AS credential_id, b.received_at,
            c.public_key, c.revoked_at
       FROM batch_signatures b LEFT JOIN credentials c ON c.credential_id = b.credential_id
      WHERE b.terminal_id = $1 AND b.last_seq >= $2 AND b.first_seq <= $3 ORDER BY b.last_seq`,
    [terminalId, from, to],
  );
  return rows.map((r) => ({
    first_seq: Number(r.first_seq),
    last_seq: Number(r.last_seq),
    head_hash: String(r.head_hash),
    signature: String(r.signature),
    credential_id: Number(r.credential_id),
    received_at: new Date(r.received_at as string).toISOString(),
    public_key: (r.public_key as string | null) ?? null,
    revoked_at: r.revoked_at ? new Date(r.revoked_at as string).toISOString() : null,
  }));
}

async function chainBounds(db: Queryable, terminalId: string): Promise<{ head: number; store_id: string } | null> {
  const { rows } = await db.query<{ applied_through: string; store_id: string }>(`SELECT applied_through::text AS applied_through, store_id FROM terminals WHERE terminal_id = $1`, [terminalId]);
  return rows[0] ? { head: Number(rows[0].applied_through), store_id: rows[0].store_id } : null;
}

/** Walks the stored chain from `from` to `to`, calling `each` per event (in seq order) after checking it. */
async function walk(
  db: Queryable,
  terminalId: string,
  from: number,
  to: number,
  each: (e: StoredEvent, breaks: ChainBreak[]) => void | Promise<void>,
): Promise<{ breaks: ChainBreak[]; events: number; rejected: number; hashes: Map<number, string> }> {
  const breaks: ChainBreak[] = [];
  let prevHash: string | null = from === 1 ? GENESIS_HASH : null;
  if (from > 1) {
    const before = await eventPage(db, terminalId, from - 1, from - 1);
    prevHash = before[0]?.hash ?? null;
  }
  let expected = from;
  let events = 0;
  let rejected = 0;
  // Only the hashes the signatures name are kept (one per batch), so memory stays bounded.
  const hashes = new Map<number, string>();
  const wanted = new Set((await signaturesOf(db, terminalId, from, to)).map((s) => s.last_seq));
  for (let at = from; at <= to; at += PAGE) {
    const page = await eventPage(db, terminalId, at, Math.min(to, at + PAGE - 1));
    for (const e of page) {
      if (e.seq !== expected) breaks.push({ seq: expected, what: e.seq < expected ? `seq ${e.seq} is held twice (applied and rejected)` : `seqs ${expected}-${e.seq - 1} are missing` });
      expected = e.seq + 1;
      events += 1;
      if (e.status === 'rejected') rejected += 1;
      const knownBreak = e.status === 'rejected' && (e.rejection_code === 'CHAIN_BROKEN' || e.rejection_code === 'HASH_MISMATCH');
      if (prevHash !== null && e.prev_hash !== prevHash && !knownBreak) {
        breaks.push({ seq: e.seq, what: `prev_hash ${e.prev_hash.slice(0, 12)}… does not link to seq ${e.seq - 1} (${prevHash.slice(0, 12)}…)` });
      }
      if (e.status === 'applied' && e.problem) breaks.push({ seq: e.seq, what: e.problem });
      if (wanted.has(e.seq)) hashes.set(e.seq, e.hash);
      prevHash = e.hash;
      await each(e, breaks);
    }
    if (page.length === 0) break;
  }
  if (expected <= to) breaks.push({ seq: expected, what: `seqs ${expected}-${to} are missing (the hub's mark is ${to})` });
  return { breaks, events, rejected, hashes };
}

function checkSignatures(terminalId: string, sigs: StoredSignature[], hashes: Map<number, string>, breaks: ChainBreak[]): { signed_through: number; first_signed: number | null } {
  let signedThrough = 0;
  for (const s of sigs) {
    const where = `batch ${s.first_seq}-${s.last_seq} (key #${s.credential_id})`;
    if (!s.public_key) breaks.push({ seq: s.last_seq, what: `${where}: the credential holds no device key` });
    else if (!signatureValid(s.public_key, terminalId, { first_seq: s.first_seq, last_seq: s.last_seq, head_hash: s.head_hash, sig: s.signature })) {
      breaks.push({ seq: s.last_seq, what: `${where}: the signature does not verify with the device key` });
    } else if (s.revoked_at && Date.parse(s.received_at) > Date.parse(s.revoked_at)) {
      breaks.push({ seq: s.last_seq, what: `${where}: received after the key was revoked (${s.revoked_at})` });
    } else if (hashes.has(s.last_seq) && hashes.get(s.last_seq) !== s.head_hash) {
      breaks.push({ seq: s.last_seq, what: `${where}: the device signed head hash ${s.head_hash.slice(0, 12)}…, the hub holds ${hashes.get(s.last_seq)!.slice(0, 12)}… (events up to ${s.last_seq} were changed after they were signed)` });
    } else if (!hashes.has(s.last_seq)) {
      breaks.push({ seq: s.last_seq, what: `${where}: the hub holds no event ${s.last_seq}` });
    } else signedThrough = Math.max(signedThrough, s.last_seq);
  }
  // From the first signed batch on, every event lies in a signed range.
  const sorted = [...sigs].sort((a, b) => a.first_seq - b.first_seq);
  let covered = sorted[0] ? sorted[0].first_seq - 1 : null;
  for (const s of sorted) {
    if (covered !== null && s.first_seq > covered + 1) breaks.push({ seq: covered + 1, what: `seqs ${covered + 1}-${s.first_seq - 1} lie between signed batches: no device signed them` });
    covered = Math.max(covered ?? 0, s.last_seq);
  }
  return { signed_through: signedThrough, first_signed: sorted[0]?.first_seq ?? null };
}

export async function verifyTerminalChain(db: Queryable, terminalId: string, range: { from?: number; to?: number } = {}): Promise<ChainReport> {
  const bounds = await chainBounds(db, terminalId);
  if (!bounds) throw new Error(`no terminal ${terminalId} at this hub`);
  const from = Math.max(1, range.from ?? 1);
  const to = Math.min(bounds.head, range.to ?? bounds.head);
  const { breaks, events, rejected, hashes } = await walk(db, terminalId, from, to, () => undefined);
  const sigs = await signaturesOf(db, terminalId, from, to);
  const { signed_through, first_signed } = checkSignatures(terminalId, sigs, hashes, breaks);
  // Unsigned tail: events after the last signature when the terminal signs (a key era) are a break.
  if (first_signed !== null && signed_through < to && sigs.length > 0) {
    const last = Math.max(...sigs.map((s) => s.last_seq));
    if (last < to) breaks.push({ seq: last + 1, what: `seqs ${last + 1}-${to} follow the last signed batch: no device signed them` });
  }
  breaks.sort((a, b) => a.seq - b.seq);
  const refused = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM sync_audit WHERE terminal_id = $1 AND kind = 'error' AND code = 'BAD_SIGNATURE'`, [terminalId]);
  return {
    terminal_id: terminalId,
    from,
    to,
    events,
    rejected,
    signatures: sigs.length,
    signed_through,
    unsigned: first_signed === null ? events : Math.max(0, first_signed - from),
    refused_signatures: Number(refused.rows[0]?.n ?? 0),
    breaks,
  };
}

export const EXPORT_FORMAT = 'tillstream-chain-export-v1';

/**
 * Writes a terminal's chain for an auditor into `dir` (docs/audit.md): manifest.json,
 * events.jsonl (each event's exact hash input), signatures.jsonl with signatures/<seq>.msg
 * (the exact signed bytes) and signatures/<seq>.sig (the raw 64-byte signature), and
 * keys/<key_id>.pem (each device public key). Everything is checkable with openssl.
 */
export async function exportTerminalChain(db: Queryable, terminalId: string, dir: string, range: { from?: number; to?: number } = {}): Promise<{ events: number; signatures: number; keys: number }> {
  const bounds = await chainBounds(db, terminalId);
  if (!bounds) throw new Error(`no terminal ${terminalId} at this hub`);
  const from = Math.max(1, range.from ?? 1);
  const to = Math.min(bounds.head, range.to ?? bounds.head);
  mkdirSync(path.join(dir, 'signatures'), { recursive: true });
  mkdirSync(path.join(dir, 'keys'), { recursive: true });
  const out = createWriteStream(path.join(dir, 'events.jsonl'));
  const write = async (line: string) => {
    if (!out.write(line)) await once(out, 'drain');
  };
  const { events } = await walk(db, terminalId, from, to, (e) =>
    write(`${JSON.stringify({ seq: e.seq, event_id: e.event_id, status: e.status, rejection_code: e.rejection_code, prev_hash: e.prev_hash, hash: e.hash, hash_input: e.hash_input })}\n`),
  );
  out.end();
  await once(out, 'finish');
  const sigs = await signaturesOf(db, terminalId, from, to);
  const lines: string[] = [];
  const keys = new Map<number, StoredSignature>();
  for (const s of sigs) {
    const name = String(s.last_seq).padStart(9, '0');
    writeFileSync(path.join(dir, 'signatures', `${name}.msg`), signedBatchText(terminalId, s.first_seq, s.last_seq, s.head_hash));
    writeFileSync(path.join(dir, 'signatures', `${name}.sig`), Buffer.from(s.signature, 'base64'));
    lines.push(JSON.stringify({ first_seq: s.first_seq, last_seq: s.last_seq, head_hash: s.head_hash, key_id: s.credential_id, received_at: s.received_at, message: `signatures/${name}.msg`, signature: `signatures/${name}.sig` }));
    keys.set(s.credential_id, s);
  }
  writeFileSync(path.join(dir, 'signatures.jsonl'), lines.length ? `${lines.join('\n')}\n` : '');
  const keyList = [];
  for (const [id, s] of [...keys].sort((a, b) => a[0] - b[0])) {
    if (!s.public_key) continue;
    writeFileSync(path.join(dir, 'keys', `${id}.pem`), publicKeyPem(s.public_key));
    keyList.push({ key_id: id, file: `keys/${id}.pem`, public_key: s.public_key, revoked_at: s.revoked_at });
  }
  const manifest = {
    format: EXPORT_FORMAT,
    terminal_id: terminalId,
    store_id: bounds.store_id,
    exported_at: new Date().toISOString(),
    from_seq: from,
    to_seq: to,
    genesis_hash: GENESIS_HASH,
    events: { file: 'events.jsonl', count: events },
    signatures: { file: 'signatures.jsonl', count: sigs.length },
    keys: keyList,
    procedure: 'docs/audit.md of Tillstream: sha256(hash_input) = hash, hash_input starts with prev_hash + "\\n", prev_hash = previous hash; openssl pkeyutl -verify -pubin -inkey keys/<key_id>.pem -rawin -in <message> -sigfile <signature>; the message\'s last line is the hash of the event at last_seq',
  };
  writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { events, signatures: sigs.length, keys: keyList.length };
}

export function formatChainReport(r: ChainReport): string {
  const head = `${r.terminal_id}: seqs ${r.from}-${r.to}, ${r.events} events (${r.rejected} rejected at ingest), ${r.signatures} signed batches, device-signed through seq ${r.signed_through}${r.unsigned ? `, ${r.unsigned} events before the first signed batch` : ''}`;
  const refused = r.refused_signatures ? `refused: ${r.refused_signatures} pushes with a bad signature (BAD_SIGNATURE: forged, or signed by another or a retired device key; nothing of them was applied; see tillstream audit log)\n` : '';
  if (r.breaks.length === 0) return `${head}\n${refused}chain ok\n`;
  const first = r.breaks[0]!;
  return `${head}\n${refused}first broken link: seq ${first.seq}: ${first.what}\n${r.breaks.length > 1 ? `(${r.breaks.length - 1} more problems after it)\n` : ''}`;
}
