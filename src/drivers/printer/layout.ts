// ReceiptDocument → PrintCommand[]: the paper layout of a sale receipt for a given line width.
// Pure function of the document and the profile's columns, so tests can state the exact result.

import type { ReceiptDocument, ReceiptLine, ReceiptTender } from '../../core/receipt/document';
import { formatIssuedAt, formatMoney, formatQuantity, formatRate } from '../../core/receipt/format';
import { text, type PrintCommand } from './commands';

export interface LayoutOptions {
  columns: number;
  /** Lines fed before the cut (the profile's cutter distance). */
  feedBeforeCut: number;
  /** Print the sale id QR this many dots per module (1..16). */
  qrSize?: number;
  barcodeHeight?: number;
  /** Time zone for the printed date (default: the host's). */
  timeZone?: string;
  /** Labels, so the register can translate them. */
  labels?: Partial<typeof DEFAULT_LABELS>;
}

export const DEFAULT_LABELS = {
  sale: 'Sale',
  refund: 'REFUND',
  void: 'VOID',
  copy: 'COPY',
  terminal: 'Till',
  cashier: 'Cashier',
  subtotal: 'Subtotal',
  discounts: 'Discounts',
  tax: 'Tax',
  total: 'TOTAL',
  change: 'Change',
  taxIncluded: 'incl.',
  net: 'Net',
  gross: 'Gross',
  auth: 'Auth',
  reference: 'Ref',
  terminalRef: 'Terminal',
};

/** Left and right text on one line; when they do not fit, left on its own line(s) and right below. */
export function twoColumns(left: string, right: string, width: number): string[] {
  if (left.length + 1 + right.length <= width) return [left + ' '.repeat(width - left.length - right.length) + right];
  return [...wrap(left, width), right.padStart(width)];
}

/** Word wrap to `width` characters; words longer than a line are split. Bounded by the input length. */
export function wrap(s: string, width: number): string[] {
  if (width < 1) throw new RangeError('wrap width must be >= 1');
  const out: string[] = [];
  let line = '';
  for (const word of s.split(/\s+/).filter(Boolean)) {
    let w = word;
    while (w.length > width) {
      if (line) {
        out.push(line);
        line = '';
      }
      out.push(w.slice(0, width));
      w = w.slice(width);
    }
    if (!line) line = w;
    else if (line.length + 1 + w.length <= width) line += ` ${w}`;
    else {
      out.push(line);
      line = w;
    }
  }
  if (line || out.length === 0) out.push(line);
  return out;
}

