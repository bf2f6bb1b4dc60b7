import { parseCamt053 } from './camt053';
import { loadCsvProfile, parseCsvStatement, type CsvProfile } from './csv';
import { decodeStatementBytes } from './decode';
import { parseMt940 } from './mt940';
import { parseOfx } from './ofx';
import { MAX_STATEMENT_BYTES, StatementParseError, STATEMENT_FORMATS, type ParsedStatements, type StatementFormat } from './types';

// Front door of bank statement parsing: bytes in, one ParsedStatements or a
// StatementParseError naming the line or element. Nothing here touches the database.

export * from './types';
export { csvProfileSchema, loadCsvProfile, type CsvProfile, type CsvProfileInput } from './csv';
export { parse86 } from './mt940';

/** Guesses the format from the content (not the file name). */
export function detectStatementFormat(text: string): StatementFormat {
  const head = text.slice(0, 4096).replace(/^\s+/, '');
  if (/^OFXHEADER\s*:/i.test(head) || /<\?OFX\b/i.test(head) || /^<OFX>/i.test(head)) return 'ofx';
  if (head.startsWith('<')) {
    if (/BkToCstmrStmt|camt\.05/.test(text.slice(0, 8192))) return 'camt053';
    if (/<OFX\b/i.test(text.slice(0, 8192))) return 'ofx';
    return 'camt053';
  }
  if (/^\{1:/.test(head) || /(^|\n):\d{2}[A-Z]?:/.test(head)) return 'mt940';
  return 'csv';
}

export interface ParseStatementOptions {
  format?: StatementFormat;
  /** CSV column profile (JSON value, validated here). */
  profile?: unknown;
}

export function parseStatementText(text: string, options: ParseStatementOptions = {}): ParsedStatements {
  const format = options.format ?? detectStatementFormat(text);
  if (!STATEMENT_FORMATS.includes(format)) throw new StatementParseError('unknown', 'format', `must be one of ${STATEMENT_FORMATS.join(', ')}`);
  if (text.includes('\u0000')) throw new StatementParseError(format, 'line 1', 'binary data (NUL bytes): not a statement file');
  switch (format) {
    case 'camt053':
      return { format, statements: parseCamt053(text) };
    case 'mt940':
      return { format, statements: parseMt940(text) };
    case 'ofx':
      return { format, statements: parseOfx(text) };
    case 'csv': {
      if (options.profile === undefined) throw new StatementParseError('csv', 'profile', 'a CSV statement needs a column profile (--profile <json>); see docs/books.md');
      const profile: CsvProfile = loadCsvProfile(options.profile);
      return { format, statements: parseCsvStatement(text, profile) };
    }
  }
}

export function parseStatementBytes(bytes: Uint8Array, options: ParseStatementOptions = {}): ParsedStatements {
  if (bytes.byteLength > MAX_STATEMENT_BYTES) throw new StatementParseError(options.format ?? 'unknown', 'file', `larger than ${MAX_STATEMENT_BYTES} bytes`);
  if (bytes.byteLength === 0) throw new StatementParseError(options.format ?? 'unknown', 'line 1', 'empty file');
  return parseStatementText(decodeStatementBytes(bytes), options);
}
