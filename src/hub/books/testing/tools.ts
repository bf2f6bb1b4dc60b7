import { spawnSync } from 'node:child_process';
import type { Chart } from '../../../core/ledger/chart';
import { parseMoney } from '../../../core/money/money';

// Test helper: balances per account as the real accounting tools report them (hledger,
// Beancount's bean-query), and the hub's trial balance in the same shape, keyed
// "Ledger:Name CUR" → minor units (zero balances left out).

function has(cmd: string, arg: string): boolean {
  return spawnSync(cmd, [arg], { encoding: 'utf8' }).status === 0;
}
export const HAS_HLEDGER = has('hledger', '--version');
export const HAS_BEANCOUNT = has('bean-check', '--version') && has('bean-query', '--version');
export const HAS_TOOLS = HAS_HLEDGER && HAS_BEANCOUNT;
if (!HAS_TOOLS) console.warn('SKIPPING hledger/Beancount tool checks: install the Debian packages hledger and beancount');

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000, maxBuffer: 512 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

function add(map: Map<string, number>, key: string, minor: number) {
  const v = (map.get(key) ?? 0) + minor;
  if (v === 0) map.delete(key);
  else map.set(key, v);
}

function toMinor(decimal: string, currency: string): number {
  return Number(parseMoney(decimal.replace(/,/g, ''), currency).amount);
}

/** `hledger bal` per account (flat, no total), parsed from its CSV output. */
export function hledgerBalances(file: string, extra: readonly string[] = []): Map<string, number> {
  const csv = run('hledger', ['-f', file, ...extra.flatMap((f) => ['-f', f]), 'bal', '--flat', '-N', '-O', 'csv']);
  const out = new Map<string, number>();
  for (const line of csv.trim().split('\n').slice(1)) {
    const m = /^"([^"]*)","([^"]*)"$/.exec(line.trim());
    if (!m) throw new Error(`unexpected hledger csv line: ${line}`);
    for (const part of m[2]!.split(', ')) {
      if (part === '0') continue;
      const [amount, currency] = part.trim().split(/\s+/);
      add(out, `${m[1]} ${currency}`, toMinor(amount!, currency!));
    }
  }
  return out;
}

/** bean-query's sum per account and currency. */
export function beancountBalances(file: string): Map<string, number> {
  const csv = run('bean-query', ['-f', 'csv', file, 'SELECT account, currency, sum(number) AS total GROUP BY account, currency ORDER BY account']);
  const out = new Map<string, number>();
  for (const line of csv.trim().split('\n').slice(1)) {
    const [account, currency, total] = line.split(',').map((s) => s.trim());
    add(out, `${account} ${currency}`, toMinor(total!, currency!));
  }
  return out;
}

export function hubBalances(chart: Chart, tb: { rows: Array<{ account: string; currency: string; debit: number; credit: number }> }): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of tb.rows) add(out, `${chart.ledgerNames.get(r.account) ?? `?${r.account}`} ${r.currency}`, r.debit - r.credit);
  return out;
}
