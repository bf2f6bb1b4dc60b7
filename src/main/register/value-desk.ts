import { DEFAULT_LOYALTY_SETTINGS, loyaltySettingsSchema, type LoyaltySettings } from '../../core/loyalty';
import {
  MSG,
  cardLookupAckSchema,
  customerCreateAckSchema,
  customerLookupAckSchema,
  customerCreateRequestSchema,
  tenderReleaseAckSchema,
  tenderReserveAckSchema,
  type CardView,
  type CustomerCreateRequest,
  type CustomerLookupRequest,
  type CustomerView,
} from '../../core/protocol';
import { RegisterError, type RegisterJournal } from '../../core/register-api';
import type { HubLink } from './hub-link';

// The register's side of gift cards, points and customers (docs/loyalty.md). Balances live
// at the hub: before a sale spends a card or points the register reserves the amount under
// the tender's key (sale_id, tender_id) and puts the tender on the sale only when the hub
// holds it; a retry asks with the same key, so a lost reply never holds twice. Without the
// hub the chain's offline policy decides: refuse, or up to a limit per card and day on this
// register, journalled as an offline tender the hub applies (and alerts on) when it syncs.

export type ReserveOutcome = { offline: false; balance_after: number } | { offline: true };

/** At most this many customers wait offline for the hub; beyond it a new one is refused. */
const MAX_PENDING_CUSTOMERS = 500;

export class ValueDesk {
  // Offline spending per card and UTC day, and customers created offline, live in the
  // register's database (journal migration 6), so a restart neither resets the limit nor
  // forgets a customer the hub has not heard of.
  constructor(
    private readonly journal: Pick<RegisterJournal, 'getSettings' | 'offlineSpent' | 'addOfflineSpent' | 'pendingCustomers' | 'putPendingCustomer' | 'deletePendingCustomer'>,
    private readonly hub: HubLink | null,
    private readonly now: () => Date = () => new Date(),
  ) {}

  settings(): LoyaltySettings {
    const raw = this.journal.getSettings('config').loyalty;
    const r = loyaltySettingsSchema.safeParse(raw);
    return r.success ? r.data : DEFAULT_LOYALTY_SETTINGS;
  }

  private async ask<T>(name: string, body: unknown, schema: import('zod').ZodType<T>): Promise<{ status: 'ok'; ack: T } | { status: 'unavailable'; reason: string }> {
    if (!this.hub) return { status: 'unavailable', reason: 'this register has no hub' };
    return this.hub.ask(name, body, schema) as Promise<{ status: 'ok'; ack: T } | { status: 'unavailable'; reason: string }>;
  }

  /** Reserves a gift card or points redemption; throws a RegisterError the cashier can read when it may not be taken. */
  async reserve(saleId: string, tenderId: string, account: { kind: 'gift_card'; gift_card_id: string } | { kind: 'points'; customer_id: string }, amount: number): Promise<ReserveOutcome> {
    const answer = await this.ask(MSG.tenderReserve, { sale_id: saleId, tender_id: tenderId, account, amount }, tenderReserveAckSchema);
    if (answer.status === 'ok') {
      const a = answer.ack;
      if (a.status === 'held') return { offline: false, balance_after: a.balance - a.amount };
      const what = account.kind === 'gift_card' ? `gift card ${account.gift_card_id}` : 'the customer’s points';
      if (a.reason === 'NOT_FOUND') throw new RegisterError('NOT_FOUND', `${what}: not known to the hub`);
      if (a.reason === 'INSUFFICIENT') throw new RegisterError('DECLINED', `${what}: only ${a.available ?? 0} available`);
      throw new RegisterError('DECLINED', `${what}: the hub refused the reservation (${a.reason})`);
    }
    const policy = this.settings().offline;
    if (policy.mode === 'refuse') throw new RegisterError('DECLINED', `the hub cannot be reached and this chain takes no gift card or points offline (${answer.reason.slice(0, 80)})`);
    const key = account.kind === 'gift_card' ? `gift:${account.gift_card_id}` : `points:${account.customer_id}`;
    const day = this.now().toISOString().slice(0, 10);
    const spent = this.journal.offlineSpent(key, day);
    if (spent + amount > policy.limit_per_card_per_day) {
      throw new RegisterError('DECLINED', `offline, at most ${policy.limit_per_card_per_day} per card and day (${spent} taken already)`);
    }
    this.journal.addOfflineSpent(key, day, amount);
    return { offline: true };
  }

