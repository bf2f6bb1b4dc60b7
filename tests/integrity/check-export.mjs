#!/usr/bin/env node
// An auditor's check of `tillstream audit export`, written from docs/audit.md alone: it
// imports nothing of Tillstream (plain Node: fs, crypto, child_process) and checks every
// signature with the openssl command line. Usage: node check-export.mjs <export folder>
// Prints one JSON line { ok, events, signatures, problems } and exits 1 on any problem.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const dir = process.argv[2];
const problems = [];
const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
if (manifest.format !== 'tillstream-chain-export-v1') problems.push(`unknown format ${manifest.format}`);
const lines = readFileSync(path.join(dir, manifest.events.file), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const hashAt = new Map();
let prev = manifest.from_seq === 1 ? manifest.genesis_hash : null;
let expected = manifest.from_seq;
for (const e of lines) {
  if (e.seq !== expected) problems.push(`seq ${expected}: missing (found ${e.seq})`);
  expected = e.seq + 1;
  if (prev !== null && e.prev_hash !== prev && e.status === 'applied') problems.push(`seq ${e.seq}: prev_hash does not link`);
  if (e.status === 'applied') {
    // 1. The hash is the SHA-256 of the hash input, which starts with prev_hash and a line feed.
    if (!e.hash_input.startsWith(`${e.prev_hash}\n`)) problems.push(`seq ${e.seq}: hash input does not start with prev_hash`);
    if (createHash('sha256').update(e.hash_input, 'utf8').digest('hex') !== e.hash) problems.push(`seq ${e.seq}: sha256(hash_input) is not hash`);
    const body = JSON.parse(e.hash_input.slice(65));
    if (body.seq !== e.seq || body.event_id !== e.event_id || body.terminal_id !== manifest.terminal_id) problems.push(`seq ${e.seq}: body does not name this event`);
  }
  hashAt.set(e.seq, e.hash);
  prev = e.hash;
}
// The same SHA-256 with openssl for the first event, as the procedure shows it.
if (lines[0]?.hash_input) {
  const r = spawnSync('openssl', ['dgst', '-sha256', '-r'], { input: Buffer.from(lines[0].hash_input, 'utf8'), encoding: 'utf8' });
  if (r.stdout.split(' ')[0] !== lines[0].hash) problems.push(`openssl dgst disagrees on seq ${lines[0].seq}`);
}
// 2. Each signature: openssl verifies it with the device's public key; the signed text names
// this terminal, the batch's seqs and the hash the export holds at its last seq.
const sigs = readFileSync(path.join(dir, manifest.signatures.file), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const keys = new Map(manifest.keys.map((k) => [k.key_id, k]));
let verified = 0;
for (const s of sigs) {
  const key = keys.get(s.key_id);
  if (!key) {
    problems.push(`batch ${s.first_seq}-${s.last_seq}: key ${s.key_id} not in the export`);
    continue;
  }
  const r = spawnSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', path.join(dir, key.file), '-rawin', '-in', path.join(dir, s.message), '-sigfile', path.join(dir, s.signature)], { encoding: 'utf8' });
  if (r.status !== 0 || !/Signature Verified Successfully/.test(r.stdout)) problems.push(`batch ${s.first_seq}-${s.last_seq}: openssl: ${(r.stdout + r.stderr).trim()}`);
  else verified += 1;
  const text = readFileSync(path.join(dir, s.message), 'utf8').split('\n');
  if (text.length !== 5 || text[0] !== 'tillstream-batch-v1' || text[1] !== manifest.terminal_id || Number(text[2]) !== s.first_seq || Number(text[3]) !== s.last_seq) problems.push(`batch ${s.first_seq}-${s.last_seq}: signed text does not name it`);
  if (text[4] !== hashAt.get(s.last_seq)) problems.push(`batch ${s.first_seq}-${s.last_seq}: signed head hash is not the hash of seq ${s.last_seq}`);
}
process.stdout.write(`${JSON.stringify({ ok: problems.length === 0, events: lines.length, signatures: verified, problems })}\n`);
process.exitCode = problems.length ? 1 : 0;
