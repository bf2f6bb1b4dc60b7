import { cleanText, finishStatement, isCurrencyCode, isoDate, normaliseDecimal, signed } from './amounts';
import { lineAt, lineStarts } from './decode';
import { child, children, parseXml, textOf, where, XmlSyntaxError, type XNode } from './xml';
import { MAX_ENTRIES, StatementParseError, type BankStatement, type DatedAmount, type StatementEntry } from './types';

// OFX bank and credit-card statements. OFX 2.x is XML and goes through the XML parser;
// OFX 1.x is SGML, where elements with a value (<TRNAMT>-10.00) have no end tag and
// aggregates (<STMTTRN>…</STMTTRN>) do. No maintained npm parser reads 1.x SGML with
// line-accurate errors (they rewrite it to XML by regex), so 1.x is tokenised here into the
// same element tree; both versions are then read by one mapping.
//
//   OFX/BANKMSGSRSV1/STMTTRNRS/STMTRS (or CREDITCARDMSGSRSV1/CCSTMTTRNRS/CCSTMTRS):
//   CURDEF, BANKACCTFROM/ACCTID (CCACCTFROM/ACCTID), BANKTRANLIST/STMTTRN* (TRNAMT signed,
//   DTPOSTED, DTAVAIL, FITID, REFNUM, CHECKNUM, NAME, PAYEE/NAME, MEMO, CURRENCY/CURSYM),
//   LEDGERBAL (BALAMT, DTASOF)
//
// OFX gives a closing (ledger) balance but no opening balance, so balance_check is "no
// balances" unless a bank adds none-standard opening data; we never invent one.

const OFX = 'ofx' as const;
const MAX_DEPTH = 64;

function fail(n: XNode, problem: string): never {
  throw new StatementParseError(OFX, where(n), problem);
}

/** OFX 1.x SGML body → element tree. Leaf elements may or may not be closed. */
export function parseSgml(body: string, lineOffset: number): XNode {
  const starts = lineStarts(body);
  const at = (i: number) => lineAt(starts, i) + lineOffset;
  const root: XNode = { name: '#root', path: '', line: 0, text: '', attrs: {}, children: new Map() };
  const stack: XNode[] = [root];
  const tagRe = /<(\/?)([A-Za-z0-9._]+)\s*>/g;
  let m: RegExpExecArray | null;
  let last = 0;
  let pendingLeaf: XNode | null = null;
  const add = (parent: XNode, node: XNode) => {
    const list = parent.children.get(node.name) ?? [];
    node.path = `${parent.path ? `${parent.path}/` : ''}${node.name}[${list.length + 1}]`;
    list.push(node);
    parent.children.set(node.name, list);
  };
  const textBetween = (from: number, to: number) => decodeEntities(body.slice(from, to)).trim();
  while ((m = tagRe.exec(body)) !== null) {
    const between = textBetween(last, m.index);
    const top = stack[stack.length - 1]!;
    if (between !== '') {
      // text after an open tag makes that element a leaf, closed by the next tag
      if (top === root || top.children.size > 0 || top.text !== '') throw new StatementParseError(OFX, `line ${at(last)}`, `unexpected text "${between.slice(0, 40)}"`);
      top.text = between;
      stack.pop();
      pendingLeaf = top;
    }
    last = tagRe.lastIndex;
    const closing = m[1] === '/';
    const name = m[2]!.toUpperCase();
    if (!closing) {
      if (stack.length > MAX_DEPTH) throw new StatementParseError(OFX, `line ${at(m.index)}`, `nested deeper than ${MAX_DEPTH}`);
      const node: XNode = { name, path: '', line: at(m.index), text: '', attrs: {}, children: new Map() };
      add(stack[stack.length - 1]!, node);
      stack.push(node);
      pendingLeaf = null;
      continue;
    }
    // </NAME>: closes a leaf just read (optional in SGML), else an open aggregate.
    if (pendingLeaf && pendingLeaf.name === name) {
      pendingLeaf = null;
      continue;
    }
    pendingLeaf = null;
    const idx = stack.map((s) => s.name).lastIndexOf(name);
    if (idx <= 0) throw new StatementParseError(OFX, `line ${at(m.index)}`, `closing tag </${name}> without a matching <${name}>`);
    // Elements still open inside it were empty leaves (<NAME></NAME> written as <NAME>).
    stack.length = idx;
  }
  const trailing = textBetween(last, body.length);
  if (trailing !== '') {
    const top = stack[stack.length - 1]!;
    if (top !== root && top.children.size === 0) {
      top.text = trailing;
      stack.pop();
    } else throw new StatementParseError(OFX, `line ${at(last)}`, `unexpected text "${trailing.slice(0, 40)}"`);
  }
  if (stack.length > 1) {
    const open = stack.slice(1).find((n) => n.children.size > 0) ?? stack[1]!;
    throw new StatementParseError(OFX, `line ${open.line}`, `<${open.name}> is never closed (file truncated?)`);
  }
  return root;
}

