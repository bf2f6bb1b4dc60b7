import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

// Cashier and manager PINs are kept only as salted scrypt hashes ("scrypt$N$salt$hash").
// A PIN is short, so the cost is set high enough that guessing offline is slow, and the
// service also limits attempts.

const N = 16384;
const KEYLEN = 32;

export function hashPin(pin: string, salt = randomBytes(16)): string {
  if (!/^[0-9]{4,8}$/.test(pin)) throw new Error('PIN must be 4 to 8 digits');
  const h = scryptSync(pin, salt, KEYLEN, { N, r: 8, p: 1 });
  return `scrypt$${N}$${salt.toString('base64')}$${h.toString('base64')}`;
}

export function verifyPin(pin: string, stored: string): boolean {
  const parts = stored.split('$');
  if (parts.length !== 4 || parts[0] !== 'scrypt') return false;
  const n = Number(parts[1]);
  if (!Number.isInteger(n) || n < 1024 || n > 1 << 20) return false;
  const salt = Buffer.from(parts[2]!, 'base64');
  const want = Buffer.from(parts[3]!, 'base64');
  const got = scryptSync(pin, salt, want.length, { N: n, r: 8, p: 1 });
  return got.length === want.length && timingSafeEqual(got, want);
}

/** Bounded failed-attempt counter per id: after `max` failures, locked for `lockMs`. */
export class AttemptLimiter {
  private failures = new Map<string, { count: number; until: number }>();
  constructor(private readonly max = 5, private readonly lockMs = 60_000, private readonly now = Date.now) {}
  locked(id: string): boolean {
    const f = this.failures.get(id);
    return !!f && f.count >= this.max && this.now() < f.until;
  }
  fail(id: string): void {
    if (this.failures.size > 1000) this.failures.clear();
    const f = this.failures.get(id) ?? { count: 0, until: 0 };
    f.count = f.count >= this.max ? 1 : f.count + 1;
    f.until = this.now() + this.lockMs;
    this.failures.set(id, f);
  }
  succeed(id: string): void {
    this.failures.delete(id);
  }
}
