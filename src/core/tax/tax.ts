import { z } from 'zod';
import { idSchema, ratePpmSchema } from '../events/common';
import type { LineTax, TaxBreakdownRow } from '../events/sale';
import { divRound, ROUNDING_MODES, type RoundingMode } from '../money/rounding';

// Sales tax, VAT and GST on integer minor units with rates in parts per million.
//
// - Exclusive taxes (US sales tax) are added on top of the line's net price; inclusive taxes
//   (VAT/GST) are contained in it and extracted: base = net / (1 + rates).
// - Non-compound taxes apply to the base; a compound tax applies to the base plus the line's
//   non-compound taxes (tax on tax, e.g. Quebec's QST on price + GST before 2013).
// - Exemptions: a rate lists the tax categories it applies to ('*' = all) and the ones it
//   exempts; a customer certificate exempts some or all codes for the whole sale (the line
//   still shows the tax at amount 0 with the reason, for the audit trail).
// - Rounding: per line (each line's tax rounded, the document sums them) or per document
//   (each code's exact total over the document rounded once, then spread back over the lines
//   by largest remainder so line taxes still add up to the breakdown exactly).

export const PPM = 1_000_000n;

export class TaxError extends Error {
  constructor(
    readonly code: 'MIXED_INCLUSIVE' | 'INVALID_TABLE' | 'INVALID_LINE',
    message: string,
  ) {
    super(message);
    this.name = 'TaxError';
  }
}

export const taxRateSchema = z.object({
  code: idSchema,
  jurisdiction: idSchema,
  label: z.string().max(60).optional(),
  rate_ppm: ratePpmSchema,
  inclusive: z.boolean(),
  compound: z.boolean().default(false),
  /** Tax categories the rate applies to; '*' = every category. */
  categories: z.array(z.union([idSchema, z.literal('*')])).min(1).max(200),
  /** Categories exempt from the rate even when `categories` has '*'. */
  exempt_categories: z.array(idSchema).max(200).default([]),
});
export type TaxRate = z.infer<typeof taxRateSchema>;
export type TaxRateInput = z.input<typeof taxRateSchema>;

export const taxTableSchema = z
  .object({
    rates: z.array(taxRateSchema).max(50),
    rounding: z.enum(['line', 'document']).default('line'),
    rounding_mode: z.enum(ROUNDING_MODES as [RoundingMode, ...RoundingMode[]]).default('half-up'),
  })
  .superRefine((t, ctx) => {
    const codes = new Set<string>();
    for (const r of t.rates) {
      if (codes.has(r.code)) ctx.addIssue({ code: 'custom', path: ['rates'], message: `tax code ${r.code} appears twice` });
      codes.add(r.code);
    }
  });
export type TaxTable = z.infer<typeof taxTableSchema>;
export type TaxTableInput = z.input<typeof taxTableSchema>;

export function createTaxTable(input: TaxTableInput): TaxTable {
  const r = taxTableSchema.safeParse(input);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new TaxError('INVALID_TABLE', `tax table: ${i.path.join('.')}: ${i.message}`);
  }
  return r.data;
}

/** A customer's exemption certificate: exempts `codes` (empty = every code) for the sale. */
export interface TaxExemptionInput {
  certificate_id: string;
  codes: readonly string[];
}

export interface TaxLineInput {
  line_id: string;
  tax_category: string;
  /** The line's net price (after discounts), integer minor units ≥ 0. */
  amount: number;
}

export interface TaxedLine {
  line_id: string;
  taxes: LineTax[];
  /** Σ exclusive tax (added to the net price). */
  exclusive: number;
  /** Σ inclusive tax (contained in the net price). */
  inclusive: number;
}

export interface TaxResult {
  lines: TaxedLine[];
  breakdown: TaxBreakdownRow[];
  tax_total: number;
  exclusive_total: number;
  inclusive_total: number;
}

/** Rates that apply to a tax category (before customer exemptions), non-compound first, table order otherwise. */
export function taxRatesFor(table: TaxTable, taxCategory: string): TaxRate[] {
  const rates = table.rates.filter(
    (r) => (r.categories.includes('*') || r.categories.includes(taxCategory)) && !r.exempt_categories.includes(taxCategory),
  );
  return [...rates.filter((r) => !r.compound), ...rates.filter((r) => r.compound)];
}

// Exact non-negative rational amounts: n / d.
interface Frac {
  n: bigint;
  d: bigint;
}
const gcd = (a: bigint, b: bigint): bigint => {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
};
function addFrac(a: Frac, b: Frac): Frac {
  if (a.d === b.d) return { n: a.n + b.n, d: a.d };
  const n = a.n * b.d + b.n * a.d;
  const d = a.d * b.d;
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
}

