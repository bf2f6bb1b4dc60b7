import { z } from 'zod';

// The chart of accounts and the mapping rules that turn a sale into postings. The chart is
// configuration (a file HQ edits), so it is validated with zod and every mapping is checked
// against the account list and the account type it must have: a typo in a revenue mapping is
// refused when the chart is loaded, not discovered at month end.

export const ACCOUNT_TYPES = ['asset', 'liability', 'equity', 'revenue', 'expense', 'contra-revenue'] as const;
export const accountTypeSchema = z.enum(ACCOUNT_TYPES);
export type AccountType = z.infer<typeof accountTypeSchema>;

/** Plain-text-ledger root of each type (Beancount's five roots; hledger accepts the same). */
export const LEDGER_ROOT: Readonly<Record<AccountType, string>> = {
  asset: 'Assets',
  liability: 'Liabilities',
  equity: 'Equity',
  revenue: 'Income',
  'contra-revenue': 'Income',
  expense: 'Expenses',
};

export const accountCodeSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, 'must be 1-32 of A-Z a-z 0-9 . _ - starting with a letter or digit');

// Beancount's grammar: components after the root start with an uppercase letter or digit and
// hold letters, digits and dashes. hledger accepts these names too, so one name serves both.
const LEDGER_COMPONENT = /^[A-Z0-9][A-Za-z0-9-]*$/;
export const ledgerNameSchema = z
  .string()
  .max(200)
  .refine((s) => {
    const parts = s.split(':');
    return parts.length >= 2 && parts.every((p) => LEDGER_COMPONENT.test(p));
  }, 'must be colon-separated components like Assets:Cash:Drawer, each starting with A-Z or 0-9 and holding only letters, digits and -');

export const accountSchema = z.object({
  code: accountCodeSchema,
  name: z.string().min(1).max(100),
  type: accountTypeSchema,
  /** Name in hledger/Beancount exports; derived from type and name when absent. */
  ledger_name: ledgerNameSchema.optional(),
  /** Name in the QuickBooks Online chart ("Parent:Sub" for sub-accounts); defaults to `name`. */
  qbo_name: z.string().min(1).max(200).optional(),
  /** Code in the Xero chart; defaults to `code`. */
  xero_code: z.string().min(1).max(10).optional(),
});
export type Account = z.infer<typeof accountSchema>;

const MAX_MAP_KEYS = 10_000;
const keyedCodes = z
  .record(z.string().min(1).max(64), accountCodeSchema)
  .refine((r) => Object.keys(r).length <= MAX_MAP_KEYS, `at most ${MAX_MAP_KEYS} entries`)
  .default({});

const strict = <T extends z.ZodRawShape>(shape: T) => z.object(shape).strict();

