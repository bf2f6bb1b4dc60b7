import { cleanText, finishStatement, isCurrencyCode, normaliseDecimal, signed } from './amounts';
import { child, children, parseXml, textOf, where, XmlSyntaxError, type XNode } from './xml';
import { MAX_ENTRIES, StatementParseError, type BankStatement, type DatedAmount, type StatementEntry } from './types';

// ISO 20022 camt.053 (BankToCustomerStatement), every version from 001.02 to 001.13: the
// elements read here kept their names across versions; where they moved (entry status
// became <Sts><Cd>, party names moved under <Pty> in 001.08), both places are read.
//
//   Document/BkToCstmrStmt/Stmt*: Acct/Id/(IBAN|Othr/Id), Acct/Ccy, Bal* (Tp/CdOrPrtry/Cd,
//   Amt@Ccy, CdtDbtInd, Dt/(Dt|DtTm)), Ntry* (Amt@Ccy, CdtDbtInd, Sts, BookgDt, ValDt,
//   NtryRef, AcctSvcrRef, NtryDtls/TxDtls* (Refs/EndToEndId, RltdPties, RmtInf/Ustrd),
//   AddtlNtryInf)
//
// Only booked entries (status BOOK, or no status) are statement lines: pending and
// information-only entries do not move the booked balance.

function fail(n: XNode, problem: string): never {
  throw new StatementParseError('camt053', where(n), problem);
}

function required(n: XNode, ...names: string[]): XNode {
  const c = child(n, ...names);
  if (!c) fail(n, `missing <${names.join('/')}>`);
  return c;
}

function isoDay(n: XNode): string {
  // <Dt>2023-01-25</Dt> or <DtTm>2023-01-25T00:49:36+01:00</DtTm>: the bank's own calendar day.
  const dt = child(n, 'Dt') ?? child(n, 'DtTm');
  if (!dt) fail(n, 'missing <Dt> or <DtTm>');
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(dt.text);
  if (!m) fail(dt, `not an ISO date: "${dt.text.slice(0, 40)}"`);
  return `${m[1]}-${m[2]}-${m[3]}`;
}

function amountOf(n: XNode): { amount: string; currency: string } {
  const amt = required(n, 'Amt');
  const ccy = amt.attrs.Ccy ?? '';
  if (!isCurrencyCode(ccy)) fail(amt, `Ccy must be an ISO 4217 code, got "${ccy.slice(0, 10)}"`);
  const value = normaliseDecimal(amt.text, ccy);
  if (value === null) fail(amt, `not an amount in ${ccy}: "${amt.text.slice(0, 40)}"`);
  const ind = required(n, 'CdtDbtInd');
  if (ind.text !== 'CRDT' && ind.text !== 'DBIT') fail(ind, `must be CRDT or DBIT, got "${ind.text.slice(0, 20)}"`);
  return { amount: signed(value, ind.text === 'DBIT'), currency: ccy };
}

function balanceCode(b: XNode): string {
  const tp = child(b, 'Tp', 'CdOrPrtry');
  return (textOf(tp, 'Cd') ?? textOf(tp, 'Prtry') ?? '').toUpperCase();
}

function balances(stmt: XNode): { opening: DatedAmount | null; closing: DatedAmount | null; currency?: string } {
  const bals = children(stmt, 'Bal').map((b) => ({ code: balanceCode(b), node: b }));
  const pick = (code: string) => bals.find((b) => b.code === code);
  const interim = bals.filter((b) => b.code === 'ITBD');
  // A statement split over several messages opens and closes its middle pages with interim
  // booked balances: the first is the opening, the last the closing.
  const open = pick('OPBD') ?? pick('PRCD') ?? interim[0];
  const close = pick('CLBD') ?? (interim.length > 0 && interim[interim.length - 1] !== open ? interim[interim.length - 1] : undefined);
  const read = (b: { node: XNode } | undefined): DatedAmount | null => {
    if (!b) return null;
    const a = amountOf(b.node);
    return { date: isoDay(required(b.node, 'Dt')), amount: a.amount };
  };
  const ccy = open ? child(open.node, 'Amt')?.attrs.Ccy : close ? child(close.node, 'Amt')?.attrs.Ccy : undefined;
  return { opening: read(open), closing: read(close), currency: ccy };
}

function isBooked(ntry: XNode): boolean {
  const sts = child(ntry, 'Sts');
  if (!sts) return true;
  const code = (textOf(sts, 'Cd') ?? textOf(sts, 'Prtry') ?? sts.text).toUpperCase();
  return code === '' || code === 'BOOK';
}

function partyName(party: XNode | undefined): string {
  if (!party) return '';
  return textOf(party, 'Nm') ?? textOf(party, 'Pty', 'Nm') ?? textOf(party, 'Pty', 'Id', 'OrgId', 'AnyBIC') ?? '';
}

