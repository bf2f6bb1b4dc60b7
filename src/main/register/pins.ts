import { randomBytes, randomInt, scryptSync, timingSafeEqual } from 'node:crypto';

// Cashier and manager PINs are kept only as salted scrypt hashes ("scrypt$N$salt$hash").
// A PIN is short, so the cost is set high enough that guessing offline is slow, and the
// service also limits attempts.

const N = 16384;
const KEYLEN = 32;

export function hashPin(pin: string, salt = randomBytes(16)): string {
  return hashPinWithCost(pin, N, salt);
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

/**
 * The scrypt work of checking a PIN against `stored`, or against a throwaway hash with the
 * same cost when there is no such cashier: an unknown id takes as long as a known one, so
 * timing does not tell which cashier numbers exist.
 */
export function checkPin(pin: string, stored: string | undefined, costLike: string | undefined): boolean {
  if (stored !== undefined) return verifyPin(pin, stored);
  verifyPin(pin, dummyHash(costLike));
  return false;
}

const dummies = new Map<number, string>();
function dummyHash(costLike: string | undefined): string {
  const n = Number(costLike?.split('$')[1]);
  const cost = Number.isInteger(n) && n >= 1024 && n <= 1 << 20 ? n : N;
  let h = dummies.get(cost);
  if (!h) {
    h = hashPinWithCost(String(randomInt(10_000_000, 100_000_000)), cost);
    dummies.set(cost, h);
  }
  return h;
}

/** hashPin with an explicit scrypt cost; tests use a low one to stay fast. */
export function hashPinWithCost(pin: string, cost: number, salt = randomBytes(16)): string {
  if (!/^[0-9]{4,8}$/.test(pin)) throw new Error('PIN must be 4 to 8 digits');
  const h = scryptSync(pin, salt, KEYLEN, { N: cost, r: 8, p: 1 });
  return `scrypt$${cost}$${salt.toString('base64')}$${h.toString('base64')}`;
}

/** The limiter key of manager approvals (a hyphen, so no cashier id can be it). */
export const MANAGER_APPROVAL = 'manager-approval';

interface Attempts {
  count: number;
  until: number;
}

/**
 * Failed-attempt counter per id: after `max` failures an id is locked for `lockMs`.
 *
 * Bounded without forgetting a lock that matters: ids the caller names as known (cashiers in
 * the config, the manager approval) are kept until their lock runs out, and there are only
 * as many as the config has. Unknown ids are counted and locked exactly like known ones (so
 * the answers do not reveal which ids exist), but in a separate table of at most `capacity`
 * entries that drops its oldest entry when full: forgetting an unknown id's count loses
 * nothing, since no PIN can ever succeed for it. A flood of unknown ids therefore can never
 * flush a locked cashier.
 */
export class AttemptLimiter {
  private readonly known = new Map<string, Attempts>();
  private readonly unknown = new Map<string, Attempts>();
  constructor(
    private readonly max = 5,
    private readonly lockMs = 60_000,
    private readonly now = Date.now,
    private readonly capacity = 1000,
  ) {}

  locked(id: string, known = true): boolean {
    const f = (known ? this.known : this.unknown).get(id);
    return !!f && f.count >= this.max && this.now() < f.until;
  }

  /** Records a failure. `known`: the id names a real cashier (or the manager approval). */
  fail(id: string, known = true): void {
    const table = known ? this.known : this.unknown;
    const f = table.get(id) ?? { count: 0, until: 0 };
    f.count = f.count >= this.max || this.now() >= f.until ? 1 : f.count + 1;
    f.until = this.now() + this.lockMs;
    table.delete(id); // re-insert: Map order is then least recently failed first
    table.set(id, f);
    if (!known) while (this.unknown.size > this.capacity) this.unknown.delete(this.unknown.keys().next().value!);
    else this.pruneKnown();
  }

  succeed(id: string): void {
    this.known.delete(id);
    this.unknown.delete(id);
  }

  /** Entries held (for tests of the bound). */
  size(): { known: number; unknown: number } {
    return { known: this.known.size, unknown: this.unknown.size };
  }

  // Known ids are bounded by the config; still drop counts whose window has passed.
  private pruneKnown(): void {
    const t = this.now();
    for (const [id, f] of this.known) if (t >= f.until) this.known.delete(id);
  }
}