export const chartMappingSchema = strict({
  /** Cash in the till. `by_terminal` wins over `by_store` wins over `default`. */
  cash_drawer: strict({ default: accountCodeSchema, by_store: keyedCodes, by_terminal: keyedCodes }),
  /** Card receivables awaiting settlement, per processor (the payment terminal's acquirer). */
  card_clearing: strict({ default: accountCodeSchema.optional(), by_processor: keyedCodes }),
  /** Gift cards sold are a liability; redeeming one reduces it. */
  gift_card: accountCodeSchema,
  /**
   * Loyalty points: outstanding points are owed to customers (a liability, deferred revenue);
   * points granted on a sale are a cost of the sale (contra-revenue or expense). Without it a
   * sale with points posts to suspense, or is refused when there is none.
   */
  loyalty: strict({ liability: accountCodeSchema, expense: accountCodeSchema }).optional(),
  /**
   * The other side of HQ's manual adjustments (a goodwill credit, a write-off): points against
   * the loyalty liability, gift card and store credit balances against the gift card liability.
   * Without it an adjustment posts to suspense, or is refused when there is none.
   */
  adjustments: strict({ points: accountCodeSchema, gift_card: accountCodeSchema }).optional(),
  /** Any other tender kind (voucher, cheque, store credit, ...). */
  other_tenders: keyedCodes,
  revenue: strict({ default: accountCodeSchema.optional(), by_category: keyedCodes }),
  /** Tax payable per tax code (US-NY-STATE, DE-VAT-STD), else per jurisdiction (US-NY, DE), else default. */
  tax_payable: strict({ default: accountCodeSchema.optional(), by_code: keyedCodes, by_jurisdiction: keyedCodes }),
  /** Discounts are posted as contra-revenue; a promotion id mapping wins over the discount kind. */
  discounts: strict({ default: accountCodeSchema.optional(), by_kind: keyedCodes, by_promotion: keyedCodes }),
  /** Returned goods; used when `refund_mode` is 'returns_account'. */
  returns: strict({ default: accountCodeSchema.optional(), by_category: keyedCodes }),
  /**
   * 'returns_account': a refund debits the returns (contra-revenue) account of the line's
   * category, so gross sales and returns both show on the P&L. 'reverse_revenue': a refund
   * debits the revenue account itself. Tender, tax and discount lines are reversed either way.
   */
  refund_mode: z.enum(['returns_account', 'reverse_revenue']).default('returns_account'),
  cash_over_short: accountCodeSchema,
  cash_rounding: accountCodeSchema,
  /** Other side of a paid-in / paid-out, keyed by the event's account_hint ("expense:supplies"). */
  paid_in: strict({ default: accountCodeSchema, by_hint: keyedCodes }),
  paid_out: strict({ default: accountCodeSchema, by_hint: keyedCodes }),
  /** Where dropped cash goes (safe, bank in transit), keyed by account_hint ("safe", "bank"). */
  cash_drop: strict({ default: accountCodeSchema, by_hint: keyedCodes }),
  /** Where the opening float comes from and where counted cash goes at close ('per_shift'). */
  float_source: accountCodeSchema,
  /**
   * 'per_shift': the float moves safe → drawer at shift open and the counted cash drawer →
   * safe at close, so a drawer account holds only the open shift's cash. 'continuous': the
   * cash stays in the drawer between shifts; open posts nothing and close posts only the
   * over/short.
   */
  drawer_custody: z.enum(['per_shift', 'continuous']).default('per_shift'),
  /**
   * When set, an amount with no mapping (unknown category, tax code, processor...) posts here
   * with the missing key in its dimensions, instead of refusing the event. Unset: refuse.
   */
  suspense: accountCodeSchema.optional(),
  /**
   * Where the revenue of an event flagged for review waits until a person clears it (the
   * review queue, docs/books.md). Unset: mapping.suspense; neither: flagged events are listed
   * for review but their revenue is not held.
   */
  review_suspense: accountCodeSchema.optional(),
  /** The bank account processor payouts and cash deposits arrive in (books reconciliation). */
  bank: accountCodeSchema.optional(),
  /** What processors keep from a settlement (books reconciliation posts it here). */
  processor_fees: strict({ default: accountCodeSchema.optional(), by_processor: keyedCodes }).optional(),
});
export type ChartMapping = z.infer<typeof chartMappingSchema>;

export const MAX_ACCOUNTS = 5_000;

const chartShape = strict({
  version: z.literal(1),
  name: z.string().min(1).max(100),
  /** IANA zone used to turn an event's UTC time into the entry's accounting date. */
  time_zone: z.string().min(1).max(64).default('UTC'),
  accounts: z.array(accountSchema).min(1).max(MAX_ACCOUNTS),
  mapping: chartMappingSchema,
});

type Role = { path: string; code: string; allowed: readonly AccountType[] };

