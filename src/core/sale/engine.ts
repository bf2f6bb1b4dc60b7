import { lookupGtin, lookupKey, lookupSku } from '../catalog/price-book';
import type { Product } from '../catalog/product';
import { idSchema, storeIdSchema, terminalIdSchema, uuidSchema } from '../events/common';
import { MASKED_PAN_RE, saleCompletedSchema, taxExemptionSchema, type SaleCompletedPayload, type SaleVoidedPayload, type Tender } from '../events/sale';
import { currencyExponent } from '../money/currency';
import { money, MoneyError, roundToIncrement } from '../money/money';
import type { Quantity } from '../money/quantity';
import { divRound } from '../money/rounding';
import { TaxError } from '../tax/tax';
import { priceSale, type PricedSale } from './pricing';
import { parseSaleCommand } from './schemas';
import { pointsEarned } from '../loyalty/earn';
import type {
  Actor,
  ApplyResult,
  Approval,
  CartLine,
  DiscountSpec,
  Permission,
  SaleCommand,
  SaleContext,
  SaleEffect,
  SaleError,
  SaleErrorCode,
  SaleState,
} from './types';

export interface OpenSaleInput {
  sale_id: string;
  store_id: string;
  terminal_id: string;
  shift_id: string;
  cashier_id: string;
  currency: string;
}

/** A new, empty sale. Throws on malformed ids (a programming error, not a cashier one). */
export function openSale(input: OpenSaleInput): SaleState {
  uuidSchema.parse(input.sale_id);
  uuidSchema.parse(input.shift_id);
  storeIdSchema.parse(input.store_id);
  terminalIdSchema.parse(input.terminal_id);
  idSchema.parse(input.cashier_id);
  currencyExponent(input.currency);
  return {
    status: 'open',
    ...input,
    lines: [],
    tenders: [],
    rounding: 0,
    next_line_no: 1,
    next_tender_no: 1,
  };
}

const fail = (state: SaleState, code: SaleErrorCode, message: string, extra: Partial<SaleError> = {}): ApplyResult => ({
  ok: false,
  state,
  error: { code, message, ...extra },
});
const done = (state: SaleState, effects: SaleEffect[] = []): ApplyResult => ({ ok: true, state, effects });

type Check<T> = { ok: true; value: T } | { ok: false; error: SaleError };
const err = <T>(code: SaleErrorCode, message: string, extra: Partial<SaleError> = {}): Check<T> => ({ ok: false, error: { code, message, ...extra } });

/**
 * Permission check. Within the limit, the cashier's own permission is enough; above it (or
 * without the permission) a manager approval carrying the permission is needed.
 */
export function authorize(actor: Actor, approval: Approval | undefined, permission: Permission, aboveLimit: boolean, what: string): Check<{ approved_by?: string }> {
  if (!aboveLimit && actor.permissions.includes(permission)) return { ok: true, value: {} };
  if (approval) {
    if (approval.permissions.includes(permission)) return { ok: true, value: { approved_by: approval.approved_by } };
    return err('APPROVAL_DENIED', `${approval.approved_by} may not approve ${what} (needs ${permission})`, { permission });
  }
  const why = aboveLimit ? `${what} is above the cashier's limit` : `${actor.cashier_id} may not do ${what}`;
  return err('APPROVAL_REQUIRED', `${why}: a manager with ${permission} must approve`, { permission });
}

function checkQuantity(q: Quantity, unit: 'each' | 'kg', ctx: SaleContext): Check<Quantity> {
  if (!Number.isSafeInteger(q.units) || !Number.isInteger(q.scale) || q.scale < 0 || q.scale > 6) {
    return err('BAD_QUANTITY', `quantity must be integer units with a scale of 0-6`);
  }
  if (q.units <= 0) return err('BAD_QUANTITY', `quantity must be greater than zero`);
  const div = 10 ** q.scale;
  if (q.units / div > ctx.policy.max_line_quantity) return err('BAD_QUANTITY', `quantity above the limit of ${ctx.policy.max_line_quantity}`);
  if (unit === 'each') {
    if (q.units % div !== 0) return err('BAD_QUANTITY', `an item sold by the piece needs a whole quantity`);
    return { ok: true, value: { units: q.units / div, scale: 0 } };
  }
  return { ok: true, value: { units: q.units, scale: q.scale } };
}

function isMinor(n: number): boolean {
  return Number.isSafeInteger(n);
}

