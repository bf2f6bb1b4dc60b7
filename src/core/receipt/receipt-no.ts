// Receipt numbers: `<terminal>-<seq>` with the seq of the sale's journal event, zero-padded
// to six digits (never truncated). Printed in words and as the receipt's barcode/QR, so a
// return on any register of the store can name the sale. The journal indexes them.

const TERMINAL = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_SEQ_DIGITS = 12;

export function receiptNo(terminalId: string, seq: number): string {
  return `${terminalId}-${String(seq).padStart(6, '0')}`;
}

/**
 * Reads a receipt number, or the QR/barcode content printed on the receipt. A bare number
 * is taken as this register's. null when the text is not a receipt code.
 */
export function parseReceiptCode(code: string, ownTerminalId: string): { terminal_id: string; seq: number; receipt_no: string } | null {
  const c = code.trim();
  if (c.length > 100) return null;
  let terminal = ownTerminalId;
  let body = c;
  const dash = c.lastIndexOf('-');
  if (dash > 0) {
    terminal = c.slice(0, dash);
    body = c.slice(dash + 1);
  }
  if (!TERMINAL.test(terminal) || !new RegExp(`^\\d{1,${MAX_SEQ_DIGITS}}$`).test(body)) return null;
  const seq = Number(body);
  return seq >= 1 ? { terminal_id: terminal, seq, receipt_no: receiptNo(terminal, seq) } : null;
}
