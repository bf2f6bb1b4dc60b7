import type { RefundTender, SaleCompletedPayload, SaleRefundedPayload } from '../../core/events';
import type { Quantity } from '../../core/money';
import { RegisterError, type RegisterErrorCode, type SaleLine as SaleLineView, type SaleView, type TenderView } from '../../core/register-api';
import { buildRefund, refundableQuantities, type Approval, type RefundContext, type SaleErrorCode } from '../../core/sale';

// An open return: lines and quantities chosen from an original sale, priced by core's
// buildRefund against what earlier returns already took (so several partial returns never
// add up to more than the sale, per line and per tender). The money goes back along core's
// plan: each card payment back to the same card up to what it paid, the rest in cash. What
// the terminal actually paid back is recorded here until the whole refund is journalled.

export const MAX_RETURN_LINES = 200;
export const MAX_RETURN_ATTEMPTS = 20;

export interface ReturnDraftJson {
  refund_id: string;
  shift_id: string;
  cashier_id: string;
  original: SaleCompletedPayload;
  /** null for a no-receipt return. */
  original_receipt_no: string | null;
  /** Earlier refunds of the original (this journal's index, or the hub's answer). */
  prior: SaleRefundedPayload[];
  /** Where the original came from: this register's journal or the hub. */
  source: 'journal' | 'hub' | 'no_receipt';
  lines: { original_line_id: string; quantity: Quantity }[];
  /** Refund tenders the terminal or drawer already paid out (card ones with the terminal's answer). */
  paid: RefundTender[];
  /** Card refunds the terminal declined or could not confirm (shown, not money). */
  attempts: TenderView[];
  /** After a card refund failed, the cashier chose to give the rest in cash. */
  rest_in_cash: boolean;
  approved_by?: string;
  status: 'open' | 'tendering' | 'completed' | 'voided';
  receipt_no: string | null;
  committed_seq: number | null;
}

export interface RefundIds {
  store_id: string;
  terminal_id: string;
}

const CODE_MAP: Partial<Record<SaleErrorCode, RegisterErrorCode>> = {
  APPROVAL_REQUIRED: 'APPROVAL_REQUIRED',
  APPROVAL_DENIED: 'APPROVAL_DENIED',
  UNKNOWN_LINE: 'NOT_FOUND',
  BAD_QUANTITY: 'BAD_REQUEST',
  REFUND_EXCEEDS_SOLD: 'INVALID_STATE',
  ALREADY_POST_VOIDED: 'INVALID_STATE',
  HAS_REFUNDS: 'INVALID_STATE',
  NOT_REFUNDABLE: 'INVALID_STATE',
};

export function refundError(e: { code: SaleErrorCode; message: string }): RegisterError {
  return new RegisterError(CODE_MAP[e.code] ?? 'INVALID_STATE', e.message);
}

export class ReturnDraft {
  constructor(readonly data: ReturnDraftJson) {}

  static start(input: Omit<ReturnDraftJson, 'lines' | 'paid' | 'attempts' | 'rest_in_cash' | 'status' | 'receipt_no' | 'committed_seq'>): ReturnDraft {
    return new ReturnDraft({ ...input, lines: [], paid: [], attempts: [], rest_in_cash: false, status: 'open', receipt_no: null, committed_seq: null });
  }

  static fromJson(j: Record<string, unknown>): ReturnDraft | null {
    const d = j as unknown as Partial<ReturnDraftJson>;
    if (typeof d.refund_id !== 'string' || !d.original || !Array.isArray(d.lines) || !Array.isArray(d.paid) || !Array.isArray(d.prior)) return null;
    return new ReturnDraft(d as ReturnDraftJson);
  }

  toJson(): Record<string, unknown> {
    return this.data as unknown as Record<string, unknown>;
  }

  get open(): boolean {
    return this.data.status === 'open' || this.data.status === 'tendering';
  }

  get hasLines(): boolean {
    return this.data.lines.length > 0;
  }

  /** What is left to return of each original line, after earlier returns and this one. */
  remaining(): Map<string, Quantity> {
    return refundableQuantities(this.data.original, this.data.prior);
  }

  /**
   * Sets the quantity of one original line in this return (0 removes it). Checked by core at
   * once, so "only 1 left to refund" is said when the cashier asks, not at payment.
   */
  setLine(originalLineId: string, quantity: Quantity | undefined, ids: RefundIds, ctx: RefundContext): void {
    if (this.data.status !== 'open') throw new RegisterError('INVALID_STATE', 'the refund has started; finish it or void the return');
    const ol = this.data.original.lines.find((l) => l.line_id === originalLineId);
    if (!ol) throw new RegisterError('NOT_FOUND', `receipt has no line ${originalLineId}`);
    const left = this.remaining().get(ol.line_id)!;
    if (left.units === 0) throw new RegisterError('INVALID_STATE', `${ol.description}: already returned in full`);
    const q = quantity ?? left;
    const others = this.data.lines.filter((l) => l.original_line_id !== ol.line_id);
    const next = q.units === 0 ? others : [...others, { original_line_id: ol.line_id, quantity: q }];
    if (next.length > MAX_RETURN_LINES) throw new RegisterError('INVALID_STATE', 'too many lines on one return');
    if (next.length > 0) this.price(ids, ctx, next);
    this.data.lines = next;
  }

  removeLine(originalLineId: string): void {
    if (this.data.status !== 'open') throw new RegisterError('INVALID_STATE', 'the refund has started; finish it or void the return');
    const before = this.data.lines.length;
    this.data.lines = this.data.lines.filter((l) => l.original_line_id !== originalLineId);
    if (this.data.lines.length === before) throw new RegisterError('NOT_FOUND', `no line ${originalLineId} in the return`);
  }

