import type { SaleCompletedPayload, SaleRefundedPayload } from '../events';
import type { ReceiptDocument } from './document';
import { formatIssuedAt, formatMoney, formatQuantity, formatRate } from './format';

// Maps a committed sale (or refund) to the ReceiptDocument the printer driver prints, and
// renders the same document as plain text (reprint preview, demo receipts folder). In core so
// that the register prints with it and the hub shows the same receipt in the sales explorer.

export interface ReceiptContext {
  storeName: string;
  storeLines: string[];
  locale: string;
  terminalId: string;
  cashierName: string;
  receiptNo: string;
  /** Lines about the customer's points and gift card balances after this sale (docs/loyalty.md). */
  valueLines?: string[];
}

/**
 * The store's name and receipt lines: the hub's (a 'config' change from the HQ console's store
 * edit, kept in the journal's settings) when it sent them, else the register's own config. An
 * absent or empty list of lines is no answer from the hub: the register keeps its own.
 */
export function storeHeader(hub: Record<string, unknown>, own: { store_name: string; store_lines: string[] }): { storeName: string; storeLines: string[] } {
  const name = typeof hub.store_name === 'string' && hub.store_name.trim() ? hub.store_name.trim().slice(0, 64) : own.store_name;
  const hubLines = Array.isArray(hub.receipt_lines) && hub.receipt_lines.length > 0 && hub.receipt_lines.every((l) => typeof l === 'string') ? (hub.receipt_lines as string[]) : null;
  const lines = hubLines ? hubLines.slice(0, 6).map((l) => l.slice(0, 64)) : own.store_lines;
  return { storeName: name, storeLines: lines };
}

const TAX_LETTERS = 'ABCDEFGHIJKLMNOP';

export function receiptFor(kind: 'sale' | 'refund' | 'copy', p: SaleCompletedPayload | SaleRefundedPayload, ctx: ReceiptContext): ReceiptDocument {
  const letter = new Map<string, string>();
  p.tax_breakdown.forEach((b, i) => letter.set(`${b.code}|${b.rate_ppm}`, TAX_LETTERS[i] ?? 'Z'));
  const issuedAt = 'completed_at' in p ? p.completed_at : p.refunded_at;
  const taxIncluded = p.tax_breakdown.length === 0 || p.tax_breakdown.every((b) => b.inclusive);
  return {
    version: 1,
    locale: ctx.locale,
    currency: p.currency,
    kind,
    header: { storeName: ctx.storeName, lines: ctx.storeLines.slice(0, 12) },
    saleId: ctx.receiptNo,
    issuedAt: issuedAt.replace('Z', '+00:00'),
    terminal: ctx.terminalId.slice(0, 32),
    cashier: ctx.cashierName.slice(0, 32),
    lines: p.lines.map((l) => ({
      description: l.description.slice(0, 120),
      quantity: l.unit === 'each' && l.quantity.scale === 0 ? { kind: 'count' as const, value: l.quantity.units } : { kind: 'weight' as const, milli: Math.round(l.quantity.units * 10 ** (3 - l.quantity.scale)), unit: 'kg' as const },
      unitPrice: l.unit_price,
      amount: l.gross,
      discounts: l.discounts.map((d) => ({ label: (d.reason ?? (d.kind === 'order' ? 'Order discount' : d.kind === 'promotion' ? 'Promotion' : 'Discount')).slice(0, 64), amount: d.amount })),
      taxCode: l.taxes[0] ? letter.get(`${l.taxes[0].code}|${l.taxes[0].rate_ppm}`) : undefined,
    })),
    totals: { subtotal: p.totals.subtotal, discountTotal: p.totals.discount_total, taxTotal: p.totals.tax_total, total: p.totals.total, taxIncluded },
    taxes: p.tax_breakdown.map((b, i) => {
      const gross = b.inclusive ? b.base + b.amount : b.base + b.amount;
      return { code: TAX_LETTERS[i] ?? 'Z', label: b.code.slice(0, 32), rateBasisPoints: Math.round(b.rate_ppm / 100), net: b.base, tax: b.amount, gross };
    }),
    tenders: p.tenders.map((t) => {
      if (t.kind === 'cash') return { kind: 'cash' as const, label: 'Cash', amount: 'tendered' in t && t.tendered !== undefined ? t.tendered : t.amount };
      if (t.kind === 'card') {
        const pan = t.masked_pan && t.masked_pan.length >= 12 ? t.masked_pan : undefined;
        const card = {
          maskedPan: pan!, ...(t.card_brand ? { brand: t.card_brand } : {}), ...(t.auth_code ? { authCode: t.auth_code.slice(0, 12) } : {}),
          ...(t.terminal_ref ? { terminalRef: t.terminal_ref.slice(0, 32) } : {}), ...(t.reference ? { reference: t.reference } : {}),
        };
        return { kind: 'card' as const, label: t.card_brand ?? 'Card', amount: t.amount, ...(pan ? { card } : {}) };
      }
      if (t.kind === 'points') return { kind: 'other' as const, label: `Points (${t.points})`, amount: t.amount };
      return { kind: 'gift-card' as const, label: `Gift card ${t.gift_card_id.slice(-4)}`, amount: t.amount };
    }),
    change: 'change_due' in p ? p.change_due : 0,
    footer: [...(ctx.valueLines ?? []).map((l) => l.slice(0, 42)), ...(kind === 'refund' ? ['Refund — keep this receipt'] : ['Thank you for shopping with us', 'Returns within 30 days with this receipt'])],
    saleIdCodes: ['qr'],
  };
}

