import type { Chart } from '../chart';
import type { JournalEntry } from '../entry';
import { dimensionPairs, ExportError, oneLine, prepareEntries, signedDecimal } from './common';
import { currenciesOf } from './hledger';

// Beancount input. Rules followed (Beancount language syntax): account names start with one
// of Assets/Liabilities/Equity/Income/Expenses and continue with colon-separated components
// that start with a capital letter or digit (the chart enforces that); every account has an
// `open` directive dated on or before its first use; currencies are upper case; strings are
// double-quoted with \" and \\ escaped; metadata keys are lower-case identifiers; links
// (^id) tie a refund or post-void to the sale it corrects.

function str(s: string): string {
  return `"${oneLine(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Link names allow A-Z a-z 0-9 - _ / . only. */
function link(id: string): string {
  return `^${id.replace(/[^A-Za-z0-9\-_/.]/g, '-')}`;
}

function metaKey(k: string): string {
  return k.replace(/[^a-zA-Z0-9_-]/g, '_').replace(/^[^a-z]/, (c) => `m${c.toLowerCase()}`);
}

export interface BeancountOptions {
  title?: string;
  /** Date of the `open` directives; default: the earliest entry date (or 1970-01-01 with no entries). */
  /** Commodities to declare besides those of the entries (a streamed export declares all of its range up front). */
  currencies?: readonly string[];
  openDate?: string;
  /** `option "operating_currency"` lines. */
  operatingCurrencies?: readonly string[];
}

export function toBeancount(entries: readonly JournalEntry[], chart: Chart, options: BeancountOptions = {}): string {
  const sorted = prepareEntries(entries, chart);
  const openDate = options.openDate ?? sorted[0]?.date ?? '1970-01-01';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(openDate)) throw new ExportError(`openDate must be YYYY-MM-DD, got "${openDate}"`);
  if (sorted[0] && sorted[0].date < openDate) throw new ExportError(`openDate ${openDate} is after the first entry (${sorted[0].date}); Beancount needs accounts open before use`);
  const out: string[] = [];
  out.push(`option "title" ${str(options.title ?? `Tillstream ledger export, chart ${chart.config.name}`)}`);
  for (const c of options.operatingCurrencies ?? []) out.push(`option "operating_currency" "${c}"`);
  out.push('');
  for (const a of chart.config.accounts) {
    out.push(`${openDate} open ${chart.ledgerNames.get(a.code)}`);
    out.push(`  code: ${str(a.code)}`);
    out.push(`  name: ${str(a.name)}`);
  }
  for (const c of [...new Set([...currenciesOf(sorted), ...(options.currencies ?? [])])].sort()) out.push(`${openDate} commodity ${c}`);
  out.push('');
  for (const e of sorted) {
    const links = new Set([link(e.entry_id)]);
    if (e.reverses) links.add(link(e.reverses));
    if (e.adjusts) links.add(link(e.adjusts));
    out.push(`${e.date} * ${str(`${e.source.store_id}/${e.source.terminal_id}`)} ${str(e.memo || e.source.type)} ${[...links].join(' ')}`);
    out.push(`  entry_id: ${str(e.entry_id)}`);
    out.push(`  event_id: ${str(e.source.event_id)}`);
    out.push(`  event_type: ${str(e.source.type)}`);
    out.push(`  seq: ${e.source.seq}`);
    if (e.reverses) out.push(`  reverses: ${str(e.reverses)}`);
    if (e.adjusts) out.push(`  adjusts: ${str(e.adjusts)}`);
    for (const l of e.lines) {
      out.push(`  ${chart.ledgerNames.get(l.account)}  ${signedDecimal(l)} ${l.currency}`);
      for (const [k, v] of dimensionPairs(l)) out.push(`    ${metaKey(k)}: ${str(v)}`);
    }
    out.push('');
  }
  return out.join('\n');
}