function findLine(state: SaleState, lineId: string): Check<CartLine> {
  const l = state.lines.find((x) => x.line_id === lineId);
  if (!l) return err('UNKNOWN_LINE', `no line ${lineId} in this sale`, { line_id: lineId });
  if (l.voided) return err('LINE_VOIDED', `line ${lineId} is voided`, { line_id: lineId });
  return { ok: true, value: l };
}

function newLine(state: SaleState, ctx: SaleContext, p: Product, fields: Pick<CartLine, 'quantity' | 'unit' | 'unit_price' | 'price_source'>): CartLine {
  const line: CartLine = {
    line_id: `L${state.next_line_no}`,
    sku: p.sku,
    description: p.name,
    category: p.category,
    tax_category: p.tax_category,
    price_book_version: ctx.book.version,
    voided: false,
    ...fields,
  };
  const g = p.gtins[0];
  if (g !== undefined && /^\d{8}$|^\d{12,14}$/.test(g)) line.gtin = g;
  return line;
}

function checkDiscountSpec(spec: Omit<DiscountSpec, 'approved_by'>): SaleError | null {
  const hasAmount = spec.amount !== undefined;
  const hasPct = spec.percent_bp !== undefined;
  if (hasAmount === hasPct) return { code: 'BAD_DISCOUNT', message: 'give exactly one of amount or percent_bp' };
  if (hasAmount && (!isMinor(spec.amount!) || spec.amount! <= 0)) return { code: 'BAD_DISCOUNT', message: `discount amount must be a positive integer of minor units, got ${spec.amount}` };
  if (hasPct && (!Number.isInteger(spec.percent_bp) || spec.percent_bp! < 1 || spec.percent_bp! > 10_000)) {
    return { code: 'BAD_DISCOUNT', message: `discount percent_bp must be 1..10000, got ${spec.percent_bp}` };
  }
  if (spec.reason !== undefined && spec.reason.length > 200) return { code: 'BAD_DISCOUNT', message: 'discount reason longer than 200 characters' };
  return null;
}

/** Share of `base` a discount takes, in basis points (rounded up, so a limit is never undercut). */
function discountBp(spec: Omit<DiscountSpec, 'approved_by'>, base: number): number {
  if (spec.percent_bp !== undefined) return spec.percent_bp;
  if (base <= 0) return 10_000;
  return Number(divRound(BigInt(spec.amount!) * 10_000n, BigInt(base), 'ceiling'));
}

function safePrice(state: SaleState, ctx: SaleContext): Check<PricedSale> {
  try {
    return { ok: true, value: priceSale(state, ctx) };
  } catch (e) {
    if (e instanceof TaxError) return err('TAX_ERROR', e.message);
    // An amount past the safe-integer range (a 15-digit label price, a huge quantity) is bad
    // input to refuse, never a crash of the register.
    if (e instanceof MoneyError) return err('BAD_AMOUNT', `the sale's amounts are out of range: ${e.message}`);
    throw e;
  }
}

function withLine(state: SaleState, line: CartLine): SaleState {
  return { ...state, lines: state.lines.map((l) => (l.line_id === line.line_id ? line : l)) };
}

/** Re-prices after a change and refuses it when pricing fails, so an accepted state always prices. */
function accept(before: SaleState, after: SaleState, ctx: SaleContext, effects: SaleEffect[] = []): ApplyResult {
  const p = safePrice(after, ctx);
  if (!p.ok) return { ok: false, state: before, error: p.error };
  return done(after, effects);
}

function embeddedPrice(state: SaleState, price: NonNullable<import('./types').ScanInput['price']>): Check<number> {
  if (price.currency !== undefined && price.currency !== state.currency) {
    return err('CURRENCY_MISMATCH', `the label's price is in ${price.currency}; this sale is in ${state.currency}`);
  }
  if (!isMinor(price.amountMinor) || price.amountMinor < 0 || !Number.isInteger(price.decimals) || price.decimals < 0 || price.decimals > 6) {
    return err('BAD_AMOUNT', 'the label carries an invalid price');
  }
  const exp = currencyExponent(state.currency);
  const v = BigInt(price.amountMinor);
  const minor = price.decimals <= exp ? v * 10n ** BigInt(exp - price.decimals) : divRound(v, 10n ** BigInt(price.decimals - exp), 'half-up');
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) return err('BAD_AMOUNT', `the label's price ${price.amountMinor} (${price.decimals} decimals) is out of range for ${state.currency}`);
  return { ok: true, value: Number(minor) };
}

