import {
  ALL_PERMISSIONS,
  DEFAULT_SALE_POLICY,
  apply,
  openSale,
  priceSale,
  type Approval,
  type Permission,
  type SaleCommand,
  type SaleContext,
  type SaleEffect,
  type SaleError,
  type SaleState,
} from '../../core/sale';
import { RegisterError, type RegisterErrorCode, type SaleLine as LineView, type SaleView, type TenderView } from '../../core/register-api';
import type { PriceBookLookup } from '../../core/catalog';
import type { TaxTable } from '../../core/tax';

// An open sale held by the register, priced and guarded by core's sale engine (core/sale).
// The register adds what the engine does not keep: how each line came in (scan, scale…),
// price changes from HQ seen while the sale was open, and card attempts that were declined or
// came back unknown (the cashier must see them; the engine keeps only approved tenders).

export interface SaleExtras {
  sources: Record<string, LineView['source']>;
  marks: Record<string, { from: number; to: number }>;
  attempts: TenderView[];
  receipt_no: string | null;
  committed_seq: number | null;
}

export interface EngineSaleJson {
  engine: SaleState;
  extras: SaleExtras;
}

const MAX_ATTEMPTS = 20;

export function cashierPermissions(role: 'cashier' | 'manager', voidLineNeedsManager: boolean): Permission[] {
  if (role === 'manager') return [...ALL_PERMISSIONS];
  const p: Permission[] = ['sale.discount.line', 'sale.discount.order', 'sale.refund', 'cash.paid_in'];
  if (!voidLineNeedsManager) p.push('sale.void_line');
  return p;
}

export function managerApproval(managerId: string): Approval {
  return { approved_by: managerId, permissions: [...ALL_PERMISSIONS] };
}

export interface EngineContextInput {
  book: PriceBookLookup;
  taxes: TaxTable;
  discountLimitPct: number;
  cashierId: string;
  permissions: Permission[];
  now: string;
  loyalty?: SaleContext['loyalty'];
}

export function engineContext(i: EngineContextInput): SaleContext {
  const bp = Math.round(i.discountLimitPct * 100);
  return {
    book: i.book,
    taxes: i.taxes,
    policy: { ...DEFAULT_SALE_POLICY, max_line_discount_bp: bp, max_order_discount_bp: bp, merge_repeated_scans: true },
    actor: { cashier_id: i.cashierId, permissions: i.permissions },
    now: i.now,
    ...(i.loyalty ? { loyalty: i.loyalty } : {}),
  };
}

const CODE_MAP: Partial<Record<SaleError['code'], RegisterErrorCode>> = {
  APPROVAL_REQUIRED: 'APPROVAL_REQUIRED',
  APPROVAL_DENIED: 'APPROVAL_DENIED',
  UNKNOWN_ITEM: 'NOT_FOUND',
  UNKNOWN_LINE: 'NOT_FOUND',
  UNKNOWN_TENDER: 'NOT_FOUND',
  BAD_QUANTITY: 'BAD_REQUEST',
  BAD_AMOUNT: 'BAD_REQUEST',
  BAD_DISCOUNT: 'BAD_REQUEST',
  DISCOUNT_EXCEEDS_PRICE: 'BAD_REQUEST',
  CURRENCY_MISMATCH: 'BAD_REQUEST',
  TENDER_EXCEEDS_DUE: 'BAD_REQUEST',
  INVALID_CARD_DATA: 'BAD_REQUEST',
  CARD_NOT_APPROVED: 'DECLINED',
};

export class EngineSale {
  constructor(
    public state: SaleState,
    public readonly extras: SaleExtras,
  ) {}

  static open(input: Parameters<typeof openSale>[0]): EngineSale {
    return new EngineSale(openSale(input), { sources: {}, marks: {}, attempts: [], receipt_no: null, committed_seq: null });
  }

  static fromJson(j: unknown): EngineSale | null {
    const v = j as Partial<EngineSaleJson> | null;
    if (!v || typeof v !== 'object' || !v.engine || !v.extras || typeof v.engine.sale_id !== 'string') return null;
    return new EngineSale(v.engine, v.extras);
  }