const WIDTH = 42;
const pad = (l: string, r: string) => {
  const space = Math.max(1, WIDTH - l.length - r.length);
  return (l + ' '.repeat(space) + r).slice(0, Math.max(WIDTH, l.length + r.length + 1));
};
const center = (s: string) => ' '.repeat(Math.max(0, Math.floor((WIDTH - s.length) / 2))) + s;

/**
 * 42-column plain text, the way an 80 mm printer lays it out. The time is the register's
 * local time; another machine (the hub) passes the store's time zone to print the same.
 */
export function receiptText(d: ReceiptDocument, opts: { timeZone?: string } = {}): string {
  const fm = (n: number) => formatMoney(n, d.currency, d.locale);
  const out: string[] = [];
  out.push(center(d.header.storeName), ...d.header.lines.map(center), '');
  if (d.kind === 'refund') out.push(center('*** REFUND ***'), '');
  if (d.kind === 'copy') out.push(center('*** COPY ***'), '');
  out.push(pad(`Receipt ${d.saleId}`, formatIssuedAt(d.issuedAt, d.locale, opts.timeZone)));
  out.push(pad(`Till ${d.terminal ?? ''}`, d.cashier ?? ''), '-'.repeat(WIDTH));
  for (const l of d.lines) {
    out.push(pad(l.description.slice(0, 30), `${fm(l.amount)} ${l.taxCode ?? ''}`.trim()));
    if (!(l.quantity.kind === 'count' && l.quantity.value === 1)) out.push(`  ${formatQuantity(l.quantity, d.locale)} x ${fm(l.unitPrice)}`);
    for (const x of l.discounts) out.push(pad(`  ${x.label}`, `-${fm(x.amount)}`));
  }
  out.push('-'.repeat(WIDTH));
  if (d.totals.discountTotal) out.push(pad('Discounts', `-${fm(d.totals.discountTotal)}`));
  if (!d.totals.taxIncluded) out.push(pad('Tax', fm(d.totals.taxTotal)));
  out.push(pad('TOTAL', fm(d.totals.total)), '');
  for (const t of d.tenders) {
    out.push(pad(t.label, fm(t.amount)));
    if (t.card) out.push(`  ${t.card.maskedPan}${t.card.authCode ? `  AUTH ${t.card.authCode}` : ''}`);
    if (t.card?.terminalRef) out.push(`  Terminal ${t.card.terminalRef}`);
    if (t.card?.reference) out.push(`  Ref ${t.card.reference}`);
  }
  if (d.change) out.push(pad('Change', fm(d.change)));
  if (d.taxes.length) {
    out.push('', pad('Tax', 'Rate      Net      Tax'));
    for (const x of d.taxes) out.push(pad(`${x.code} ${x.label}`.slice(0, 16), `${formatRate(x.rateBasisPoints, d.locale)}  ${fm(x.net)}  ${fm(x.tax)}`));
  }
  out.push('', ...d.footer.map(center), '', center(`[QR ${d.saleId}]`), '');
  return out.join('\n');
}