export function layoutReceipt(doc: ReceiptDocument, opts: LayoutOptions): PrintCommand[] {
  const W = opts.columns;
  const L = { ...DEFAULT_LABELS, ...opts.labels };
  const money = (n: number) => formatMoney(n, doc.currency, doc.locale);
  const out: PrintCommand[] = [];
  const left = (s: string, bold = false) => {
    for (const l of wrap(s, W)) out.push(text(l, { bold }));
  };
  const pair = (a: string, b: string, bold = false) => {
    for (const l of twoColumns(a, b, W)) out.push(text(l, { bold }));
  };
  const rule = (char: '-' | '=' = '-') => out.push({ op: 'rule', char });

  // Header
  for (const l of wrap(doc.header.storeName, Math.floor(W / 2))) out.push(text(l, { align: 'center', bold: true, width: 2, height: 2 }));
  for (const h of doc.header.lines) for (const l of wrap(h, W)) out.push(text(l, { align: 'center' }));
  if (doc.kind !== 'sale') out.push(text(L[doc.kind], { align: 'center', bold: true, width: 2, height: 1 }));
  out.push({ op: 'feed', lines: 1 });
  pair(formatIssuedAt(doc.issuedAt, doc.locale, opts.timeZone), `${L.sale} ${doc.saleId}`);
  const who = [doc.terminal ? `${L.terminal} ${doc.terminal}` : '', doc.cashier ? `${L.cashier} ${doc.cashier}` : ''].filter(Boolean);
  if (who.length) pair(who[0]!, who[1] ?? '');
  rule();

  // Lines
  for (const line of doc.lines) layoutLine(line);
  rule();

  // Totals
  pair(L.subtotal, money(doc.totals.subtotal));
  if (doc.totals.discountTotal) pair(L.discounts, money(-doc.totals.discountTotal));
  if (!doc.totals.taxIncluded) pair(L.tax, money(doc.totals.taxTotal));
  for (const l of twoColumns(L.total, money(doc.totals.total), Math.floor(W / 2))) out.push(text(l, { bold: true, width: 2, height: 2 }));
  rule();

  // Tenders
  for (const t of doc.tenders) layoutTender(t);
  if (doc.change) pair(L.change, money(doc.change), true);

  // Tax breakdown per rate
  if (doc.taxes.length) {
    rule();
    out.push(text(taxRow(L.tax, L.net, L.tax, L.gross, W)));
    for (const t of doc.taxes) out.push(text(taxRow(`${t.code} ${formatRate(t.rateBasisPoints, doc.locale)}`, money(t.net), money(t.tax), money(t.gross), W)));
    if (doc.totals.taxIncluded) out.push(text(`${L.taxIncluded} ${L.tax} ${money(doc.totals.taxTotal)}`));
  }

  // Footer and the sale id as codes
  if (doc.footer.length) {
    rule();
    for (const f of doc.footer) for (const l of wrap(f, W)) out.push(text(l, { align: 'center' }));
  }
  out.push({ op: 'feed', lines: 1 });
  for (const code of doc.saleIdCodes) {
    if (code === 'qr') out.push({ op: 'qr', data: doc.saleId, size: opts.qrSize ?? 6, errorLevel: 'm' });
    else out.push({ op: 'barcode', symbology: 'code128', data: doc.saleId, height: opts.barcodeHeight ?? 60 });
  }
  out.push(text(doc.saleId, { align: 'center' }));
  out.push({ op: 'feed', lines: opts.feedBeforeCut });
  out.push({ op: 'cut', partial: true });
  return out;

  function layoutLine(l: ReceiptLine) {
    const amount = `${money(l.amount)}${l.taxCode ? ` ${l.taxCode}` : ''}`;
    const single = l.quantity.kind === 'count' && l.quantity.value === 1;
    if (single) pair(l.description, amount);
    else {
      left(l.description);
      const unit = l.quantity.kind === 'weight' ? `${money(l.unitPrice)}/${l.quantity.unit}` : money(l.unitPrice);
      pair(`  ${formatQuantity(l.quantity, doc.locale)} x ${unit}`, amount);
    }
    for (const d of l.discounts) pair(`  ${d.label}`, money(-d.amount));
  }

  function layoutTender(t: ReceiptTender) {
    pair(t.label, money(t.amount));
    if (t.card) {
      left(`  ${[t.card.brand, t.card.maskedPan].filter(Boolean).join(' ')}`);
      const extra = [t.card.authCode ? `${L.auth} ${t.card.authCode}` : '', t.card.entryMode ?? ''].filter(Boolean).join(' ');
      if (extra) left(`  ${extra}`);
      if (t.card.terminalRef) pair(`  ${L.terminalRef}`, t.card.terminalRef);
      // A reference is one word (sale id / tender id): on a narrow paper it goes right-aligned under its label.
      if (t.card.reference) pair(`  ${L.reference}`, t.card.reference);
    }
  }
}

/** Four right-aligned columns: label | net | tax | gross. */
function taxRow(label: string, net: string, tax: string, gross: string, width: number): string {
  const col = Math.max(8, Math.floor((width - 10) / 3));
  const head = label.slice(0, width - 3 * col).padEnd(width - 3 * col);
  return `${head}${net.padStart(col)}${tax.padStart(col)}${gross.padStart(col)}`.slice(0, width);
}