  /** The refund as core prices it now: lines, totals and the tender plan. Throws core's refusal. */
  price(ids: RefundIds, ctx: RefundContext, lines = this.data.lines, approval?: Approval): SaleRefundedPayload {
    const r = buildRefund(this.data.original, this.data.prior, {
      refund_id: this.data.refund_id, store_id: ids.store_id, terminal_id: ids.terminal_id, shift_id: this.data.shift_id, cashier_id: this.data.cashier_id,
      reason: 'return at register', lines, refund_to: 'original', ...(approval ? { approval } : {}),
    }, ctx);
    if (!r.ok) throw refundError(r.error);
    return r.payload;
  }

  /**
   * What is still to pay out, along core's plan minus what was paid: the card parts the
   * terminal has not paid back yet, then cash. After a failed card refund and the cashier's
   * choice, the rest goes in cash.
   */
  outstanding(plan: readonly RefundTender[]): RefundTender[] {
    const paidTo = new Map<string, number>();
    let paidCash = 0;
    for (const t of this.data.paid) {
      if (t.kind !== 'cash' && t.original_tender_id) paidTo.set(t.original_tender_id, (paidTo.get(t.original_tender_id) ?? 0) + t.amount);
      else if (t.kind === 'cash') paidCash += t.amount;
    }
    const out: RefundTender[] = [];
    let cash = 0;
    for (const t of plan) {
      if (t.kind === 'cash') {
        cash += t.amount;
        continue;
      }
      const left = t.amount - (t.original_tender_id ? (paidTo.get(t.original_tender_id) ?? 0) : 0);
      if (left <= 0) continue;
      if (this.data.rest_in_cash && t.kind === 'card') cash += left;
      else out.push({ ...t, amount: left });
    }
    const cashLeft = cash - paidCash;
    if (cashLeft > 0) out.push({ tender_id: 'cash', kind: 'cash', amount: cashLeft });
    return out;
  }

  /** The payload to journal: core's lines and totals with the tenders actually paid. */
  final(plan: SaleRefundedPayload): SaleRefundedPayload {
    const noReceipt = this.data.source === 'no_receipt';
    // A no-receipt return's "original" was never journalled: its tenders are not linked.
    const paid = this.data.paid.map((t, i) => {
      const out = { ...t, tender_id: `RT${i + 1}` };
      if (noReceipt) delete out.original_tender_id;
      return out;
    });
    const sum = paid.reduce((s, t) => s + t.amount, 0);
    if (sum !== plan.totals.total) throw new Error(`refund ${this.data.refund_id}: paid ${sum} but the refund is ${plan.totals.total}`);
    const out: SaleRefundedPayload = { ...plan, tenders: paid };
    if (this.data.approved_by && !out.approved_by) out.approved_by = this.data.approved_by;
    if (noReceipt) {
      out.no_receipt = true;
      out.reason = 'return without receipt';
    }
    return out;
  }

  view(plan: SaleRefundedPayload | null, currency: string, labels: (code: string) => string): SaleView {
    const d = this.data;
    const m = (amount: number) => ({ amount, currency });
    const lines: SaleLineView[] = (plan?.lines ?? []).map((l) => ({
      line_id: l.original_line_id,
      sku: l.sku,
      name: l.description,
      quantity: l.quantity,
      unit: l.unit,
      unit_price: m(l.unit_price),
      extended: m(l.gross),
      discount: m(l.discounts.reduce((a, x) => a + x.amount, 0)),
      total: m(l.total),
      ...(l.taxes[0] ? { tax_code: l.taxes[0].code } : {}),
      source: 'return',
      voided: false,
    }));
    const paid = d.paid.reduce((s, t) => s + t.amount, 0);
    const total = plan?.totals.total ?? 0;
    const tenders: TenderView[] = [
      ...d.attempts,
      ...d.paid.map((t, i): TenderView => ({
        tender_id: `RT${i + 1}`, kind: t.kind === 'gift_card' ? 'gift' : t.kind, amount: m(t.amount), status: 'approved',
        ...(t.kind === 'card' && t.masked_pan ? { masked_pan: t.masked_pan } : {}),
        ...(t.kind === 'card' && t.card_brand ? { card_brand: t.card_brand } : {}),
        ...(t.kind === 'card' && t.auth_code ? { auth_code: t.auth_code } : {}),
      })),
      // While open: what core's plan still has to pay back, and where to.
      ...(this.open && plan ? this.outstanding(plan.tenders) : []).map((t, i): TenderView => ({
        tender_id: `P${i + 1}`, kind: t.kind === 'gift_card' ? 'gift' : t.kind, amount: m(t.amount), status: 'pending',
        ...(t.kind === 'card' && t.masked_pan ? { masked_pan: t.masked_pan } : {}),
        ...(t.kind === 'card' && t.card_brand ? { card_brand: t.card_brand } : {}),
      })),
    ].slice(-20);
    return {
      sale_id: d.refund_id,
      kind: 'refund',
      status: d.status,
      receipt_no: d.receipt_no,
      currency,
      lines,
      subtotal: m(plan?.totals.subtotal ?? 0),
      discount_total: m(plan?.totals.discount_total ?? 0),
      tax_total: m(plan?.totals.tax_total ?? 0),
      taxes: (plan?.tax_breakdown ?? []).map((b) => ({ code: b.code, label: labels(b.code), rate_ppm: b.rate_ppm, base: m(b.base), amount: m(b.amount), included: b.inclusive })),
      total: m(total),
      tenders,
      paid: m(paid),
      due: m(Math.max(0, total - paid)),
      change_due: m(0),
      original_receipt_no: d.original_receipt_no,
      committed_seq: d.committed_seq,
    };
  }
}