const LINE_COMMANDS = new Set<SaleCommand['type']>([
  'scan',
  'add_sku',
  'add_weighed',
  'set_quantity',
  'override_price',
  'discount_line',
  'remove_line_discount',
  'discount_order',
  'remove_order_discount',
  'reprice',
  'void_line',
  'set_tax_exemption',
  'add_gift_card',
]);

/**
 * The reducer. Never throws for a cashier mistake: an error result names the problem and
 * returns the state it was given, unchanged.
 */
export function apply(state: SaleState, cmd: SaleCommand, ctx: SaleContext): ApplyResult {
  // Commands may come from IPC or a saved file: a malformed one is refused, never half-applied.
  const parsed = parseSaleCommand(cmd);
  if (!parsed.ok) return fail(state, 'BAD_COMMAND', parsed.error);
  if (state.status !== 'open') return fail(state, 'SALE_NOT_OPEN', `the sale is ${state.status}; start a new sale`);
  if (ctx.book.currency !== state.currency) return fail(state, 'CURRENCY_MISMATCH', `price book is in ${ctx.book.currency}; this sale is in ${state.currency}`);
  if (LINE_COMMANDS.has(cmd.type) && state.tenders.length > 0) {
    return fail(state, 'LOCKED_BY_TENDER', 'payment has started: remove the tenders before changing the sale');
  }
  const live = state.lines.filter((l) => !l.voided).length;

  switch (cmd.type) {
    case 'scan':
    case 'add_sku':
    case 'add_weighed': {
      if (state.lines.length >= ctx.policy.max_lines || live >= ctx.policy.max_lines) {
        return fail(state, 'TOO_MANY_LINES', `a sale holds at most ${ctx.policy.max_lines} lines`);
      }
      let product: Product | undefined;
      if (cmd.type === 'scan') {
        product = lookupKey(ctx.book, cmd.scan.lookupKey) ?? (cmd.scan.gtin ? lookupGtin(ctx.book, cmd.scan.gtin) : undefined);
        if (!product) return fail(state, 'UNKNOWN_ITEM', `no product for barcode ${cmd.scan.lookupKey}`);
      } else {
        product = lookupSku(ctx.book, cmd.sku);
        if (!product) return fail(state, 'UNKNOWN_ITEM', `no product with sku ${cmd.sku}`);
      }
      if (!product.active) return fail(state, 'ITEM_INACTIVE', `${product.name} (${product.sku}) is not for sale`);
      const next = { ...state, next_line_no: state.next_line_no + 1 };

      if (cmd.type === 'add_weighed') {
        if (product.unit !== 'kg') return fail(state, 'NOT_WEIGHED_ITEM', `${product.name} is sold by the piece, not by weight`);
        const q = checkQuantity(cmd.weight, 'kg', ctx);
        if (!q.ok) return { ok: false, state, error: q.error };
        const line = newLine(state, ctx, product, { quantity: q.value, unit: 'kg', unit_price: product.price, price_source: 'price_book' });
        return accept(state, { ...next, lines: [...state.lines, line] }, ctx);
      }

      if (cmd.type === 'scan' && cmd.scan.price) {
        const price = embeddedPrice(state, cmd.scan.price);
        if (!price.ok) return { ok: false, state, error: price.error };
        const q = checkQuantity(cmd.quantity ?? { units: 1, scale: 0 }, 'each', ctx);
        if (!q.ok) return { ok: false, state, error: q.error };
        const line = newLine(state, ctx, product, { quantity: q.value, unit: 'each', unit_price: price.value, price_source: 'barcode' });
        return accept(state, { ...next, lines: [...state.lines, line] }, ctx);
      }
      if (cmd.type === 'scan' && cmd.scan.weight) {
        if (product.unit !== 'kg') return fail(state, 'NOT_WEIGHED_ITEM', `${product.name} is sold by the piece but the label carries a weight`);
        const q = checkQuantity({ units: cmd.scan.weight.grams, scale: 3 }, 'kg', ctx);
        if (!q.ok) return { ok: false, state, error: q.error };
        const line = newLine(state, ctx, product, { quantity: q.value, unit: 'kg', unit_price: product.price, price_source: 'price_book' });
        return accept(state, { ...next, lines: [...state.lines, line] }, ctx);
      }
      if (product.unit === 'kg') {
        return fail(state, 'WEIGHT_REQUIRED', `${product.name} is sold by weight: put it on the scale`);
      }
      let unitPrice = product.price;
      let source: CartLine['price_source'] = 'price_book';
      const openPrice = cmd.type === 'add_sku' ? cmd.open_price : undefined;
      if (product.open_price) {
        if (openPrice === undefined) return fail(state, 'PRICE_REQUIRED', `${product.name} needs a price keyed in`);
        if (!isMinor(openPrice) || openPrice < 0) return fail(state, 'BAD_AMOUNT', `price must be a non-negative integer of minor units, got ${openPrice}`);
        unitPrice = openPrice;
        source = 'open';
      } else if (openPrice !== undefined) {
        return fail(state, 'BAD_AMOUNT', `${product.name} has a fixed price; use a price override`);
      }
      const q = checkQuantity(cmd.quantity ?? { units: 1, scale: 0 }, 'each', ctx);
      if (!q.ok) return { ok: false, state, error: q.error };
      const last = state.lines[state.lines.length - 1];
      if (
        ctx.policy.merge_repeated_scans &&
        source === 'price_book' &&
        last !== undefined &&
        !last.voided &&
        last.sku === product.sku &&
        last.unit === 'each' &&
        last.price_source === 'price_book' &&
        last.unit_price === unitPrice &&
        last.override === undefined &&
        last.discount === undefined
      ) {
        const merged = checkQuantity({ units: last.quantity.units + q.value.units, scale: 0 }, 'each', ctx);
        if (!merged.ok) return { ok: false, state, error: { ...merged.error, line_id: last.line_id } };
        return accept(state, withLine(state, { ...last, quantity: merged.value }), ctx);
      }
      const line = newLine(state, ctx, product, { quantity: q.value, unit: 'each', unit_price: unitPrice, price_source: source });
      return accept(state, { ...next, lines: [...state.lines, line] }, ctx);
    }

    case 'set_quantity': {
      const f = findLine(state, cmd.line_id);
      if (!f.ok) return { ok: false, state, error: f.error };
      const q = checkQuantity(cmd.quantity, f.value.unit, ctx);
      if (!q.ok) return { ok: false, state, error: { ...q.error, line_id: cmd.line_id } };
      return accept(state, withLine(state, { ...f.value, quantity: q.value }), ctx);
    }

    case 'override_price': {
      const f = findLine(state, cmd.line_id);
      if (!f.ok) return { ok: false, state, error: f.error };
      if (!isMinor(cmd.unit_price) || cmd.unit_price < 0) return fail(state, 'BAD_AMOUNT', `price must be a non-negative integer of minor units, got ${cmd.unit_price}`);
      if (!cmd.reason || cmd.reason.length > 200) return fail(state, 'BAD_AMOUNT', 'a price override needs a reason (at most 200 characters)');
      const line = f.value;
      const decreaseBp = line.unit_price > 0 && cmd.unit_price < line.unit_price ? Number(divRound(BigInt(line.unit_price - cmd.unit_price) * 10_000n, BigInt(line.unit_price), 'ceiling')) : 0;
      const auth = authorize(ctx.actor, cmd.approval, 'sale.price_override', decreaseBp > ctx.policy.max_price_override_decrease_bp, `a price override on ${line.description}`);
      if (!auth.ok) return { ok: false, state, error: { ...auth.error, line_id: line.line_id } };
      const next: CartLine = { ...line };
      if (cmd.unit_price === line.unit_price) delete next.override;
      else next.override = { unit_price: cmd.unit_price, reason: cmd.reason, ...auth.value };
      return accept(state, withLine(state, next), ctx);
    }

    case 'discount_line': {
      const f = findLine(state, cmd.line_id);
      if (!f.ok) return { ok: false, state, error: f.error };
      const bad = checkDiscountSpec(cmd.discount);
      if (bad) return { ok: false, state, error: { ...bad, line_id: cmd.line_id } };
      // The base is the line's price after override and promotions, before any cashier discount.
      const probe: SaleState = { ...withLine(state, { ...f.value, discount: undefined }) };
      delete probe.order_discount;
      const pr = safePrice(probe, ctx);
      if (!pr.ok) return { ok: false, state, error: pr.error };
      const base = pr.value.lines.find((l) => l.line_id === cmd.line_id)!.net;
      if (cmd.discount.amount !== undefined && cmd.discount.amount > base) {
        return fail(state, 'DISCOUNT_EXCEEDS_PRICE', `discount ${cmd.discount.amount} is more than the line's price ${base}`, { line_id: cmd.line_id });
      }
      const auth = authorize(ctx.actor, cmd.approval, 'sale.discount.line', discountBp(cmd.discount, base) > ctx.policy.max_line_discount_bp, `a discount on ${f.value.description}`);
      if (!auth.ok) return { ok: false, state, error: { ...auth.error, line_id: cmd.line_id } };
      return accept(state, withLine(state, { ...f.value, discount: { ...cmd.discount, ...auth.value } }), ctx);
    }

    case 'remove_line_discount': {
      const f = findLine(state, cmd.line_id);
      if (!f.ok) return { ok: false, state, error: f.error };
      const next = { ...f.value };
      delete next.discount;
      return accept(state, withLine(state, next), ctx);
    }

    case 'discount_order': {
      if (live === 0) return fail(state, 'EMPTY_SALE', 'add items before an order discount');
      const bad = checkDiscountSpec(cmd.discount);
      if (bad) return { ok: false, state, error: bad };
      const probe: SaleState = { ...state };
      delete probe.order_discount;
      const pr = safePrice(probe, ctx);
      if (!pr.ok) return { ok: false, state, error: pr.error };
      const base = pr.value.lines.reduce((s, l) => s + l.net, 0);
      if (cmd.discount.amount !== undefined && cmd.discount.amount > base) {
        return fail(state, 'DISCOUNT_EXCEEDS_PRICE', `order discount ${cmd.discount.amount} is more than the order's price ${base}`);
      }
      const auth = authorize(ctx.actor, cmd.approval, 'sale.discount.order', discountBp(cmd.discount, base) > ctx.policy.max_order_discount_bp, 'an order discount');
      if (!auth.ok) return { ok: false, state, error: auth.error };
      return accept(state, { ...state, order_discount: { ...cmd.discount, ...auth.value } }, ctx);
    }

    case 'remove_order_discount': {
      const next = { ...state };
      delete next.order_discount;
      return accept(state, next, ctx);
    }

    case 'reprice': {
      if (cmd.line_id !== undefined) {
        const f = findLine(state, cmd.line_id);
        if (!f.ok) return { ok: false, state, error: f.error };
      }
      const lines = state.lines.map((l) => {
        if (l.voided || l.price_source !== 'price_book' || (cmd.line_id !== undefined && l.line_id !== cmd.line_id)) return l;
        const p = lookupSku(ctx.book, l.sku);
        if (!p || !p.active) return l;
        return { ...l, unit_price: p.price, price_book_version: ctx.book.version, description: p.name };
      });
      return accept(state, { ...state, lines }, ctx);
    }

    case 'void_line': {
      const f = findLine(state, cmd.line_id);
      if (!f.ok) return { ok: false, state, error: f.error };
      const auth = authorize(ctx.actor, cmd.approval, 'sale.void_line', false, `voiding ${f.value.description}`);
      if (!auth.ok) return { ok: false, state, error: { ...auth.error, line_id: cmd.line_id } };
      return accept(state, withLine(state, { ...f.value, voided: true }), ctx);
    }

    case 'set_tax_exemption': {
      if (cmd.exemption === null) {
        const next = { ...state };
        delete next.tax_exemption;
        return accept(state, next, ctx);
      }
      if (!taxExemptionSchema.safeParse(cmd.exemption).success) {
        return fail(state, 'BAD_COMMAND', 'exemption certificate id and tax codes must be 1-64 letters, digits or . _ : / -');
      }
      const auth = authorize(ctx.actor, cmd.approval, 'sale.tax_exempt', false, 'a tax exemption');
      if (!auth.ok) return { ok: false, state, error: auth.error };
      return accept(state, { ...state, tax_exemption: { ...cmd.exemption, codes: [...cmd.exemption.codes] } }, ctx);
    }

    case 'tender_cash':
    case 'tender_card':
    case 'tender_gift_card':
      return tender(state, cmd, ctx);

    case 'tender_points':
      return tenderPoints(state, cmd, ctx);

    case 'add_gift_card': {
      if (state.lines.length >= ctx.policy.max_lines || live >= ctx.policy.max_lines) return fail(state, 'TOO_MANY_LINES', `a sale holds at most ${ctx.policy.max_lines} lines`);
      if (!idSchema.safeParse(cmd.gift_card_id).success) return fail(state, 'INVALID_CARD_DATA', 'gift card id must be 1-64 letters, digits or . _ : / -');
      if (!isMinor(cmd.amount) || cmd.amount <= 0) return fail(state, 'BAD_AMOUNT', `a gift card is loaded with a positive amount, got ${cmd.amount}`);
      const line: CartLine = {
        line_id: `L${state.next_line_no}`,
        sku: 'GIFTCARD',
        description: `Gift card ${cmd.gift_card_id.slice(-4)}`,
        category: 'gift_card',
        tax_category: 'gift_card',
        unit: 'each',
        quantity: { units: 1, scale: 0 },
        unit_price: cmd.amount,
        price_source: 'open',
        price_book_version: ctx.book.version,
        voided: false,
        gift_card_id: cmd.gift_card_id,
      };
      return accept(state, { ...state, next_line_no: state.next_line_no + 1, lines: [...state.lines, line] }, ctx);
    }

    case 'set_customer': {
      if (state.tenders.some((t) => t.kind === 'points')) return fail(state, 'LOCKED_BY_TENDER', 'points of this customer pay part of the sale: remove that tender first');
      if (cmd.customer_id === null) {
        const { customer: _, ...rest } = state;
        return done(rest);
      }
      if (!idSchema.safeParse(cmd.customer_id).success) return fail(state, 'BAD_COMMAND', 'customer id must be 1-64 letters, digits or . _ : / -');
      return done({ ...state, customer: { customer_id: cmd.customer_id, ...(cmd.tier_pct !== undefined && cmd.tier_pct !== 100 ? { tier_pct: cmd.tier_pct } : {}) } });
    }

    case 'remove_tender': {
      const t = state.tenders.find((x) => x.tender_id === cmd.tender_id);
      if (!t) return fail(state, 'UNKNOWN_TENDER', `no tender ${cmd.tender_id} in this sale`);
      const next = { ...state, tenders: state.tenders.filter((x) => x !== t) };
      return done(next, t.kind === 'cash' ? [{ kind: 'open_drawer' }] : [{ kind: 'reverse_tenders', tenders: [t] }]);
    }

    case 'complete': {
      const pr = safePrice(state, ctx);
      if (!pr.ok) return { ok: false, state, error: pr.error };
      if (pr.value.due > 0) return fail(state, 'TENDER_SHORT', `${pr.value.due} still due`);
      return complete(state, ctx, pr.value);
    }

    case 'void_sale': {
      const auth = authorize(ctx.actor, cmd.approval, 'sale.void', false, 'voiding the sale');
      if (!auth.ok) return { ok: false, state, error: auth.error };
      const pr = safePrice(state, ctx);
      const priced = pr.ok ? pr.value : null;
      const payload: SaleVoidedPayload = {
        sale_id: state.sale_id,
        store_id: state.store_id,
        terminal_id: state.terminal_id,
        shift_id: state.shift_id,
        cashier_id: state.cashier_id,
        currency: state.currency,
        lines: (priced?.lines ?? []).map((l) => ({ sku: l.sku, description: l.description, quantity: l.quantity, total: l.total })),
        total: priced ? priced.totals.total : 0,
        voided_at: ctx.now,
      };
      if (auth.value.approved_by) payload.approved_by = auth.value.approved_by;
      if (cmd.reason) payload.reason = cmd.reason.slice(0, 200);
      const effects: SaleEffect[] = [{ kind: 'journal', type: 'sale.voided', payload }];
      const nonCash = state.tenders.filter((t) => t.kind !== 'cash');
      if (nonCash.length > 0) effects.push({ kind: 'reverse_tenders', tenders: nonCash });
      if (state.tenders.some((t) => t.kind === 'cash')) effects.push({ kind: 'open_drawer' });
      return done({ ...state, status: 'voided' }, effects);
    }
  }
}

