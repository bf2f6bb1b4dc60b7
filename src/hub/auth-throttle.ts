import type { Alert } from '../core/protocol';

// Failed-secret throttle for enrollment codes, API tokens and register credentials (issue 9
// item 12). Counted per source address and per target (the kind of secret, chain-wide) in
// this hub process, with bounded memory: a source with too many failures in the window is
// locked out for every attempt of that kind, valid or not, and HQ gets one alert per lockout.
// Enrollment codes (short, typed by people) also lock chain-wide after too many failures from
// all sources together; tokens are 256-bit random, so a chain-wide flood of bad tokens raises
// the alert but does not lock out the registers that hold good ones.

// Console passwords are counted twice: per source address ('password') and per user name
// ('password_account', the name as the source), so neither one address trying many names nor
// many addresses trying one name get more than perSource guesses per window.
export type SecretKind = 'enrollment_code' | 'api_token' | 'register_credential' | 'password' | 'password_account';

export interface ThrottleLimits {
  /** Failures of one kind from one source within windowMs before it is locked out. */
  perSource: number;
  /** Failures of one kind from all sources within windowMs before the kind-wide alert (and lock, for codes). */
  perTarget: number;
  windowMs: number;
  lockoutMs: number;
  /** Sources tracked at once; the least recently failing unlocked ones are forgotten first. */
  maxSources: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = { perSource: 10, perTarget: 100, windowMs: 10 * 60_000, lockoutMs: 15 * 60_000, maxSources: 10_000 };

export class LockedOutError extends Error {
  constructor(
    readonly retryAfterMs: number,
    message: string,
  ) {
    super(message);
    this.name = 'LockedOutError';
  }
}

interface Counter {
  failures: number[];
  lockedUntil: number;
}

export interface LockoutNotice {
  kind: SecretKind;
  scope: 'source' | 'target';
  source: string;
  failures: number;
  until: string;
}

export class AuthThrottle {
  private readonly sources = new Map<string, Counter>();
  private readonly targets = new Map<SecretKind, Counter>();

  constructor(
    private readonly limits: ThrottleLimits = DEFAULT_THROTTLE,
    private readonly onLockout: (n: LockoutNotice) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws LockedOutError while the source (or, for codes, the whole kind) is locked out. */
  check(kind: SecretKind, source: string): void {
    const t = this.now();
    const s = this.sources.get(`${kind}|${source}`);
    if (s && s.lockedUntil > t) {
      const whom = kind === 'password_account' ? 'for this user name' : 'from this address';
      throw new LockedOutError(s.lockedUntil - t, `too many failed ${label(kind)} attempts ${whom}; locked for ${secs(s.lockedUntil - t)} s`);
    }
    const g = this.targets.get(kind);
    if (kind === 'enrollment_code' && g && g.lockedUntil > t) {
      throw new LockedOutError(g.lockedUntil - t, `too many failed enrollment attempts chain-wide; enrollment is locked for ${secs(g.lockedUntil - t)} s (HQ has an alert)`);
    }
  }

  failed(kind: SecretKind, source: string): void {
    const t = this.now();
    const key = `${kind}|${source}`;
    const s = this.sources.get(key) ?? { failures: [], lockedUntil: 0 };
    this.sources.delete(key); // re-insert: Map order is least recently failing first
    this.sources.set(key, s);
    if (this.bump(s, t, this.limits.perSource)) this.onLockout({ kind, scope: 'source', source, failures: this.limits.perSource, until: new Date(s.lockedUntil).toISOString() });
    const g = this.targets.get(kind) ?? { failures: [], lockedUntil: 0 };
    this.targets.set(kind, g);
    if (this.bump(g, t, this.limits.perTarget)) this.onLockout({ kind, scope: 'target', source, failures: this.limits.perTarget, until: new Date(g.lockedUntil).toISOString() });
    this.evict(t);
  }

  /** Records one failure; true when this failure starts a lockout. */
  private bump(c: Counter, t: number, max: number): boolean {
    c.failures.push(t);
    while (c.failures.length && c.failures[0]! <= t - this.limits.windowMs) c.failures.shift();
    if (c.failures.length > max) c.failures.splice(0, c.failures.length - max); // bounded
    if (c.failures.length >= max && c.lockedUntil <= t) {
      c.lockedUntil = t + this.limits.lockoutMs;
      c.failures = [];
      return true;
    }
    return false;
  }

  /** Keeps at most maxSources entries; a locked source is never forgotten before its lockout ends. */
  private evict(t: number): void {
    if (this.sources.size <= this.limits.maxSources) return;
    for (const [k, c] of this.sources) {
      if (this.sources.size <= this.limits.maxSources) break;
      if (c.lockedUntil <= t) this.sources.delete(k);
    }
  }

  get trackedSources(): number {
    return this.sources.size;
  }
}

const LABELS: Record<SecretKind, string> = {
  enrollment_code: 'enrollment code',
  api_token: 'API token',
  register_credential: 'register credential',
  password: 'password',
  password_account: 'password (per user name)',
};
const label = (k: SecretKind) => LABELS[k];
const secs = (ms: number) => Math.ceil(ms / 1000);

/** Chain-wide alerts (not about one store) carry this store id. */
export const CHAIN_ALERT_STORE = 'chain';

export function lockoutAlert(n: LockoutNotice): Omit<Alert, 'created_at'> & { cause: string } {
  const who = n.scope === 'source' ? `from ${n.source}` : `from all sources (last: ${n.source})`;
  return {
    kind: 'auth_lockout',
    store_id: CHAIN_ALERT_STORE,
    message: `${n.failures} failed ${label(n.kind)} attempts ${who}; locked out until ${n.until}`,
    data: { ...n },
    cause: `auth_lockout:${n.kind}:${n.scope}:${n.scope === 'source' ? n.source : '*'}`,
  };
}