function rolesOf(m: ChartMapping): Role[] {
  const roles: Role[] = [];
  const one = (path: string, code: string | undefined, allowed: readonly AccountType[]) => {
    if (code !== undefined) roles.push({ path, code, allowed });
  };
  const many = (path: string, rec: Record<string, string>, allowed: readonly AccountType[]) => {
    for (const [k, code] of Object.entries(rec)) roles.push({ path: `${path}.${k}`, code, allowed });
  };
  const ASSET = ['asset'] as const;
  one('mapping.cash_drawer.default', m.cash_drawer.default, ASSET);
  many('mapping.cash_drawer.by_store', m.cash_drawer.by_store, ASSET);
  many('mapping.cash_drawer.by_terminal', m.cash_drawer.by_terminal, ASSET);
  one('mapping.card_clearing.default', m.card_clearing.default, ASSET);
  many('mapping.card_clearing.by_processor', m.card_clearing.by_processor, ASSET);
  one('mapping.gift_card', m.gift_card, ['liability']);
  many('mapping.other_tenders', m.other_tenders, ['asset', 'liability']);
  if (m.loyalty) {
    one('mapping.loyalty.liability', m.loyalty.liability, ['liability']);
    one('mapping.loyalty.expense', m.loyalty.expense, ['contra-revenue', 'expense']);
  }
  if (m.adjustments) {
    const ADJ = ['expense', 'contra-revenue', 'revenue'] as const;
    one('mapping.adjustments.points', m.adjustments.points, ADJ);
    one('mapping.adjustments.gift_card', m.adjustments.gift_card, ADJ);
  }
  // A category may map to a liability: gift cards or deposits sold are owed, not earned.
  one('mapping.revenue.default', m.revenue.default, ['revenue']);
  many('mapping.revenue.by_category', m.revenue.by_category, ['revenue', 'liability']);
  one('mapping.tax_payable.default', m.tax_payable.default, ['liability']);
  many('mapping.tax_payable.by_code', m.tax_payable.by_code, ['liability']);
  many('mapping.tax_payable.by_jurisdiction', m.tax_payable.by_jurisdiction, ['liability']);
  const DISC = ['contra-revenue', 'expense'] as const;
  one('mapping.discounts.default', m.discounts.default, DISC);
  many('mapping.discounts.by_kind', m.discounts.by_kind, DISC);
  many('mapping.discounts.by_promotion', m.discounts.by_promotion, DISC);
  one('mapping.returns.default', m.returns.default, ['contra-revenue']);
  many('mapping.returns.by_category', m.returns.by_category, ['contra-revenue']);
  const PL = ['expense', 'revenue'] as const;
  one('mapping.cash_over_short', m.cash_over_short, PL);
  one('mapping.cash_rounding', m.cash_rounding, PL);
  const PAID_IN = ['revenue', 'liability', 'equity', 'asset'] as const;
  one('mapping.paid_in.default', m.paid_in.default, PAID_IN);
  many('mapping.paid_in.by_hint', m.paid_in.by_hint, PAID_IN);
  const PAID_OUT = ['expense', 'liability', 'equity', 'asset'] as const;
  one('mapping.paid_out.default', m.paid_out.default, PAID_OUT);
  many('mapping.paid_out.by_hint', m.paid_out.by_hint, PAID_OUT);
  one('mapping.cash_drop.default', m.cash_drop.default, ASSET);
  many('mapping.cash_drop.by_hint', m.cash_drop.by_hint, ASSET);
  one('mapping.float_source', m.float_source, ASSET);
  one('mapping.suspense', m.suspense, ACCOUNT_TYPES);
  one('mapping.review_suspense', m.review_suspense, ['asset', 'liability']);
  one('mapping.bank', m.bank, ASSET);
  if (m.processor_fees) {
    one('mapping.processor_fees.default', m.processor_fees.default, ['expense']);
    many('mapping.processor_fees.by_processor', m.processor_fees.by_processor, ['expense']);
  }
  return roles;
}

/** Default plain-text-ledger name: root of the type, then the name in capitalised words. */
export function defaultLedgerName(a: Pick<Account, 'code' | 'name' | 'type'>): string {
  const words = a.name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1));
  const leaf = words.length > 0 ? words.join('-') : `A${a.code.replace(/[^A-Za-z0-9]/g, '')}`;
  const safeLeaf = /^[A-Z0-9]/.test(leaf) ? leaf : `A${leaf}`;
  return `${LEDGER_ROOT[a.type]}:${safeLeaf}`;
}

export const chartSchema = chartShape.superRefine((chart, ctx) => {
  const byCode = new Map<string, Account>();
  const ledgerNames = new Map<string, string>();
  chart.accounts.forEach((a, i) => {
    if (byCode.has(a.code)) ctx.addIssue({ code: 'custom', path: ['accounts', i, 'code'], message: `duplicate account code "${a.code}"` });
    byCode.set(a.code, a);
    const ln = a.ledger_name ?? defaultLedgerName(a);
    const root = ln.split(':')[0];
    if (root !== LEDGER_ROOT[a.type]) {
      ctx.addIssue({ code: 'custom', path: ['accounts', i, 'ledger_name'], message: `a ${a.type} account's ledger name must start with "${LEDGER_ROOT[a.type]}:", got "${ln}"` });
    }
    const other = ledgerNames.get(ln);
    if (other !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['accounts', i, 'ledger_name'], message: `ledger name "${ln}" is used by accounts "${other}" and "${a.code}"; set ledger_name on one of them` });
    }
    ledgerNames.set(ln, a.code);
  });
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: chart.time_zone });
  } catch {
    ctx.addIssue({ code: 'custom', path: ['time_zone'], message: `unknown IANA time zone "${chart.time_zone}"` });
  }
  for (const r of rolesOf(chart.mapping)) {
    const acct = byCode.get(r.code);
    if (!acct) {
      ctx.addIssue({ code: 'custom', path: r.path.split('.'), message: `${r.path} refers to account "${r.code}", which is not in the chart` });
    } else if (!r.allowed.includes(acct.type)) {
      ctx.addIssue({ code: 'custom', path: r.path.split('.'), message: `${r.path} refers to "${r.code}" (${acct.type}); it must be ${r.allowed.join(' or ')}` });
    }
  }
});