function tender(state: SaleState, cmd: Extract<SaleCommand, { type: 'tender_cash' | 'tender_card' | 'tender_gift_card' }>, ctx: SaleContext): ApplyResult {
  if (!state.lines.some((l) => !l.voided)) return fail(state, 'EMPTY_SALE', 'the sale has no items');
  if (state.tenders.length >= ctx.policy.max_tenders) return fail(state, 'TOO_MANY_TENDERS', `a sale takes at most ${ctx.policy.max_tenders} tenders`);
  const pr = safePrice(state, ctx);
  if (!pr.ok) return { ok: false, state, error: pr.error };
  const due = pr.value.due;
  if (due <= 0) return fail(state, 'NOTHING_DUE', 'nothing is due; complete the sale');
  const tender_id = `T${state.next_tender_no}`;
  const base = { ...state, next_tender_no: state.next_tender_no + 1 };

  if (cmd.type === 'tender_cash') {
    if (!isMinor(cmd.tendered) || cmd.tendered <= 0) return fail(state, 'BAD_AMOUNT', `cash tendered must be a positive integer of minor units, got ${cmd.tendered}`);
    const r = ctx.policy.cash_rounding;
    const dueCash = r ? roundToIncrement(money(due, state.currency), r.increment, r.mode).amount : due;
    if (dueCash <= 0) {
      // Rounds to nothing: settle by rounding alone, hand the cash back.
      const next = { ...state, rounding: dueCash - due };
      return completeOrFail(state, next, ctx);
    }
    if (cmd.tendered >= dueCash) {
      const t: Tender = { tender_id, kind: 'cash', amount: dueCash, tendered: cmd.tendered, change: cmd.tendered - dueCash };
      return completeOrFail(state, { ...base, tenders: [...state.tenders, t], rounding: dueCash - due }, ctx);
    }
    const t: Tender = { tender_id, kind: 'cash', amount: cmd.tendered, tendered: cmd.tendered, change: 0 };
    return done({ ...base, tenders: [...state.tenders, t] }, [{ kind: 'open_drawer' }]);
  }

  if (cmd.type === 'tender_card') {
    const c = cmd.result;
    if (c.status !== 'approved') return fail(state, 'CARD_NOT_APPROVED', `card payment ${c.status}${c.message ? `: ${c.message.slice(0, 100)}` : ''}`);
    if (!isMinor(c.amount) || c.amount <= 0) return fail(state, 'BAD_AMOUNT', `card amount must be a positive integer of minor units, got ${c.amount}`);
    if (c.amount > due) return fail(state, 'TENDER_EXCEEDS_DUE', `card amount ${c.amount} is more than the ${due} due`);
    if (!idSchema.safeParse(c.processor).success) return fail(state, 'INVALID_CARD_DATA', 'card result has no valid processor id');
    // Never echo card data in an error.
    if (c.masked_pan !== undefined && (c.masked_pan.length < 4 || c.masked_pan.length > 19 || !MASKED_PAN_RE.test(c.masked_pan))) {
      return fail(state, 'INVALID_CARD_DATA', 'the terminal returned a card number that is not masked to first 6 / last 4 digits; refusing to store it');
    }
    if (c.auth_code !== undefined && !/^[A-Za-z0-9 -]{1,16}$/.test(c.auth_code)) return fail(state, 'INVALID_CARD_DATA', 'auth code must be 1-16 letters/digits');
    if (c.card_brand !== undefined && c.card_brand.length > 32) return fail(state, 'INVALID_CARD_DATA', 'card brand longer than 32 characters');
    if (c.terminal_ref !== undefined && c.terminal_ref.length > 64) return fail(state, 'INVALID_CARD_DATA', 'terminal reference longer than 64 characters');
    if (c.reference !== undefined && c.reference.length > 64) return fail(state, 'INVALID_CARD_DATA', 'payment reference longer than 64 characters');
    const t: Tender = { tender_id, kind: 'card', amount: c.amount, processor: c.processor };
    if (c.auth_code !== undefined) t.auth_code = c.auth_code;
    if (c.masked_pan !== undefined) t.masked_pan = c.masked_pan;
    if (c.card_brand !== undefined) t.card_brand = c.card_brand;
    if (c.terminal_ref !== undefined) t.terminal_ref = c.terminal_ref;
    if (c.reference !== undefined) t.reference = c.reference;
    const next = { ...base, tenders: [...state.tenders, t] };
    return c.amount === due ? completeOrFail(state, next, ctx) : done(next);
  }

  if (!idSchema.safeParse(cmd.gift_card_id).success) return fail(state, 'INVALID_CARD_DATA', 'gift card id must be 1-64 letters, digits or . _ : / -');
  if (!isMinor(cmd.amount) || cmd.amount <= 0) return fail(state, 'BAD_AMOUNT', `gift card amount must be a positive integer of minor units, got ${cmd.amount}`);
  if (cmd.amount > due) return fail(state, 'TENDER_EXCEEDS_DUE', `gift card amount ${cmd.amount} is more than the ${due} due`);
  const t: Tender = { tender_id, kind: 'gift_card', amount: cmd.amount, gift_card_id: cmd.gift_card_id, ...(cmd.offline ? { offline: true as const } : {}) };
  const next = { ...base, tenders: [...state.tenders, t] };
  return cmd.amount === due ? completeOrFail(state, next, ctx) : done(next);
}