function meaningful(ref: string | undefined): string | undefined {
  return ref && ref.toUpperCase() !== 'NOTPROVIDED' && ref.toUpperCase() !== 'NONREF' ? ref : undefined;
}

function entryOf(ntry: XNode): StatementEntry {
  const { amount, currency } = amountOf(ntry);
  const bookg = child(ntry, 'BookgDt');
  const val = child(ntry, 'ValDt');
  if (!bookg && !val) fail(ntry, 'missing <BookgDt> and <ValDt>');
  const booking = isoDay((bookg ?? val)!);
  const value = val ? isoDay(val) : booking;
  const txs = children(child(ntry, 'NtryDtls'), 'TxDtls');
  const tx = txs[0];
  const credit = !amount.startsWith('-');
  const parties = child(tx, 'RltdPties');
  const counterparty = credit ? partyName(child(parties, 'Dbtr')) || partyName(child(parties, 'UltmtDbtr')) : partyName(child(parties, 'Cdtr')) || partyName(child(parties, 'UltmtCdtr'));
  const reference =
    meaningful(textOf(tx, 'Refs', 'EndToEndId')) ??
    meaningful(textOf(ntry, 'AcctSvcrRef')) ??
    meaningful(textOf(ntry, 'NtryRef')) ??
    meaningful(textOf(tx, 'Refs', 'AcctSvcrRef')) ??
    meaningful(textOf(tx, 'Refs', 'TxId')) ??
    '';
  const remittance: string[] = [];
  for (const t of txs) {
    for (const u of children(child(t, 'RmtInf'), 'Ustrd')) if (u.text) remittance.push(u.text);
    if (remittance.length === 0) {
      for (const s of children(child(t, 'RmtInf'), 'Strd')) {
        const ref = textOf(s, 'CdtrRefInf', 'Ref');
        if (ref) remittance.push(ref);
      }
    }
    const addtl = textOf(t, 'AddtlTxInf');
    if (remittance.length === 0 && addtl) remittance.push(addtl);
  }
  const description = remittance.length > 0 ? remittance.join(' ') : (textOf(ntry, 'AddtlNtryInf') ?? '');
  return {
    booking_date: booking,
    value_date: value,
    amount,
    currency,
    reference: cleanText(reference, 140),
    counterparty: cleanText(counterparty, 140),
    description: cleanText(description),
  };
}

function accountOf(stmt: XNode): string {
  const acct = required(stmt, 'Acct');
  const id = required(acct, 'Id');
  const v = textOf(id, 'IBAN') ?? textOf(id, 'Othr', 'Id');
  if (!v) fail(id, 'missing <IBAN> or <Othr><Id>');
  return cleanText(v, 70);
}

function statementOf(stmt: XNode, budget: { entries: number }): BankStatement {
  const account = accountOf(stmt);
  const { opening, closing, currency: balCcy } = balances(stmt);
  const entries: StatementEntry[] = [];
  for (const ntry of children(stmt, 'Ntry')) {
    if (++budget.entries > MAX_ENTRIES) fail(ntry, `more than ${MAX_ENTRIES} entries in one file`);
    if (isBooked(ntry)) entries.push(entryOf(ntry));
  }
  const acctCcy = textOf(stmt, 'Acct', 'Ccy');
  if (acctCcy !== undefined && !isCurrencyCode(acctCcy)) fail(child(stmt, 'Acct', 'Ccy')!, `not an ISO 4217 code: "${acctCcy.slice(0, 10)}"`);
  const currency = acctCcy ?? balCcy ?? entries[0]?.currency;
  if (!currency) fail(stmt, 'no currency: neither <Acct><Ccy>, a balance nor an entry gives one');
  return finishStatement({ account, currency, opening, closing, entries });
}

export function parseCamt053(text: string): BankStatement[] {
  let roots: XNode[];
  try {
    roots = parseXml(text);
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw new StatementParseError('camt053', `line ${e.line}`, e.message);
    throw e;
  }
  const doc = roots.find((r) => r.name === 'Document');
  if (!doc) throw new StatementParseError('camt053', roots[0] ? where(roots[0]) : 'line 1', 'the root element must be <Document>');
  const body = child(doc, 'BkToCstmrStmt');
  if (!body) {
    const first = [...doc.children.keys()][0];
    fail(doc, first ? `expected <BkToCstmrStmt> (a camt.053 statement), found <${first}>` : 'expected <BkToCstmrStmt>, found nothing');
  }
  const stmts = children(body, 'Stmt');
  if (stmts.length === 0) fail(body, 'no <Stmt>');
  const budget = { entries: 0 };
  return stmts.map((s) => statementOf(s, budget));
}
