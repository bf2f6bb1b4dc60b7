import { RegisterError, type CashierView, type CommandParams, type ShiftView, type StoreInfo } from '../../core/register-api';
import type { RegisterConfig } from './config';
import { AttemptLimiter, MANAGER_APPROVAL, purePinCheck, type PinCheck } from './pin-check';

// Who is at the register: sign-in with a PIN (locked after repeated failures), the UI
// language, and manager approvals (the signed-in manager, or any manager's PIN typed in).

export type Cashier = RegisterConfig['cashiers'][number];

export class Session {
  private readonly limiter = new AttemptLimiter();
  cashier: Cashier | null = null;
  language: 'en' | 'de';

  /** `pins`: the runtime's scrypt (native on Node, start.ts); the pure one by default. */
  constructor(private readonly cfg: RegisterConfig, private readonly pins: PinCheck = purePinCheck) {
    this.language = cfg.language;
  }

  storeInfo(): StoreInfo {
    return {
      store_name: this.cfg.store_name,
      store_id: this.cfg.store_id,
      terminal_id: this.cfg.terminal_id,
      currency: this.cfg.currency,
      locale: this.cfg.locale,
      language: this.language,
      discount_limit_pct: this.cfg.discount_limit_pct,
      cash_quick_amounts: this.cfg.cash_quick_amounts.map((a) => ({ amount: a, currency: this.cfg.currency })),
      app_version: this.cfg.app_version,
    };
  }

  view(c: Cashier): CashierView {
    return { cashier_id: c.cashier_id, name: c.name, role: c.role };
  }

  /** The cashier as shown on a shift: a cashier no longer in the config shows by id. */
  viewById(cashierId: string): CashierView {
    const who = this.cfg.cashiers.find((c) => c.cashier_id === cashierId);
    return who ? this.view(who) : { cashier_id: cashierId, name: cashierId, role: 'cashier' };
  }

  current(shift: ShiftView | null) {
    return { cashier: this.cashier ? this.view(this.cashier) : null, shift };
  }

  signIn(p: CommandParams<'session.signIn'>): Cashier {
    const c = this.cfg.cashiers.find((x) => x.cashier_id === p.cashier_id);
    if (this.limiter.locked(p.cashier_id, !!c)) throw new RegisterError('APPROVAL_DENIED', 'too many wrong PINs; wait a minute and try again');
    if (!c || !this.pins.check(p.pin, c.pin_hash, this.cfg.cashiers[0]?.pin_hash)) {
      this.limiter.fail(p.cashier_id, !!c);
      throw new RegisterError('APPROVAL_DENIED', 'cashier number or PIN not recognised');
    }
    this.limiter.succeed(p.cashier_id);
    this.cashier = c;
    return c;
  }

  signOut(): void {
    this.cashier = null;
  }

  require(): Cashier {
    if (!this.cashier) throw new RegisterError('NOT_SIGNED_IN', 'sign in first');
    return this.cashier;
  }

  /** A manager approves: the signed-in manager, or any manager's PIN. Returns the approver id. */
  approve(what: string, approval: { manager_pin: string } | undefined, needed: boolean): string | undefined {
    if (!needed) return undefined;
    if (this.cashier?.role === 'manager') return this.cashier.cashier_id;
    if (!approval) throw new RegisterError('APPROVAL_REQUIRED', `${what} needs a manager PIN`);
    if (this.limiter.locked(MANAGER_APPROVAL)) throw new RegisterError('APPROVAL_DENIED', 'too many wrong manager PINs; wait a minute');
    for (const m of this.cfg.cashiers) {
      if (m.role === 'manager' && this.pins.verify(approval.manager_pin, m.pin_hash)) {
        this.limiter.succeed(MANAGER_APPROVAL);
        return m.cashier_id;
      }
    }
    this.limiter.fail(MANAGER_APPROVAL);
    throw new RegisterError('APPROVAL_DENIED', 'manager PIN not accepted');
  }
}