/** Points of the sale's customer as a tender, worth points × the chain's point value. */
function tenderPoints(state: SaleState, cmd: Extract<SaleCommand, { type: 'tender_points' }>, ctx: SaleContext): ApplyResult {
  if (!state.customer || state.customer.customer_id !== cmd.customer_id) return fail(state, 'NO_CUSTOMER', 'attach the customer to the sale before redeeming their points');
  if (!ctx.loyalty) return fail(state, 'NO_CUSTOMER', 'this store has no loyalty settings');
  if (!state.lines.some((l) => !l.voided)) return fail(state, 'EMPTY_SALE', 'the sale has no items');
  if (state.tenders.length >= ctx.policy.max_tenders) return fail(state, 'TOO_MANY_TENDERS', `a sale takes at most ${ctx.policy.max_tenders} tenders`);
  if (!Number.isSafeInteger(cmd.points) || cmd.points <= 0) return fail(state, 'BAD_AMOUNT', `points must be a positive whole number, got ${cmd.points}`);
  const pr = safePrice(state, ctx);
  if (!pr.ok) return { ok: false, state, error: pr.error };
  const amount = cmd.points * ctx.loyalty.point_value;
  if (!isMinor(amount) || amount > pr.value.due) return fail(state, 'TENDER_EXCEEDS_DUE', `${cmd.points} points are worth ${amount}, more than the ${pr.value.due} due`);
  const t: Tender = { tender_id: `T${state.next_tender_no}`, kind: 'points', customer_id: cmd.customer_id, points: cmd.points, amount, ...(cmd.offline ? { offline: true as const } : {}) };
  const next = { ...state, next_tender_no: state.next_tender_no + 1, tenders: [...state.tenders, t] };
  return amount === pr.value.due ? completeOrFail(state, next, ctx) : done(next);
}

