import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { parseStatementBytes, STATEMENT_FORMATS, StatementParseError, type StatementFormat } from '../../hub/books/statements';
import { parseSettlementBytes, SETTLEMENT_FORMATS, SettlementParseError, type SettlementFormat } from '../../hub/books/settlement';

// `tillstream books …`: the finance team's tools (docs/books.md). `statement parse` reads a
// bank statement file and prints one JSON object; a file that does not parse prints one line
// on stderr naming the line or element, and exits 1.

function readProfile(arg: string): unknown {
  // --profile takes inline JSON or a path to a JSON file.
  const text = arg.trim().startsWith('{') ? arg : readFileSync(arg, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new StatementParseError('csv', 'profile', `not JSON: ${(e as Error).message}`);
  }
}

export function register(program: Command): void {
  const books = program.command('books').description('Books: bank statements, reconciliation, export batches, corrections, historical import');
  const statement = books.command('statement').description('Bank statements (camt.053, MT940, OFX, CSV)');
  statement
    .command('parse <file>')
    .description('Parse a bank statement file and print it as one JSON object')
    .option('--format <format>', `${STATEMENT_FORMATS.join(' | ')} (default: detected from the content)`)
    .option('--profile <json>', 'CSV column profile: inline JSON or a JSON file')
    .action((file: string, o: { format?: string; profile?: string }) => {
      try {
        if (o.format !== undefined && !STATEMENT_FORMATS.includes(o.format as StatementFormat)) {
          throw new StatementParseError('unknown', '--format', `must be one of ${STATEMENT_FORMATS.join(', ')}, got "${o.format}"`);
        }
        const bytes = readFileSync(file);
        const parsed = parseStatementBytes(bytes, { format: o.format as StatementFormat | undefined, profile: o.profile === undefined ? undefined : readProfile(o.profile) });
        process.stdout.write(`${JSON.stringify(parsed)}\n`);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        process.stderr.write(`${message.replace(/\s*\n\s*/g, ' ')}\n`);
        process.exitCode = 1;
      }
    });

  const settlement = books.command('settlement').description('Card processor settlement reports (generic CSV, Stripe, Adyen)');
  settlement
    .command('parse <file>')
    .description('Parse a settlement report and print its lines and payouts as one JSON object')
    .option('--format <format>', `${SETTLEMENT_FORMATS.join(' | ')} (default: detected from the header)`)
    .option('--processor <key>', 'processor key of a generic file, as the chart names it (e.g. worldpay)')
    .action((file: string, o: { format?: string; processor?: string }) => {
      try {
        if (o.format !== undefined && !SETTLEMENT_FORMATS.includes(o.format as SettlementFormat)) {
          throw new SettlementParseError('unknown', '--format', `must be one of ${SETTLEMENT_FORMATS.join(', ')}, got "${o.format}"`);
        }
        const report = parseSettlementBytes(readFileSync(file), { format: o.format as SettlementFormat | undefined, processor: o.processor });
        process.stdout.write(`${JSON.stringify(report)}\n`);
      } catch (e) {
        process.stderr.write(`${(e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ')}\n`);
        process.exitCode = 1;
      }
    });
}