function decodeEntities(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|nbsp);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: ' ' })[e]!);
}

function ofxDate(n: XNode): string {
  const m = /^(\d{4})(\d{2})(\d{2})/.exec(n.text);
  const iso = m ? isoDate(Number(m[1]), Number(m[2]), Number(m[3])) : null;
  if (!iso) fail(n, `not an OFX date YYYYMMDD[HHMMSS…]: "${n.text.slice(0, 40)}"`);
  return iso;
}

/** OFX amounts: optional sign, "." or "," as the decimal mark. */
function ofxAmount(n: XNode, currency: string): string {
  const m = /^([+-]?)(\d*)(?:([.,])(\d*))?$/.exec(n.text.replace(/\s/g, ''));
  const unsigned = m && (m[2] || m[4]) ? normaliseDecimal(`${m[2] || '0'}${m[4] !== undefined ? `.${m[4]}` : ''}`, currency) : null;
  if (!m || unsigned === null) fail(n, `not an amount in ${currency}: "${n.text.slice(0, 40)}"`);
  return signed(unsigned, m[1] === '-');
}

function nonEmpty(n: XNode | undefined): XNode | undefined {
  return n && n.text !== '' ? n : undefined;
}

function statementOf(rs: XNode, budget: { entries: number }): BankStatement {
  const acctNode = child(rs, 'BANKACCTFROM') ?? child(rs, 'CCACCTFROM');
  if (!acctNode) fail(rs, 'missing <BANKACCTFROM> or <CCACCTFROM>');
  const acctId = nonEmpty(child(acctNode, 'ACCTID'));
  if (!acctId) fail(acctNode, 'missing <ACCTID>');
  const trns = children(child(rs, 'BANKTRANLIST'), 'STMTTRN');
  let currency = textOf(rs, 'CURDEF') ?? '';
  if (currency === '') {
    // Some banks leave CURDEF empty and put the currency on each transaction.
    currency = trns.map((t) => textOf(t, 'CURRENCY', 'CURSYM') ?? textOf(t, 'ORIGCURRENCY', 'CURSYM')).find((c) => c) ?? '';
  }
  if (!isCurrencyCode(currency)) fail(child(rs, 'CURDEF') ?? rs, `no ISO 4217 currency in <CURDEF> (got "${currency.slice(0, 10)}")`);
  const entries: StatementEntry[] = [];
  for (const t of trns) {
    if (++budget.entries > MAX_ENTRIES) fail(t, `more than ${MAX_ENTRIES} transactions in one file`);
    const cur = textOf(t, 'CURRENCY', 'CURSYM') || currency;
    if (!isCurrencyCode(cur)) fail(t, `bad currency "${cur.slice(0, 10)}"`);
    const amtNode = nonEmpty(child(t, 'TRNAMT'));
    if (!amtNode) fail(t, 'missing <TRNAMT>');
    const posted = nonEmpty(child(t, 'DTPOSTED'));
    if (!posted) fail(t, 'missing <DTPOSTED>');
    const booking = ofxDate(posted);
    const avail = nonEmpty(child(t, 'DTAVAIL'));
    const name = textOf(t, 'NAME') || textOf(t, 'PAYEE', 'NAME') || '';
    const memo = textOf(t, 'MEMO') ?? '';
    entries.push({
      booking_date: booking,
      value_date: avail ? ofxDate(avail) : booking,
      amount: ofxAmount(amtNode, cur),
      currency: cur,
      reference: cleanText(textOf(t, 'FITID') || textOf(t, 'REFNUM') || textOf(t, 'CHECKNUM') || '', 140),
      counterparty: cleanText(name, 140),
      description: cleanText(memo || name),
    });
  }
  let closing: DatedAmount | null = null;
  const ledger = child(rs, 'LEDGERBAL');
  const balAmt = nonEmpty(child(ledger, 'BALAMT'));
  const asOf = nonEmpty(child(ledger, 'DTASOF'));
  if (balAmt && asOf) closing = { date: ofxDate(asOf), amount: ofxAmount(balAmt, currency) };
  return finishStatement({ account: cleanText(acctId.text, 70), currency, opening: null, closing, entries });
}