export type ChartInput = z.input<typeof chartSchema>;
export type ChartConfig = z.output<typeof chartSchema>;

export class ChartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChartError';
  }
}

/** A validated chart with its accounts indexed; what the posting functions take. */
export interface Chart {
  readonly config: ChartConfig;
  readonly accounts: ReadonlyMap<string, Account>;
  /** hledger/Beancount name per account code. */
  readonly ledgerNames: ReadonlyMap<string, string>;
}

/** Validates a chart (e.g. parsed from a JSON config file). Throws ChartError listing every problem. */
export function loadChart(input: unknown): Chart {
  const r = chartSchema.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(chart)'}: ${i.message}`);
    throw new ChartError(`invalid chart of accounts:\n${lines.join('\n')}`);
  }
  const config = r.data;
  const accounts = new Map(config.accounts.map((a) => [a.code, a] as const));
  const ledgerNames = new Map(config.accounts.map((a) => [a.code, a.ledger_name ?? defaultLedgerName(a)] as const));
  return { config, accounts, ledgerNames };
}

export class UnmappedAccountError extends Error {
  constructor(
    readonly mapping: string,
    readonly key: string,
  ) {
    super(`no account mapped for ${key} (add it to chart ${mapping}, set a default there, or configure mapping.suspense)`);
    this.name = 'UnmappedAccountError';
  }
}

/** A resolved account, and whether it fell through to suspense (so the line can say why). */
export interface Resolved {
  readonly code: string;
  readonly unmapped?: string;
}

function own(rec: Record<string, string>, key: string | undefined): string | undefined {
  return key !== undefined && Object.prototype.hasOwnProperty.call(rec, key) ? rec[key] : undefined;
}

function resolveKeyed(chart: Chart, path: string, rec: Record<string, string>, key: string, fallback: string | undefined, what: string): Resolved {
  const hit = own(rec, key);
  if (hit !== undefined) return { code: hit };
  if (fallback !== undefined) return { code: fallback };
  const suspense = chart.config.mapping.suspense;
  if (suspense !== undefined) return { code: suspense, unmapped: `${what} "${key}"` };
  throw new UnmappedAccountError(path, `${what} "${key}"`);
}

export function cashDrawerAccount(chart: Chart, storeId: string, terminalId: string): Resolved {
  const m = chart.config.mapping.cash_drawer;
  return { code: own(m.by_terminal, terminalId) ?? own(m.by_store, storeId) ?? m.default };
}

export function cardClearingAccount(chart: Chart, processor: string): Resolved {
  const m = chart.config.mapping.card_clearing;
  return resolveKeyed(chart, 'mapping.card_clearing.by_processor', m.by_processor, processor, m.default, 'card processor');
}

/** The bank account settlements pay into; books reconciliation needs it to post payouts. */
export function bankAccount(chart: Chart): Resolved {
  const code = chart.config.mapping.bank;
  if (code === undefined) throw new UnmappedAccountError('mapping.bank', 'the bank account');
  return { code };
}

export function processorFeeAccount(chart: Chart, processor: string): Resolved {
  const m = chart.config.mapping.processor_fees;
  if (!m) throw new UnmappedAccountError('mapping.processor_fees', `processor fees of "${processor}"`);
  return resolveKeyed(chart, 'mapping.processor_fees.by_processor', m.by_processor, processor, m.default, 'processor fees of');
}

export function otherTenderAccount(chart: Chart, kind: string): Resolved {
  const m = chart.config.mapping;
  return resolveKeyed(chart, 'mapping.other_tenders', m.other_tenders, kind, undefined, 'tender kind');
}