interface LinePlan {
  input: TaxLineInput;
  taxed: TaxRate[];
  exempt: TaxRate[];
  inclusive: boolean;
  /** Exact amount per taxed code, as if no rounding happened. */
  exact: Map<string, Frac>;
}

function planLine(table: TaxTable, line: TaxLineInput, exemption: TaxExemptionInput | undefined): LinePlan {
  if (!Number.isSafeInteger(line.amount) || line.amount < 0) {
    throw new TaxError('INVALID_LINE', `line ${line.line_id}: taxable amount must be a non-negative integer of minor units, got ${line.amount}`);
  }
  const rates = taxRatesFor(table, line.tax_category);
  const inclusive = rates.length > 0 && rates[0]!.inclusive;
  if (rates.some((r) => r.inclusive !== inclusive)) {
    throw new TaxError('MIXED_INCLUSIVE', `tax category ${line.tax_category} has both inclusive and exclusive rates (${rates.map((r) => r.code).join(', ')}); configure one kind per category`);
  }
  const isExempt = (r: TaxRate): boolean => exemption !== undefined && (exemption.codes.length === 0 || exemption.codes.includes(r.code));
  const taxed = rates.filter((r) => !isExempt(r));
  const exempt = rates.filter(isExempt);
  const N = BigInt(line.amount);
  const nc = taxed.filter((r) => !r.compound);
  const sumNcPpm = nc.reduce((s, r) => s + BigInt(r.rate_ppm), 0n);
  const exact = new Map<string, Frac>();
  if (!inclusive) {
    // nc: N·r ; compound: (N + Σ nc) · r_c  — all over 10^12.
    for (const r of taxed) {
      const n = r.compound ? (N * PPM + N * sumNcPpm) * BigInt(r.rate_ppm) : N * BigInt(r.rate_ppm) * PPM;
      exact.set(r.code, { n, d: PPM * PPM });
    }
  } else {
    // N = base · M,  M·10^12 = 10^12 + Σnc ppm·10^6 + Σc ppm_c·(10^6 + Σnc ppm)
    let m12 = PPM * PPM + sumNcPpm * PPM;
    for (const r of taxed) if (r.compound) m12 += BigInt(r.rate_ppm) * (PPM + sumNcPpm);
    for (const r of taxed) {
      const n = r.compound ? N * BigInt(r.rate_ppm) * (PPM + sumNcPpm) : N * BigInt(r.rate_ppm) * PPM;
      exact.set(r.code, { n, d: m12 });
    }
  }
  return { input: line, taxed, exempt, inclusive, exact };
}

/** Floor each share, then hand out the remaining units by largest fractional part (ties: earlier line). */
function allocateRounded(total: bigint, shares: Frac[]): bigint[] {
  const floors = shares.map((s) => s.n / s.d);
  let left = total - floors.reduce((a, b) => a + b, 0n);
  if (left < 0n || left > BigInt(shares.length)) {
    throw new TaxError('INVALID_LINE', `internal: document tax ${total} cannot be spread over ${shares.length} lines`);
  }
  const order = shares
    .map((s, i) => ({ i, r: s.n % s.d, d: s.d }))
    .sort((a, b) => {
      const x = a.r * b.d;
      const y = b.r * a.d;
      return x === y ? a.i - b.i : x > y ? -1 : 1;
    });
  for (const { i } of order) {
    if (left === 0n) break;
    floors[i] = floors[i]! + 1n;
    left -= 1n;
  }
  return floors;
}

/**
 * Taxes for a document's lines. Throws TaxError for a bad line or a category that mixes
 * inclusive and exclusive rates. Line order is preserved; breakdown rows follow table order.
 */
