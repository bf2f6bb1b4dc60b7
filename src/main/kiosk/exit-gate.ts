import { AttemptLimiter, type PinCheck } from '../register/pin-check';

// The manager-PIN exit of the kiosk. After the exit chord (keys.ts) the shell collects digits
// itself — the page never sees them — until Enter, Escape or a time-out, and asks this gate.
// Only a manager's PIN (role manager in the register's config) opens it; wrong PINs are
// throttled like the register's own sign-in (3 tries, then locked for 5 minutes), and every
// attempt is logged without the PIN.

export interface KioskManager {
  cashier_id: string;
  role: string;
  pin_hash: string;
}

export type ExitResult = { ok: true; manager: string } | { ok: false; message: string };

export const EXIT_PIN_RE = /^[0-9]{4,8}$/;

export class KioskExitGate {
  private readonly limiter: AttemptLimiter;

  constructor(
    private readonly managers: () => readonly KioskManager[],
    private readonly pins: PinCheck,
    o: { maxTries?: number; lockMs?: number; now?: () => number; log?: (msg: string) => void } = {},
  ) {
    this.limiter = new AttemptLimiter(o.maxTries ?? 3, o.lockMs ?? 5 * 60_000, o.now ?? Date.now);
    this.log = o.log ?? (() => {});
  }
  private readonly log: (msg: string) => void;

  /** A manager's PIN opens the exit; anything else is refused (and counted). */
  tryExit(pin: string): ExitResult {
    const KEY = 'kiosk-exit';
    if (this.limiter.locked(KEY)) {
      this.log('kiosk exit refused: locked after wrong PINs');
      return { ok: false, message: 'Too many wrong PINs: the exit is locked for a few minutes.' };
    }
    if (typeof pin !== 'string' || !EXIT_PIN_RE.test(pin)) {
      this.limiter.fail(KEY);
      this.log('kiosk exit refused: not a PIN');
      return { ok: false, message: 'A manager PIN is 4 to 8 digits.' };
    }
    const managers = this.managers().filter((m) => m.role === 'manager');
    // Every manager's hash is checked (no early return): the time does not tell which one matched.
    let match: string | null = null;
    for (const m of managers) if (this.pins.verify(pin, m.pin_hash) && match === null) match = m.cashier_id;
    if (match === null) {
      this.limiter.fail(KEY);
      this.log('kiosk exit refused: wrong PIN');
      return { ok: false, message: managers.length ? 'Wrong PIN. Only a manager can leave the register.' : 'No manager is set up on this register: store IT stops the kiosk service instead.' };
    }
    this.limiter.succeed(KEY);
    this.log(`kiosk exit by manager ${match}`);
    return { ok: true, manager: match };
  }
}

/**
 * Collects the PIN typed after the exit chord: digits only, at most 8, Backspace edits, Enter
 * submits, Escape or `timeoutMs` without a key cancels. Returns what to do with each key.
 */
export class PinCapture {
  private digits = '';
  private lastKeyAt = 0;
  private active = false;

  constructor(private readonly timeoutMs = 15_000, private readonly now: () => number = Date.now) {}

  start(): void {
    this.active = true;
    this.digits = '';
    this.lastKeyAt = this.now();
  }

  get capturing(): boolean {
    if (this.active && this.now() - this.lastKeyAt > this.timeoutMs) this.cancel();
    return this.active;
  }

  cancel(): void {
    this.active = false;
    this.digits = '';
  }

  /** One keyDown while capturing: 'more' (swallowed), 'cancel', or the PIN to check. */
  key(key: string): { action: 'more' } | { action: 'cancel' } | { action: 'submit'; pin: string } {
    if (!this.capturing) return { action: 'cancel' };
    this.lastKeyAt = this.now();
    if (key === 'Escape') {
      this.cancel();
      return { action: 'cancel' };
    }
    if (key === 'Enter') {
      const pin = this.digits;
      this.cancel();
      return { action: 'submit', pin };
    }
    if (key === 'Backspace') this.digits = this.digits.slice(0, -1);
    else if (/^[0-9]$/.test(key) && this.digits.length < 8) this.digits += key;
    return { action: 'more' };
  }
}
