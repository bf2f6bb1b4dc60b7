import { scrypt as pureScrypt } from '@noble/hashes/scrypt.js';

// Checking cashier and manager PINs against their salted scrypt hashes ("scrypt$N$salt$hash"),
// for any runtime: the register engine (Session) holds no Node. The scrypt function is
// injected: Node's native one on the Electron register (pins.ts, nodePinCheck), the audited
// pure-JS one (@noble/hashes) in a browser. Both give the same bytes (pins.test.ts).

/** scrypt with r = 8, p = 1. */
export type ScryptFn = (pin: string, salt: Uint8Array, keylen: number, cost: number) => Uint8Array;

export const noblePinScrypt: ScryptFn = (pin, salt, keylen, cost) => pureScrypt(new TextEncoder().encode(pin), salt, { N: cost, r: 8, p: 1, dkLen: keylen });

/** What the session asks of PINs. */
export interface PinCheck {
  /** The PIN matches the stored hash. */
  verify(pin: string, stored: string): boolean;
  /**
   * The scrypt work of checking a PIN against `stored`, or against a throwaway hash with the
   * same cost when there is no such cashier: an unknown id takes as long as a known one, so
   * timing does not tell which cashier numbers exist.
   */
  check(pin: string, stored: string | undefined, costLike: string | undefined): boolean;
}

export const DEFAULT_PIN_COST = 16384;
const KEYLEN = 32;

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function toBase64(b: Uint8Array): string {
  let bin = '';
  for (const x of b) bin += String.fromCharCode(x);
  return btoa(bin);
}

/** Constant-time comparison of two byte strings of the same length. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** hashPin with an explicit scrypt cost and salt. */
export function hashPinWith(scrypt: ScryptFn, pin: string, cost: number, salt: Uint8Array): string {
  if (!/^[0-9]{4,8}$/.test(pin)) throw new Error('PIN must be 4 to 8 digits');
  return `scrypt$${cost}$${toBase64(salt)}$${toBase64(scrypt(pin, salt, KEYLEN, cost))}`;
}

export function verifyPinWith(scrypt: ScryptFn, pin: string, stored: string): boolean {
  const parts = stored.split('$');
  if (parts.length !== 4 || parts[0] !== 'scrypt') return false;
  const n = Number(parts[1]);
  if (!Number.isInteger(n) || n < 1024 || n > 1 << 20) return false;
  let salt: Uint8Array;
  let want: Uint8Array;
  try {
    salt = fromBase64(parts[2]!);
    want = fromBase64(parts[3]!);
  } catch {
    return false;
  }
  if (want.length === 0 || want.length > 64) return false;
  return sameBytes(scrypt(pin, salt, want.length, n), want);
}

/** A PinCheck over one scrypt implementation. */
export function pinCheck(scrypt: ScryptFn): PinCheck {
  const dummies = new Map<number, string>();
  const dummyHash = (costLike: string | undefined): string => {
    const n = Number(costLike?.split('$')[1]);
    const cost = Number.isInteger(n) && n >= 1024 && n <= 1 << 20 ? n : DEFAULT_PIN_COST;
    let h = dummies.get(cost);
    if (!h) {
      const r = globalThis.crypto.getRandomValues(new Uint32Array(1))[0]!;
      h = hashPinWith(scrypt, String(10_000_000 + (r % 90_000_000)), cost, globalThis.crypto.getRandomValues(new Uint8Array(16)));
      dummies.set(cost, h);
    }
    return h;
  };
  return {
    verify: (pin, stored) => verifyPinWith(scrypt, pin, stored),
    check(pin, stored, costLike) {
      if (stored !== undefined) return verifyPinWith(scrypt, pin, stored);
      verifyPinWith(scrypt, pin, dummyHash(costLike));
      return false;
    },
  };
}

/** The PIN check of a runtime without a native scrypt (a browser). */
export const purePinCheck: PinCheck = pinCheck(noblePinScrypt);

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