  toJson(): EngineSaleJson {
    return { engine: this.state, extras: this.extras };
  }

  get open(): boolean {
    return this.state.status === 'open';
  }

  get hasLiveLines(): boolean {
    return this.state.lines.some((l) => !l.voided);
  }

  /** Applies one command; the state changes only when the engine accepts it. */
  run(cmd: SaleCommand, ctx: SaleContext): SaleEffect[] {
    const r = apply(this.state, cmd, ctx);
    if (!r.ok) throw new RegisterError(CODE_MAP[r.error.code] ?? 'INVALID_STATE', r.error.message);
    this.state = r.state;
    return r.effects;
  }

  /** Lines added by the last command (to record their source). */
  newLineIds(before: Set<string>): string[] {
    return this.state.lines.filter((l) => !before.has(l.line_id)).map((l) => l.line_id);
  }

  attempt(t: TenderView): void {
    this.extras.attempts.push(t);
    if (this.extras.attempts.length > MAX_ATTEMPTS) this.extras.attempts.shift();
  }

  view(ctx: SaleContext, labels: (code: string) => string): SaleView {
    const s = this.state;
    const c = s.currency;
    const m = (amount: number) => ({ amount, currency: c });
    const p = priceSale(s, ctx);
    const priced = new Map(p.lines.map((l) => [l.line_id, l]));
    const lines: LineView[] = s.lines.map((l) => {
      const q = priced.get(l.line_id);
      const gross = q?.gross ?? 0;
      const disc = q ? q.discounts.reduce((a, d) => a + d.amount, 0) : 0;
      const promo = q?.discounts.find((d) => d.kind === 'promotion');
      const mark = this.extras.marks[l.line_id];
      return {
        line_id: l.line_id,
        sku: l.sku,
        name: l.description,
        quantity: l.quantity,
        unit: l.unit,
        unit_price: m(l.override?.unit_price ?? l.unit_price),
        extended: m(gross),
        discount: m(disc),
        total: m(q?.total ?? 0),
        ...(q?.taxes[0] ? { tax_code: q.taxes[0].code } : {}),
        ...(promo ? { promotion: (promo.reason ?? promo.promotion_id ?? 'promotion').slice(0, 200) } : {}),
        source: this.extras.sources[l.line_id] ?? (l.price_source === 'barcode' ? 'embedded_price' : 'scan'),
        voided: l.voided,
        ...(mark ? { price_changed: { from: m(mark.from), to: m(mark.to) } } : {}),
      };
    });
    const approved: TenderView[] = s.tenders.map((t) => ({
      tender_id: t.tender_id,
      kind: t.kind === 'gift_card' ? 'gift' : t.kind,
      amount: m(t.kind === 'cash' ? (t.tendered ?? t.amount) : t.amount),
      status: 'approved',
      ...(t.kind === 'card' && t.masked_pan ? { masked_pan: t.masked_pan } : {}),
      ...(t.kind === 'card' && t.card_brand ? { card_brand: t.card_brand } : {}),
      ...(t.kind === 'card' && t.auth_code ? { auth_code: t.auth_code } : {}),
    }));
    const status: SaleView['status'] = s.status === 'open' ? (s.tenders.length || this.extras.attempts.length ? 'tendering' : 'open') : s.status;
    return {
      sale_id: s.sale_id,
      kind: 'sale',
      status,
      receipt_no: this.extras.receipt_no,
      currency: c,
      lines,
      subtotal: m(p.totals.subtotal),
      discount_total: m(p.totals.discount_total),
      tax_total: m(p.totals.tax_total),
      taxes: p.tax_breakdown.map((b) => ({ code: b.code, label: labels(b.code), rate_ppm: b.rate_ppm, base: m(b.base), amount: m(b.amount), included: b.inclusive })),
      total: m(p.totals.total),
      tenders: [...this.extras.attempts, ...approved].slice(-20),
      paid: m(p.paid + p.change_due),
      due: m(Math.max(0, p.due)),
      change_due: m(p.change_due),
      original_receipt_no: null,
      committed_seq: this.extras.committed_seq,
    };
  }
}