export function revenueAccount(chart: Chart, category: string): Resolved {
  const m = chart.config.mapping.revenue;
  return resolveKeyed(chart, 'mapping.revenue.by_category', m.by_category, category, m.default, 'revenue category');
}

/**
 * Where a refund of a category goes: the returns account, or the revenue account itself in
 * 'reverse_revenue' mode. A category sold into a liability (gift cards, deposits) always
 * reverses that liability: returning a gift card is not a sales return.
 */
export function returnsAccount(chart: Chart, category: string): Resolved {
  const m = chart.config.mapping;
  const soldInto = own(m.revenue.by_category, category);
  if (soldInto !== undefined && chart.accounts.get(soldInto)?.type === 'liability') return { code: soldInto };
  if (m.refund_mode === 'reverse_revenue') return revenueAccount(chart, category);
  return resolveKeyed(chart, 'mapping.returns.by_category', m.returns.by_category, category, m.returns.default, 'returns category');
}

export function taxPayableAccount(chart: Chart, taxCode: string, jurisdiction: string): Resolved {
  const m = chart.config.mapping.tax_payable;
  const j = own(m.by_jurisdiction, jurisdiction);
  if (j !== undefined && !Object.prototype.hasOwnProperty.call(m.by_code, taxCode)) return { code: j };
  return resolveKeyed(chart, 'mapping.tax_payable.by_code or .by_jurisdiction', m.by_code, taxCode, m.default, `jurisdiction "${jurisdiction}" tax code`);
}

export function discountAccount(chart: Chart, kind: string, promotionId: string | undefined): Resolved {
  const m = chart.config.mapping.discounts;
  const promo = own(m.by_promotion, promotionId);
  if (promo !== undefined) return { code: promo };
  return resolveKeyed(chart, 'mapping.discounts.by_kind', m.by_kind, kind, m.default, 'discount kind');
}

// Hints come from the cashier's screen, so an unknown hint falls back to the default
// account rather than refusing cash that has physically moved.
export function paidInAccount(chart: Chart, hint: string | undefined): Resolved {
  const m = chart.config.mapping.paid_in;
  return { code: own(m.by_hint, hint) ?? m.default };
}

export function paidOutAccount(chart: Chart, hint: string | undefined): Resolved {
  const m = chart.config.mapping.paid_out;
  return { code: own(m.by_hint, hint) ?? m.default };
}

export function cashDropAccount(chart: Chart, hint: string | undefined): Resolved {
  const m = chart.config.mapping.cash_drop;
  return { code: own(m.by_hint, hint) ?? m.default };
}

export function floatSourceAccount(chart: Chart): Resolved {
  return { code: chart.config.mapping.float_source };
}

export function cashOverShortAccount(chart: Chart): Resolved {
  return { code: chart.config.mapping.cash_over_short };
}

export function cashRoundingAccount(chart: Chart): Resolved {
  return { code: chart.config.mapping.cash_rounding };
}

export function giftCardAccount(chart: Chart): Resolved {
  return { code: chart.config.mapping.gift_card };
}

function loyaltyAccount(chart: Chart, which: 'liability' | 'expense'): Resolved {
  const code = chart.config.mapping.loyalty?.[which];
  if (code !== undefined) return { code };
  const suspense = chart.config.mapping.suspense;
  if (suspense !== undefined) return { code: suspense, unmapped: `loyalty ${which}` };
  throw new UnmappedAccountError(`mapping.loyalty.${which}`, `loyalty points ${which}`);
}

/** Outstanding loyalty points (deferred revenue). */
export function loyaltyLiabilityAccount(chart: Chart): Resolved {
  return loyaltyAccount(chart, 'liability');
}

/** What points granted on a sale cost. */
export function loyaltyExpenseAccount(chart: Chart): Resolved {
  return loyaltyAccount(chart, 'expense');
}

/** The counter-account of a manual adjustment of points or of a gift card / store credit balance. */
export function valueAdjustmentAccount(chart: Chart, which: 'points' | 'gift_card'): Resolved {
  const code = chart.config.mapping.adjustments?.[which];
  if (code !== undefined) return { code };
  const suspense = chart.config.mapping.suspense;
  if (suspense !== undefined) return { code: suspense, unmapped: `${which} adjustment` };
  throw new UnmappedAccountError(`mapping.adjustments.${which}`, `${which === 'points' ? 'points' : 'gift card'} adjustments`);
}