export function computeTaxes(table: TaxTable, lines: readonly TaxLineInput[], exemption?: TaxExemptionInput): TaxResult {
  const mode = table.rounding_mode;
  const plans = lines.map((l) => planLine(table, l, exemption));

  // Rounded amount per (line index, code).
  const amounts = plans.map(() => new Map<string, bigint>());
  if (table.rounding === 'line') {
    plans.forEach((p, i) => {
      const N = BigInt(p.input.amount);
      let ncSum = 0n;
      for (const r of p.taxed) {
        if (!r.compound) {
          const e = p.exact.get(r.code)!;
          const a = divRound(e.n, e.d, mode);
          amounts[i]!.set(r.code, a);
          ncSum += a;
        }
      }
      for (const r of p.taxed) {
        if (r.compound) {
          // Line rounding: the compound tax is on the rounded base + rounded taxes the receipt shows.
          const a = p.inclusive ? divRound(p.exact.get(r.code)!.n, p.exact.get(r.code)!.d, mode) : divRound((N + ncSum) * BigInt(r.rate_ppm), PPM, mode);
          amounts[i]!.set(r.code, a);
        }
      }
    });
  } else {
    for (const rate of table.rates) {
      const idx: number[] = [];
      const shares: Frac[] = [];
      plans.forEach((p, i) => {
        const e = p.exact.get(rate.code);
        if (e) {
          idx.push(i);
          shares.push(e);
        }
      });
      if (idx.length === 0) continue;
      const sum = shares.reduce(addFrac, { n: 0n, d: 1n });
      const total = divRound(sum.n, sum.d, mode);
      const alloc = allocateRounded(total, shares);
      idx.forEach((li, k) => amounts[li]!.set(rate.code, alloc[k]!));
    }
  }

  const outLines: TaxedLine[] = plans.map((p, i) => {
    const N = p.input.amount;
    const am = amounts[i]!;
    const ncTaxed = p.taxed.filter((r) => !r.compound);
    const ncSum = ncTaxed.reduce((s, r) => s + Number(am.get(r.code)!), 0);
    const allSum = p.taxed.reduce((s, r) => s + Number(am.get(r.code)!), 0);
    const base = p.inclusive ? N - allSum : N;
    if (base < 0) throw new TaxError('INVALID_LINE', `line ${p.input.line_id}: inclusive taxes ${allSum} exceed the price ${N}`);
    const taxes: LineTax[] = [];
    for (const r of [...p.taxed, ...p.exempt].sort((a, b) => Number(a.compound) - Number(b.compound))) {
      const exempt = p.exempt.includes(r);
      const amount = exempt ? 0 : Number(am.get(r.code)!);
      const t: LineTax = {
        code: r.code,
        jurisdiction: r.jurisdiction,
        rate_ppm: r.rate_ppm,
        inclusive: r.inclusive,
        compound: r.compound,
        base: r.compound ? base + ncSum : base,
        amount,
      };
      if (exempt) t.exempt_reason = `exemption certificate ${exemption!.certificate_id}`;
      taxes.push(t);
    }
    // Keep table order within each group for stable receipts.
    const pos = new Map(table.rates.map((r, k) => [r.code, k]));
    taxes.sort((a, b) => Number(a.compound) - Number(b.compound) || pos.get(a.code)! - pos.get(b.code)!);
    const exclusive = taxes.reduce((s, t) => s + (t.inclusive ? 0 : t.amount), 0);
    const inclusive = taxes.reduce((s, t) => s + (t.inclusive ? t.amount : 0), 0);
    return { line_id: p.input.line_id, taxes, exclusive, inclusive };
  });

  return { lines: outLines, ...summarizeTaxes(outLines.map((l) => l.taxes), table) };
}

/** Per-rate breakdown (receipt and ledger) from line taxes; rows in table order when a table is given, else first appearance. */
export function summarizeTaxes(
  lineTaxes: ReadonlyArray<readonly LineTax[]>,
  table?: TaxTable,
): { breakdown: TaxBreakdownRow[]; tax_total: number; exclusive_total: number; inclusive_total: number } {
  const rows = new Map<string, TaxBreakdownRow>();
  let exclusive = 0;
  let inclusive = 0;
  for (const taxes of lineTaxes) {
    for (const t of taxes) {
      const key = `${t.code}|${t.jurisdiction}|${t.rate_ppm}|${t.inclusive}`;
      const row = rows.get(key) ?? { code: t.code, jurisdiction: t.jurisdiction, rate_ppm: t.rate_ppm, inclusive: t.inclusive, base: 0, amount: 0 };
      row.base += t.base;
      row.amount += t.amount;
      rows.set(key, row);
      if (t.inclusive) inclusive += t.amount;
      else exclusive += t.amount;
    }
  }
  let breakdown = [...rows.values()];
  if (table) {
    const pos = new Map(table.rates.map((r, k) => [r.code, k]));
    breakdown = breakdown.sort((a, b) => (pos.get(a.code) ?? 1e9) - (pos.get(b.code) ?? 1e9));
  }
  return { breakdown, tax_total: exclusive + inclusive, exclusive_total: exclusive, inclusive_total: inclusive };
}
