import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// Passwords of people who sign in to the HQ console, hashed with Node's own scrypt (decision
// 0010: memory-hard, no native dependency to build on every hub). The parameters travel in
// the stored string, so raising them later re-hashes at the next sign-in without a migration.
//
// scrypt at these parameters takes 32 MiB and ~100 ms of one core; the hub computes at most
// MAX_CONCURRENT at a time and queues at most MAX_WAITING more, so a flood of sign-ins costs
// bounded memory and is refused (BusyError), never an out-of-memory crash.

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** OWASP's scrypt row "N=2^15, r=8, p=3" (32 MiB). */
export const SCRYPT_PARAMS: ScryptParams = { N: 2 ** 15, r: 8, p: 3 };
const KEY_LEN = 32;
const SALT_LEN = 16;
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;
const MAX_CONCURRENT = 2;
const MAX_WAITING = 32;

export class PasswordPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PasswordPolicyError';
  }
}
export class PasswordBusyError extends Error {
  constructor() {
    super('too many sign-ins at once; retry in a moment');
    this.name = 'PasswordBusyError';
  }
}

/** Length only (NIST 800-63B): no composition rules, which push people to predictable passwords. */
export function checkPasswordPolicy(password: string): void {
  const n = [...password].length;
  if (n < MIN_PASSWORD_LENGTH) throw new PasswordPolicyError(`a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  if (n > MAX_PASSWORD_LENGTH) throw new PasswordPolicyError(`a password has at most ${MAX_PASSWORD_LENGTH} characters`);
}

let running = 0;
const waiting: Array<() => void> = [];

async function withSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) {
    if (waiting.length >= MAX_WAITING) throw new PasswordBusyError();
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else running++;
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

function derive(password: string, salt: Buffer, p: ScryptParams): Promise<Buffer> {
  // maxmem above 128·N·r·p (Node's default cap is 32 MiB, exactly our cost, plus its own overhead).
  const opts: ScryptOptions = { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + 1024 * 1024 };
  return withSlot(
    () =>
      new Promise<Buffer>((resolve, reject) => {
        scrypt(password.normalize('NFKC'), salt, KEY_LEN, opts, (err, key) => (err ? reject(err) : resolve(key)));
      }),
  );
}

export async function hashPassword(password: string, params: ScryptParams = SCRYPT_PARAMS): Promise<string> {
  checkPasswordPolicy(password);
  const salt = randomBytes(SALT_LEN);
  const key = await derive(password, salt, params);
  return `scrypt$N=${params.N},r=${params.r},p=${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

const STORED_RE = /^scrypt\$N=(\d{1,8}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9_-]{16,64})\$([A-Za-z0-9_-]{32,128})$/;

function parseStored(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | null {
  const m = STORED_RE.exec(stored);
  if (!m) return null;
  const params = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  // A stored hash is ours, but a damaged row must not make the hub allocate gigabytes.
  if (params.N < 2 || params.N > 2 ** 20 || (params.N & (params.N - 1)) !== 0 || params.r < 1 || params.r > 32 || params.p < 1 || params.p > 16) return null;
  return { params, salt: Buffer.from(m[4]!, 'base64url'), key: Buffer.from(m[5]!, 'base64url') };
}

// A hash of nothing anyone knows, checked when the user does not exist or has no password,
// so "no such user" takes as long as "wrong password" and names cannot be found by timing.
let decoy: Promise<string> | null = null;
const decoyHash = () => (decoy ??= hashPassword(randomBytes(24).toString('base64url')));

/**
 * True when the password matches. `stored` null (no such user, or no password set) still
 * costs one scrypt and answers false. `rehash` is true when the stored parameters are weaker
 * than today's.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<{ ok: boolean; rehash: boolean }> {
  const parsed = parseStored(stored ?? (await decoyHash()));
  if (!parsed || password.length > MAX_PASSWORD_LENGTH * 4) {
    await derive('x', randomBytes(SALT_LEN), SCRYPT_PARAMS);
    return { ok: false, rehash: false };
  }
  const key = await derive(password, parsed.salt, parsed.params);
  const ok = stored !== null && key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
  const p = parsed.params;
  return { ok, rehash: ok && (p.N < SCRYPT_PARAMS.N || p.r < SCRYPT_PARAMS.r || p.p < SCRYPT_PARAMS.p) };
}