function statementsIn(ofx: XNode): XNode[] {
  const out: XNode[] = [];
  for (const tr of children(child(ofx, 'BANKMSGSRSV1'), 'STMTTRNRS')) out.push(...children(tr, 'STMTRS'));
  for (const tr of children(child(ofx, 'CREDITCARDMSGSRSV1'), 'CCSTMTTRNRS')) out.push(...children(tr, 'CCSTMTRS'));
  return out;
}

export function parseOfx(text: string): BankStatement[] {
  const trimmed = text.replace(/^\s+/, '');
  let ofx: XNode | undefined;
  if (/^OFXHEADER\s*:/i.test(trimmed)) {
    const start = text.indexOf('<');
    if (start < 0) throw new StatementParseError(OFX, 'line 1', 'OFX header without an <OFX> body (file truncated?)');
    const lineOffset = text.slice(0, start).split('\n').length - 1;
    ofx = child(parseSgml(text.slice(start), lineOffset), 'OFX');
  } else {
    try {
      ofx = parseXml(text).find((r) => r.name.toUpperCase() === 'OFX');
    } catch (e) {
      if (!(e instanceof XmlSyntaxError)) throw e;
      // Some banks (ANZ among them) write an OFX 2 XML header over an SGML body with
      // unclosed value elements: read the body as SGML; if that fails too, report the XML error.
      const start = text.search(/<OFX>/i);
      if (start < 0) throw new StatementParseError(OFX, `line ${e.line}`, e.message);
      try {
        ofx = child(parseSgml(text.slice(start), text.slice(0, start).split('\n').length - 1), 'OFX');
      } catch {
        throw new StatementParseError(OFX, `line ${e.line}`, e.message);
      }
    }
  }
  if (!ofx) throw new StatementParseError(OFX, 'line 1', 'no <OFX> element');
  const rss = statementsIn(ofx);
  if (rss.length === 0) {
    const status = child(ofx, 'SIGNONMSGSRSV1', 'SONRS', 'STATUS');
    const msg = status ? ` (sign-on status ${textOf(status, 'CODE') ?? '?'} ${textOf(status, 'MESSAGE') ?? ''})` : '';
    // The bank's own answer says why there is none: an error status of the statement request.
    for (const tr of [...children(child(ofx, 'BANKMSGSRSV1'), 'STMTTRNRS'), ...children(child(ofx, 'CREDITCARDMSGSRSV1'), 'CCSTMTTRNRS')]) {
      const st = child(tr, 'STATUS');
      if (st && textOf(st, 'CODE') !== '0') fail(st, `no statement: the bank answered status ${textOf(st, 'CODE') ?? '?'} ${textOf(st, 'SEVERITY') ?? ''} ${textOf(st, 'MESSAGE') ?? ''}`.trimEnd());
    }
    if (child(ofx, 'INVSTMTMSGSRSV1')) fail(child(ofx, 'INVSTMTMSGSRSV1')!, 'an investment statement (INVSTMTMSGSRSV1: positions and trades), not a bank or credit card statement');
    fail(ofx, `no bank or credit card statement (STMTRS/CCSTMTRS)${msg.trimEnd()}`);
  }
  const budget = { entries: 0 };
  return rss.map((rs) => statementOf(rs, budget));
}