  /** The cashier took a tender (or the sale) back: the hub lets go of its hold (best effort: it expires otherwise). */
  async release(saleId: string, tenderId?: string): Promise<void> {
    await this.ask(MSG.tenderRelease, { sale_id: saleId, ...(tenderId ? { tender_id: tenderId } : {}) }, tenderReleaseAckSchema);
  }

  async card(giftCardId: string): Promise<CardView | null> {
    const r = await this.ask(MSG.cardLookup, { gift_card_id: giftCardId }, cardLookupAckSchema);
    if (r.status !== 'ok') throw new RegisterError('DEVICE', `balance check needs the hub: ${r.reason.slice(0, 100)}`);
    return r.ack.found ? r.ack.card : null;
  }

  async findCustomers(req: CustomerLookupRequest): Promise<CustomerView[]> {
    await this.flushCustomers();
    const r = await this.ask(MSG.customerLookup, req, customerLookupAckSchema);
    if (r.status !== 'ok') {
      // Offline: only customers created here and not yet sent can be found.
      const local = this.pending().filter((c) => matches(c, req));
      return local.slice(0, 20).map(provisionalView);
    }
    return r.ack.customers;
  }

  /** Creates a customer at the hub, or provisionally here (sent when the hub is back; merged there if it already knows them). */
  async createCustomer(input: Omit<CustomerCreateRequest, 'customer_id'>): Promise<{ customer: CustomerView; provisional: boolean }> {
    const req: CustomerCreateRequest = { ...input, customer_id: globalThis.crypto.randomUUID() };
    const r = await this.ask(MSG.customerCreate, req, customerCreateAckSchema);
    if (r.status === 'ok') return { customer: r.ack.customer, provisional: false };
    if (this.journal.pendingCustomers(MAX_PENDING_CUSTOMERS).length >= MAX_PENDING_CUSTOMERS) {
      throw new RegisterError('INVALID_STATE', `${MAX_PENDING_CUSTOMERS} customers created offline are waiting for the hub: create more once it is back`);
    }
    this.journal.putPendingCustomer(req.customer_id, req as unknown as Record<string, unknown>);
    return { customer: provisionalView(req), provisional: true };
  }

  /** Sends the customers created offline; each is idempotent at the hub by its id. */
  async flushCustomers(): Promise<void> {
    for (const req of this.pending()) {
      const r = await this.ask(MSG.customerCreate, req, customerCreateAckSchema);
      if (r.status !== 'ok') return;
      this.journal.deletePendingCustomer(req.customer_id);
    }
  }

  /** A customer created here offline that the hub has not answered for yet. */
  isPending(customerId: string): boolean {
    return this.pending().some((c) => c.customer_id === customerId);
  }

  /** The customers waiting for the hub; a stored row that no longer parses is dropped, not sent. */
  private pending(): CustomerCreateRequest[] {
    const out: CustomerCreateRequest[] = [];
    for (const raw of this.journal.pendingCustomers(MAX_PENDING_CUSTOMERS)) {
      const r = customerCreateRequestSchema.safeParse(raw);
      if (r.success) out.push(r.data);
      else if (typeof raw.customer_id === 'string') this.journal.deletePendingCustomer(raw.customer_id);
    }
    return out;
  }
}

function matches(c: CustomerCreateRequest, req: CustomerLookupRequest): boolean {
  if (req.by === 'customer_id') return c.customer_id === req.q;
  if (req.by === 'loyalty_id') return c.loyalty_id === req.q;
  if (req.by === 'phone') return c.phone === req.q.replace(/\D/g, '');
  return c.name.toLowerCase().startsWith(req.q.trim().toLowerCase());
}

function provisionalView(c: CustomerCreateRequest): CustomerView {
  return { customer_id: c.customer_id, name: c.name, loyalty_id: c.loyalty_id ?? null, phone_last4: c.phone ? c.phone.slice(-4) : null, points: 0, points_available: 0, origin_store_id: null };
}