function completeOrFail(before: SaleState, after: SaleState, ctx: SaleContext): ApplyResult {
  const pr = safePrice(after, ctx);
  if (!pr.ok) return { ok: false, state: before, error: pr.error };
  const r = complete(after, ctx, pr.value);
  return r.ok ? r : { ...r, state: before };
}

function complete(state: SaleState, ctx: SaleContext, priced: PricedSale): ApplyResult {
  if (priced.lines.length === 0) return fail(state, 'EMPTY_SALE', 'the sale has no items');
  const payload: SaleCompletedPayload = {
    sale_id: state.sale_id,
    store_id: state.store_id,
    terminal_id: state.terminal_id,
    shift_id: state.shift_id,
    cashier_id: state.cashier_id,
    currency: state.currency,
    price_book_version: ctx.book.version,
    lines: priced.lines,
    totals: priced.totals,
    tax_breakdown: priced.tax_breakdown,
    tenders: state.tenders,
    change_due: priced.change_due,
    completed_at: ctx.now,
  };
  if (state.tax_exemption) payload.tax_exemption = state.tax_exemption;
  if (state.customer && ctx.loyalty) {
    payload.loyalty = {
      customer_id: state.customer.customer_id,
      point_value: ctx.loyalty.point_value,
      points_earned: pointsEarned(ctx.loyalty, priced.lines, currencyExponent(state.currency), state.customer.tier_pct ?? 100),
    };
  }
  // The event is checked against its own schema before it may be journalled.
  const check = saleCompletedSchema.safeParse(payload);
  if (!check.success) {
    return fail(state, 'INVALID_EVENT', `the completed sale does not pass its schema: ${check.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const effects: SaleEffect[] = [{ kind: 'journal', type: 'sale.completed', payload }];
  if (state.tenders.some((t) => t.kind === 'cash')) effects.push({ kind: 'open_drawer' });
  return done({ ...state, status: 'completed', completed: payload }, effects);
}

/** Apply several commands, stopping at the first error (handy for tests and replays). */
export function applyAll(state: SaleState, cmds: readonly SaleCommand[], ctx: SaleContext): ApplyResult & { effects?: SaleEffect[] } {
  let s = state;
  const effects: SaleEffect[] = [];
  for (const c of cmds) {
    const r = apply(s, c, ctx);
    if (!r.ok) return r;
    s = r.state;
    effects.push(...r.effects);
  }
  return { ok: true, state: s, effects };
}
