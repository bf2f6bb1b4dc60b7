import { randomBytes, scryptSync } from 'node:crypto';
import { DEFAULT_PIN_COST, hashPinWith, pinCheck, verifyPinWith, type ScryptFn } from './pin-check';

// Cashier and manager PINs are kept only as salted scrypt hashes ("scrypt$N$salt$hash").
// A PIN is short, so the cost is set high enough that guessing offline is slow, and the
// service also limits attempts. The format and checks are runtime-free (pin-check.ts); this
// file gives them Node's native scrypt.

export { AttemptLimiter, MANAGER_APPROVAL, type PinCheck } from './pin-check';

export const nodeScrypt: ScryptFn = (pin, salt, keylen, cost) => new Uint8Array(scryptSync(pin, salt, keylen, { N: cost, r: 8, p: 1 }));

/** The PIN check of the Electron register (native scrypt). */
export const nodePinCheck = pinCheck(nodeScrypt);

export function hashPin(pin: string, salt = randomBytes(16)): string {
  return hashPinWithCost(pin, DEFAULT_PIN_COST, salt);
}

export function verifyPin(pin: string, stored: string): boolean {
  return verifyPinWith(nodeScrypt, pin, stored);
}

/** See PinCheck.check: an unknown cashier costs the same scrypt work as a known one. */
export function checkPin(pin: string, stored: string | undefined, costLike: string | undefined): boolean {
  return nodePinCheck.check(pin, stored, costLike);
}

/** hashPin with an explicit scrypt cost; tests use a low one to stay fast. */
export function hashPinWithCost(pin: string, cost: number, salt: Uint8Array = randomBytes(16)): string {
  return hashPinWith(nodeScrypt, pin, cost, salt);
}
