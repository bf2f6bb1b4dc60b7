import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { errorText } from '../api';
import { fmt } from '../money';
import { usePaged, PagedTable, type Column } from '../paged';
import i18next from 'i18next';
import { Account, useAccountNames, accountText } from '../accounts';
import { PostingMap } from './PostingMap';
import { ago, Empty, Notice, PageHeader, Progress, StoreSelect, storeName, timeText, typeLabel, useLoad, useSession } from '../ui';

// The books (docs/books.md), one tab each in the URL (#/books?tab=exports): the journal of
// ledger entries, the trial balance, export batches to accounting tools, corrections coming
// back from them, reconciliation of bank and processor files, and historical imports. Long
// operations show their steps as they happen; nothing here edits an entry: corrections and
// resolutions are added beside what they correct.

const TABS = [{ id: 'journal' }, { id: 'trial' }, { id: 'map' }, { id: 'exports' }, { id: 'corrections' }, { id: 'reconciliation' }, { id: 'history' }] as const;
// Texts are read at render time; a change of language draws the page again (App keys <main> by it).
const t = (key: string, opts?: Record<string, unknown>): string => i18next.t(`books.${key}`, opts ?? {});
type TabId = (typeof TABS)[number]['id'];

function tabFromHash(): TabId {
  const m = /[?&]tab=([a-z]+)/.exec(location.hash);
  return (TABS.find((t) => t.id === m?.[1])?.id ?? 'journal') as TabId;
}

export function Books() {
  const { me } = useSession();
  const [tab, setTab] = useState<TabId>(tabFromHash);
  useEffect(() => {
    const on = () => setTab(tabFromHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  const chainWide = me.role === 'admin' || me.role === 'hq';
  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <nav className="tabs" aria-label={t('title')}>
        {TABS.map((x) => (
          <a key={x.id} href={`#/books?tab=${x.id}`} className={x.id === tab ? 'on' : ''} aria-current={x.id === tab ? 'page' : undefined} data-testid={`books-tab-${x.id}`}>
            {t(`tab_${x.id}`)}
          </a>
        ))}
      </nav>
      {!chainWide ? (
        <Notice kind="info">{t('onlyChain')}</Notice>
      ) : tab === 'journal' ? (
        <Journal />
      ) : tab === 'trial' ? (
        <TrialBalance />
      ) : tab === 'map' ? (
        <PostingMap />
      ) : tab === 'exports' ? (
        <Exports />
      ) : tab === 'corrections' ? (
        <Corrections />
      ) : tab === 'reconciliation' ? (
        <Reconciliation />
      ) : (
        <History />
      )}
    </>
  );
}

// ---- shared bits ----

interface Line {
  account: string;
  currency: string;
  debit: number;
  credit: number;
}

/** Steps of a long operation: done ones ticked, the current one named, a bar when counted. */
function Steps(props: { steps: string[]; at: number; testId?: string }) {
  return (
    <ol className="steps" role="status" aria-live="polite" data-testid={props.testId ?? 'steps'}>
      {props.steps.map((s, i) => (
        <li key={s} className={i < props.at ? 'done' : i === props.at ? 'now' : ''}>
          {s}
        </li>
      ))}
    </ol>
  );
}

function Figure(props: { label: string; value: ReactNode; testId?: string }) {
  return (
    <div className="figure" data-testid={props.testId}>
      <span>{props.label}</span>
      <b>{props.value}</b>
    </div>
  );
}

function LinesCells(props: { lines: Line[] }) {
  const { api } = useSession();
  const names = useAccountNames(api);
  return (
    <table className="table compact entry-lines">
      <tbody>
        {props.lines.map((l, i) => (
          <tr key={i}>
            <td>
              <Account names={names} code={l.account} />
            </td>
            <td className="num">{l.debit ? fmt(l.debit, l.currency) : ''}</td>
            <td className="num">{l.credit ? fmt(l.credit, l.currency) : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

async function readFile(file: File, as: 'text' | 'base64'): Promise<string> {
  if (file.size > 6 * 1024 * 1024) throw new Error(t('tooBig', { name: file.name, mb: (file.size / 1024 / 1024).toFixed(1) }));
  if (as === 'text') return file.text();
  const bytes = new Uint8Array(await file.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

function saveFile(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---- journal ----

interface EntryRow {
  entry_id: string;
  date: string;
  memo: string;
  store_id: string | null;
  terminal_id: string | null;
  event_id: string | null;
  event_type: string;
  reverses: string | null;
  adjusts: string | null;
  posted_at: string;
  lines: Array<Line & { line_no: number }>;
}

function useAccounts(): string[] {
  const { api } = useSession();
  const tb = useLoad(() => api.get<{ rows: Array<{ account: string }> }>('/api/ledger/trial-balance'), []);
  return [...new Set((tb.data?.rows ?? []).map((r) => r.account))].sort();
}

function Journal() {
  const { api, stores } = useSession();
  const accounts = useAccounts();
  const names = useAccountNames(api);
  const [f, setF] = useState(() => ({ from: '', to: '', store: '', account: decodeURIComponent(/[?&]account=([^&]+)/.exec(location.hash)?.[1] ?? '') }));
  const [bad, setBad] = useState<string | null>(null);
  const key = JSON.stringify(f);
  const entries = usePaged(
    (cursor) =>
      api
        .get<{ entries: EntryRow[]; next_cursor: string | null }>('/api/ledger/entries', { from: f.from, to: f.to, store_id: f.store, account: f.account, limit: 25, cursor })
        .then((r) => ({ rows: r.entries, next_cursor: r.next_cursor })),
    key,
  );
  const set = (k: keyof typeof f) => (v: string) => {
    const next = { ...f, [k]: v };
    if (next.from && next.to && next.from > next.to) return setBad(t('fromAfterTo'));
    setBad(null);
    setF(next);
  };
  const columns: Array<Column<EntryRow>> = [
    { header: t('date'), cell: (e) => e.date, className: 'nowrap' },
    {
      header: t('entry'),
      cell: (e) => (
        <>
          <div>{e.memo || typeLabel(e.event_type)}</div>
          <div className="muted small">
            <span className="mono-ish">{e.entry_id}</span>
            {e.reverses ? ` · ${t('reverses', { id: e.reverses })}` : ''}
            {e.adjusts ? ` · ${t('adjusts', { id: e.adjusts })}` : ''}
          </div>
          {e.event_id ? (
            <a href={`#/sales?open=${e.event_id}`} className="small" data-testid="entry-sale-link">
              {t('openEvent', { what: typeLabel(e.event_type) })}
            </a>
          ) : null}
        </>
      ),
    },
    { header: i18next.t('common.store'), cell: (e) => (e.store_id ? storeName(stores, e.store_id) : <span className="muted">{t('booksOnly')}</span>) },
    { header: t('linesCol'), cell: (e) => <LinesCells lines={e.lines} /> },
  ];
  return (
    <>
      <div className="filters card" role="search" aria-label={t('findEntries')}>
        <label className="field">
          <span>{i18next.t('common.from')}</span>
          <input type="date" value={f.from} onChange={(e) => set('from')(e.target.value)} data-testid="journal-from" />
        </label>
        <label className="field">
          <span>{i18next.t('common.to')}</span>
          <input type="date" value={f.to} onChange={(e) => set('to')(e.target.value)} data-testid="journal-to" />
        </label>
        <StoreSelect value={f.store} onChange={set('store')} all testId="journal-store" />
        <label className="field">
          <span>{t('account')}</span>
          <select value={f.account} onChange={(e) => set('account')(e.target.value)} data-testid="journal-account">
            <option value="">{t('allAccounts')}</option>
            {accounts.map((a) => (
              <option key={a} value={a}>
                {accountText(names, a)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="btn" onClick={entries.reload}>
          {i18next.t('common.refresh')}
        </button>
      </div>
      {bad ? <Notice kind="error">{bad}</Notice> : null}
      <section className="card" aria-label={t('entries')}>
        <PagedTable paged={entries} columns={columns} rowKey={(e) => e.entry_id} label={t('entries')} testId="journal" rowTestId="journal-row" empty={t('noEntries')} />
      </section>
    </>
  );
}

// ---- trial balance ----

interface TrialBalanceReply {
  rows: Array<{ account: string; currency: string; debit: number; credit: number }>;
  balanced: boolean;
  totals: Record<string, { debit: number; credit: number }>;
}

function TrialBalance() {
  const { api } = useSession();
  const names = useAccountNames(api);
  const [f, setF] = useState({ from: '', to: '', store: '' });
  const tb = useLoad(() => api.get<TrialBalanceReply>('/api/ledger/trial-balance', { from: f.from, to: f.to, store_id: f.store }), [JSON.stringify(f)]);
  return (
    <>
      <div className="filters card" role="search" aria-label={t('tbRange')}>
        <label className="field">
          <span>{i18next.t('common.from')}</span>
          <input type="date" value={f.from} onChange={(e) => setF({ ...f, from: e.target.value })} data-testid="tb-from" />
        </label>
        <label className="field">
          <span>{i18next.t('common.to')}</span>
          <input type="date" value={f.to} onChange={(e) => setF({ ...f, to: e.target.value })} data-testid="tb-to" />
        </label>
        <StoreSelect value={f.store} onChange={(v) => setF({ ...f, store: v })} all testId="tb-store" />
        <button type="button" className="btn" onClick={tb.reload}>
          {i18next.t('common.refresh')}
        </button>
      </div>
      {tb.error ? <Notice kind="error">{tb.error}</Notice> : null}
      {tb.data ? (
        <section className="card" aria-labelledby="tb-h">
          <div className="row between">
            <h2 id="tb-h">{t('tab_trial')}</h2>
            <span className={`pill ${tb.data.balanced ? 'pill-ok' : 'pill-bad'}`} data-testid="tb-balanced">
              {tb.data.balanced ? t('balanced') : t('notBalanced')}
            </span>
          </div>
          {tb.data.rows.length === 0 ? (
            <Empty>{t('noPosted')}</Empty>
          ) : (
            <table className="table" data-testid="trial-balance">
              <thead>
                <tr>
                  <th scope="col">{t('account')}</th>
                  <th scope="col">{t('currency')}</th>
                  <th scope="col" className="num">{t('debit')}</th>
                  <th scope="col" className="num">{t('credit')}</th>
                  <th scope="col" className="num">{t('balance')}</th>
                </tr>
              </thead>
              <tbody>
                {tb.data.rows.map((r) => (
                  <tr key={`${r.account}-${r.currency}`}>
                    <td>
                      <a href={`#/books?tab=journal&account=${encodeURIComponent(r.account)}`} title={t('itsEntries')}>
                        <Account names={names} code={r.account} />
                      </a>
                    </td>
                    <td>{r.currency}</td>
                    <td className="num">{r.debit ? fmt(r.debit, r.currency) : ''}</td>
                    <td className="num">{r.credit ? fmt(r.credit, r.currency) : ''}</td>
                    <td className={`num ${r.debit - r.credit < 0 ? 'neg' : ''}`}>{fmt(r.debit - r.credit, r.currency)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                {Object.entries(tb.data.totals).map(([cur, sum]) => (
                  <tr key={cur}>
                    <th scope="row">{t('total')}</th>
                    <td>{cur}</td>
                    <td className="num strong">{fmt(sum.debit, cur)}</td>
                    <td className="num strong">{fmt(sum.credit, cur)}</td>
                    <td className="num strong">{fmt(sum.debit - sum.credit, cur)}</td>
                  </tr>
                ))}
              </tfoot>
            </table>
          )}
        </section>
      ) : null}
    </>
  );
}

// ---- export batches ----

interface Batch {
  batch_id: number;
  target: string;
  format: 'hledger' | 'beancount' | 'quickbooks-csv' | 'xero-csv';
  mode: 'per_transaction' | 'daily_summary';
  range_from: string | null;
  range_to: string | null;
  repeat: boolean;
  entry_count: number;
  content_sha256: string;
  created_by: string;
  created_at: string;
}
const FORMATS: Array<Batch['format']> = ['hledger', 'beancount', 'quickbooks-csv', 'xero-csv'];
const MODES: Array<Batch['mode']> = ['per_transaction', 'daily_summary'];
const formatLabel = (f: string) => t(`f_${f}`);
const modeLabel = (m: string) => t(`m_${m}`);

function Exports() {
  const { api } = useSession();
  const [f, setF] = useState({ target: 'accounting', format: 'hledger' as Batch['format'], mode: 'per_transaction' as Batch['mode'], from: '', to: '', all: false, again: false });
  const [step, setStep] = useState<number | null>(null);
  const [note, setNote] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const batches = usePaged((cursor) => api.get<{ batches: Batch[]; next_cursor: string | null }>('/api/books/exports', { limit: 15, cursor }).then((r) => ({ rows: r.batches, next_cursor: r.next_cursor })), 'exports');
  const download = async (b: Batch) => {
    setNote(null);
    try {
      const file = await api.file(`/api/books/exports/${b.batch_id}/file`);
      saveFile(file.name, file.text, b.format.endsWith('csv') ? 'text/csv' : 'text/plain');
      setNote({ kind: 'ok', text: t('downloaded', { name: file.name }) });
    } catch (err) {
      setNote({ kind: 'error', text: errorText(err) });
    }
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setNote(null);
    if (f.from && f.to && f.from > f.to) return setNote({ kind: 'error', text: t('fromAfterTo') });
    setStep(0);
    try {
      const b = await api.post<Batch>('/api/books/exports', {
        target: f.target.trim(),
        format: f.format,
        mode: f.mode,
        ...(f.from ? { from: f.from } : {}),
        ...(f.to ? { to: f.to } : {}),
        ...(f.all ? { entries: 'all' } : {}),
        ...(f.again ? { again: true } : {}),
      });
      setStep(1);
      batches.reload();
      setNote({ kind: 'ok', text: t('batchMade', { id: b.batch_id, target: b.target, count: b.entry_count }) });
    } catch (err) {
      setNote({ kind: 'error', text: errorText(err) });
    } finally {
      setStep(null);
    }
  };
  const columns: Array<Column<Batch>> = [
    { header: t('batch'), cell: (b) => <span className="strong">#{b.batch_id}</span> },
    { header: t('created'), cell: (b) => <span title={timeText(b.created_at)}>{ago(b.created_at)}</span>, className: 'nowrap' },
    { header: t('target'), cell: (b) => b.target },
    { header: t('format'), cell: (b) => formatLabel(b.format) },
    { header: t('posting'), cell: (b) => modeLabel(b.mode) },
    { header: t('range'), cell: (b) => `${b.range_from ?? t('start')} – ${b.range_to ?? t('now')}${b.repeat ? ` ${t('again')}` : ''}`, className: 'nowrap' },
    { header: t('entriesCol'), cell: (b) => b.entry_count, num: true },
    { header: t('by'), cell: (b) => b.created_by },
    {
      header: <span className="sr-only">{t('download')}</span>,
      cell: (b) => (
        <button type="button" className="btn btn-small" onClick={() => void download(b)} data-testid="batch-download" aria-label={t('downloadBatch', { id: b.batch_id })}>
          {t('download')}
        </button>
      ),
    },
  ];
  return (
    <>
      <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="exp-h" data-testid="export-form">
        <h2 id="exp-h">{t('newBatch')}</h2>
        <p className="muted small">{t('batchLead')}</p>
        <div className="form-grid">
          <label className="field">
            <span>{t('targetLabel')}</span>
            <input value={f.target} onChange={(e) => setF({ ...f, target: e.target.value })} required maxLength={64} data-testid="export-target" />
          </label>
          <label className="field">
            <span>{t('format')}</span>
            <select value={f.format} onChange={(e) => setF({ ...f, format: e.target.value as Batch['format'] })} data-testid="export-format">
              {FORMATS.map((k) => (
                <option key={k} value={k}>
                  {formatLabel(k)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t('postingMode')}</span>
            <select value={f.mode} onChange={(e) => setF({ ...f, mode: e.target.value as Batch['mode'] })} data-testid="export-mode">
              {MODES.map((k) => (
                <option key={k} value={k}>
                  {modeLabel(k)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t('fromOpt')}</span>
            <input type="date" value={f.from} onChange={(e) => setF({ ...f, from: e.target.value })} data-testid="export-from" />
          </label>
          <label className="field">
            <span>{t('toOpt')}</span>
            <input type="date" value={f.to} onChange={(e) => setF({ ...f, to: e.target.value })} data-testid="export-to" />
          </label>
          <fieldset className="targets">
            <legend>{t('entriesCol')}</legend>
            <label className="check">
              <input type="checkbox" checked={f.all} onChange={(e) => setF({ ...f, all: e.target.checked })} /> {t('allInRange')}
            </label>
            <label className="check">
              <input type="checkbox" checked={f.again} onChange={(e) => setF({ ...f, again: e.target.checked })} /> {t('allowAgain')}
            </label>
          </fieldset>
        </div>
        {step !== null ? <Steps steps={[t('stepWriting'), t('stepDone')]} at={step} testId="export-steps" /> : null}
        {note ? <Notice kind={note.kind} testId="export-note">{note.text}</Notice> : null}
        <div className="row end">
          <button type="submit" className="btn btn-primary" disabled={step !== null} data-testid="export-create">
            {t('createBatch')}
          </button>
        </div>
      </form>
      <section className="card" aria-labelledby="exph-h">
        <h2 id="exph-h">{t('exportHistory')}</h2>
        <PagedTable paged={batches} columns={columns} rowKey={(b) => String(b.batch_id)} rowData={(b) => ({ batch: String(b.batch_id) })} label={t('batches')} testId="batches" rowTestId="batch-row" empty={t('noExports')} />
      </section>
    </>
  );
}

// ---- corrections ----
type CorrFormat = Batch['format'];

interface Preview {
  batch_id: number;
  already_imported: boolean;
  unchanged: number;
  adjustments: Array<{ adjusts: string; memo: string; date: string; lines: Line[] }>;
  needs_person: Array<{ entry_id: string | null; where: string; reason: string }>;
}
interface CorrectionImport {
  import_id: number;
  batch_id: number;
  format: string;
  file_name: string;
  imported_by: string;
  imported_at: string;
  summary: Record<string, number>;
}

function Corrections() {
  const { api } = useSession();
  const [format, setFormat] = useState<CorrFormat>('hledger');
  const [file, setFile] = useState<File | null>(null);
  const [content, setContent] = useState<string | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [step, setStep] = useState<number | null>(null);
  const [note, setNote] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const imports = usePaged((cursor) => api.get<{ imports: CorrectionImport[]; next_cursor: string | null }>('/api/books/corrections', { limit: 10, cursor }).then((r) => ({ rows: r.imports, next_cursor: r.next_cursor })), 'corrections');

  const check = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    setNote(null);
    setPreview(null);
    try {
      setStep(0);
      const text = await readFile(file, 'text');
      setContent(text);
      setStep(1);
      setPreview(await api.post<Preview>('/api/books/corrections/preview', { format, content: text, file_name: file.name }));
    } catch (err) {
      setNote({ kind: 'error', text: errorText(err) });
    } finally {
      setStep(null);
    }
  };
  const apply = async () => {
    if (!content || !file || !preview) return;
    setNote(null);
    try {
      setStep(2);
      const r = await api.post<{ import_id: number; adjusted: unknown[]; needs_person: unknown[]; already_imported: boolean }>('/api/books/corrections', { format, content, batch_id: preview.batch_id, file_name: file.name });
      setPreview(null);
      imports.reload();
      setNote({ kind: 'ok', text: r.already_imported ? t('importedBefore', { id: r.import_id }) : t('corrPosted', { id: r.import_id, adjusted: r.adjusted.length, person: r.needs_person.length }) });
    } catch (err) {
      setNote({ kind: 'error', text: errorText(err) });
    } finally {
      setStep(null);
    }
  };
  const columns: Array<Column<CorrectionImport>> = [
    { header: t('import'), cell: (i) => <span className="strong">#{i.import_id}</span> },
    { header: t('when'), cell: (i) => <span title={timeText(i.imported_at)}>{ago(i.imported_at)}</span> },
    { header: t('batch'), cell: (i) => `#${i.batch_id}` },
    { header: t('file'), cell: (i) => i.file_name || <span className="muted">—</span> },
    { header: t('by'), cell: (i) => i.imported_by },
    { header: t('adjusted'), cell: (i) => i.summary.adjusted ?? 0, num: true },
    { header: t('forPerson'), cell: (i) => i.summary.needs_person ?? 0, num: true },
    { header: t('unchanged'), cell: (i) => i.summary.unchanged ?? 0, num: true },
  ];
  return (
    <>
      <form className="card" onSubmit={(e) => void check(e)} aria-labelledby="corr-h" data-testid="corrections-form">
        <h2 id="corr-h">{t('importCorrections')}</h2>
        <p className="muted small">
          {t('corrLead')}
        </p>
        <div className="row gap">
          <label className="field">
            <span>{t('format')}</span>
            <select value={format} onChange={(e) => setFormat(e.target.value as CorrFormat)} data-testid="corrections-format">
              {FORMATS.map((f) => (
                <option key={f} value={f}>{formatLabel(f)}</option>
              ))}
            </select>
          </label>
          <label className="field grow">
            <span>{t('editedFile')}</span>
            <input type="file" accept=".journal,.ledger,.hledger,.beancount,.txt,.csv" onChange={(e) => { setFile(e.target.files?.[0] ?? null); setPreview(null); }} data-testid="corrections-file" />
          </label>
          <button type="submit" className="btn" disabled={!file || step !== null} data-testid="corrections-check">
            {t('checkFile')}
          </button>
        </div>
        {step !== null ? <Steps steps={[t('stepReading'), t('stepComparing'), t('stepPosting')]} at={step} testId="corrections-steps" /> : null}
        {note ? <Notice kind={note.kind} testId="corrections-note">{note.text}</Notice> : null}
      </form>
      {preview ? (
        <section className="card" aria-labelledby="diff-h" data-testid="corrections-preview">
          <div className="row between">
            <h2 id="diff-h">{t('wouldPost', { id: preview.batch_id })}</h2>
            <button type="button" className="btn btn-primary" onClick={() => void apply()} disabled={step !== null || preview.already_imported || preview.adjustments.length === 0} data-testid="corrections-apply">
              {t('postN', { count: preview.adjustments.length })}
            </button>
          </div>
          {preview.already_imported ? <Notice kind="info">{t('exactBefore')}</Notice> : null}
          <div className="figures">
            <Figure label={t('adjustingEntries')} value={preview.adjustments.length} testId="corr-adjusted" />
            <Figure label={t('forPerson')} value={preview.needs_person.length} testId="corr-person" />
            <Figure label={t('unchanged')} value={preview.unchanged} testId="corr-unchanged" />
          </div>
          {preview.adjustments.length ? (
            <table className="table" data-testid="corrections-diff">
              <thead>
                <tr>
                  <th scope="col">{t('corrects')}</th>
                  <th scope="col">{t('date')}</th>
                  <th scope="col">{t('adjustingCol')}</th>
                </tr>
              </thead>
              <tbody>
                {preview.adjustments.map((a) => (
                  <tr key={a.adjusts} data-testid="diff-row">
                    <td>
                      <span className="mono-ish">{a.adjusts}</span>
                      <div className="muted small">{a.memo}</div>
                    </td>
                    <td className="nowrap">{a.date}</td>
                    <td>
                      <LinesCells lines={a.lines} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          {preview.needs_person.length ? (
            <>
              <h3>{t('leftForPerson')}</h3>
              <ul className="plain bad-rows" data-testid="corrections-person">
                {preview.needs_person.map((n, i) => (
                  <li key={i}>
                    <span className="mono-ish">{n.entry_id ?? n.where}</span>: {n.reason}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </section>
      ) : null}
      <section className="card" aria-labelledby="corrh-h">
        <h2 id="corrh-h">{t('earlierCorrections')}</h2>
        <PagedTable paged={imports} columns={columns} rowKey={(i) => String(i.import_id)} label={t('corrImports')} testId="correction-imports" empty={t('noCorrections')} />
      </section>
    </>
  );
}

// ---- reconciliation ----

interface FileLine {
  line_id: number;
  item_key: string | null;
  date: string;
  currency: string;
  amount: number;
  reference: string;
  text: string;
  status: 'matched' | 'open' | 'not reconciled';
  reason: string | null;
  matched_with: string | null;
  resolution: { resolved_by: string; resolved_at: string; note: string } | null;
}
interface ReconItem {
  item_key: string;
  kind: string;
  store_id: string | null;
  date: string;
  currency: string;
  expected: number;
  received: number;
  status: string;
  reason: string | null;
  matched_with: string | null;
  detail: string;
  resolution: { resolved_by: string; resolved_at: string; note: string } | null;
}
interface ImportRow {
  import_id: number;
  kind: 'statement' | 'settlement';
  format: string;
  processor: string | null;
  file_name: string;
  imported_by: string;
  imported_at: string;
}
const kindLabel = (k: string) => t(`k_${k}`, { defaultValue: k });

function ItemStatus(props: { status: string; reason: string | null; resolved: boolean }) {
  if (props.resolved) return <span className="tag tag-resolved" data-testid="item-status">{t('resolved')}</span>;
  if (props.status === 'matched') return <span className="tag tag-matched" data-testid="item-status">{t('matched')}</span>;
  if (props.status === 'open') return <span className="tag tag-open" data-testid="item-status">{t('openReason', { reason: props.reason ?? t('unmatched') })}</span>;
  return <span className="tag tag-not-reconciled" data-testid="item-status">{t('notReconciled')}</span>;
}

function ResolveForm(props: { itemKey: string; onDone(): void }) {
  const { api } = useSession();
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!open)
    return (
      <button type="button" className="btn btn-small" onClick={() => setOpen(true)} data-testid="item-resolve">
        {t('resolve')}
      </button>
    );
  return (
    <form
      className="resolve"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        api
          .post(`/api/books/recon/items/${encodeURIComponent(props.itemKey)}/resolutions`, { note: note.trim() })
          .then(() => props.onDone())
          .catch((err: unknown) => setError(errorText(err)))
          .finally(() => setBusy(false));
      }}
    >
      <label className="field">
        <span>{t('whyResolved')}</span>
        <input value={note} onChange={(e) => setNote(e.target.value)} required maxLength={1000} autoFocus data-testid="item-note" />
      </label>
      <div className="row gap">
        <button type="submit" className="btn btn-small btn-primary" disabled={busy || !note.trim()} data-testid="item-record">
          {t('record')}
        </button>
        <button type="button" className="btn btn-small" onClick={() => setOpen(false)}>
          {i18next.t('common.cancel')}
        </button>
      </div>
      {error ? <Notice kind="error">{error}</Notice> : null}
    </form>
  );
}

function Reconciliation() {
  const { api, stores } = useSession();
  const [kind, setKind] = useState<'statement' | 'settlement'>('statement');
  const [format, setFormat] = useState('');
  const [processor, setProcessor] = useState('');
  const [profile, setProfile] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [step, setStep] = useState<number | null>(null);
  const [note, setNote] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [shownImport, setShownImport] = useState<{ import_id: number; file: string; lines: number; matched?: number; open?: number } | null>(null);
  const [onlyOpen, setOnlyOpen] = useState(true);
  const [n, setN] = useState(0);

  const lines = usePaged(
    (cursor) =>
      shownImport ? api.get<{ lines: FileLine[]; next_cursor: string | null }>(`/api/books/imports/${shownImport.import_id}/lines`, { limit: 25, cursor }).then((r) => ({ rows: r.lines, next_cursor: r.next_cursor })) : Promise.resolve({ rows: [], next_cursor: null }),
    `lines|${shownImport?.import_id ?? ''}|${n}`,
  );
  const items = usePaged(
    (cursor) => api.get<{ items: ReconItem[]; next_cursor: string | null }>('/api/books/recon/items', { open: onlyOpen ? 'true' : undefined, limit: 20, cursor }).then((r) => ({ rows: r.items, next_cursor: r.next_cursor })),
    `items|${onlyOpen}|${n}`,
  );
  const files = usePaged((cursor) => api.get<{ imports: ImportRow[]; next_cursor: string | null }>('/api/books/imports', { limit: 8, cursor }).then((r) => ({ rows: r.imports, next_cursor: r.next_cursor })), `files|${n}`);

  const upload = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    setNote(null);
    let prof: Record<string, unknown> | undefined;
    if (kind === 'statement' && format === 'csv') {
      try {
        prof = JSON.parse(profile) as Record<string, unknown>;
      } catch {
        return setNote({ kind: 'error', text: t('badProfile') });
      }
    }
    try {
      setStep(0);
      const b64 = await readFile(file, 'base64');
      setStep(1);
      const r =
        kind === 'statement'
          ? await api.post<{ import_id: number; already_imported: boolean; lines: number; from: string | null; to: string | null }>('/api/books/imports/statement', { content_base64: b64, file_name: file.name, ...(format ? { format } : {}), ...(prof ? { profile: prof } : {}) })
          : await api.post<{ import_id: number; already_imported: boolean; lines: number; from: string | null; to: string | null }>('/api/books/imports/settlement', { content_base64: b64, file_name: file.name, ...(format ? { format } : {}), ...(processor.trim() ? { processor: processor.trim() } : {}) });
      setStep(2);
      const run = r.from && r.to ? await api.post<{ items: number; matched: number; open: number }>('/api/books/recon/runs', { from: r.from, to: r.to }) : null;
      setStep(3);
      setShownImport({ import_id: r.import_id, file: file.name, lines: r.lines, matched: run?.matched, open: run?.open });
      setN((x) => x + 1);
      setNote({
        kind: 'ok',
        text: r.already_imported
          ? t('reimported', { file: file.name, id: r.import_id, range: r.from ? t('forRange', { from: r.from, to: r.to }) : '' })
          : t('linesImported', { file: file.name, count: r.lines, range: r.from ? ` (${r.from} – ${r.to})` : '' }),
      });
    } catch (err) {
      setNote({ kind: 'error', text: errorText(err) });
    } finally {
      setStep(null);
    }
  };

  const lineColumns: Array<Column<FileLine>> = [
    { header: t('date'), cell: (l) => l.date, className: 'nowrap' },
    { header: t('reference'), cell: (l) => <span className="mono-ish">{l.reference || '—'}</span> },
    { header: t('text'), cell: (l) => <span className="small">{l.text}</span> },
    { header: t('amount'), cell: (l) => <span className={l.amount < 0 ? 'neg' : ''}>{fmt(l.amount, l.currency)}</span>, num: true },
    {
      header: t('reconciliation'),
      cell: (l) => (
        <>
          <ItemStatus status={l.status} reason={l.reason} resolved={l.resolution !== null} />
          {l.matched_with ? <div className="muted small">{t('withX', { x: l.matched_with })}</div> : null}
          {l.resolution ? <div className="muted small">{l.resolution.resolved_by}: {l.resolution.note}</div> : null}
        </>
      ),
    },
    { header: <span className="sr-only">{t('action')}</span>, cell: (l) => (l.status === 'open' && !l.resolution && l.item_key ? <ResolveForm itemKey={l.item_key} onDone={() => setN((x) => x + 1)} /> : null) },
  ];
  const itemColumns: Array<Column<ReconItem>> = [
    { header: t('date'), cell: (i) => i.date, className: 'nowrap' },
    { header: t('what'), cell: (i) => (<><div>{kindLabel(i.kind)}</div><div className="muted small">{i.detail}</div></>) },
    { header: i18next.t('common.store'), cell: (i) => (i.store_id ? storeName(stores, i.store_id) : <span className="muted">—</span>) },
    { header: t('expected'), cell: (i) => fmt(i.expected, i.currency), num: true },
    { header: t('received'), cell: (i) => fmt(i.received, i.currency), num: true },
    { header: t('difference'), cell: (i) => <span className={i.received - i.expected !== 0 ? 'neg' : ''}>{fmt(i.received - i.expected, i.currency)}</span>, num: true },
    {
      header: t('status'),
      cell: (i) => (
        <>
          <ItemStatus status={i.status} reason={i.reason} resolved={i.resolution !== null} />
          {i.resolution ? <div className="muted small" data-testid="item-resolution">{i.resolution.resolved_by}, {ago(i.resolution.resolved_at)}: {i.resolution.note}</div> : null}
        </>
      ),
    },
    { header: <span className="sr-only">{t('action')}</span>, cell: (i) => (i.status === 'open' && !i.resolution ? <ResolveForm itemKey={i.item_key} onDone={() => setN((x) => x + 1)} /> : null) },
  ];

  return (
    <>
      <form className="card" onSubmit={(e) => void upload(e)} aria-labelledby="rec-h" data-testid="recon-form">
        <h2 id="rec-h">{t('importAndMatch')}</h2>
        <div className="row gap wrap">
          <label className="field">
            <span>{t('file')}</span>
            <select value={kind} onChange={(e) => { setKind(e.target.value as 'statement' | 'settlement'); setFormat(''); }} data-testid="recon-kind">
              <option value="statement">{t('bankStatement')}</option>
              <option value="settlement">{t('settlement')}</option>
            </select>
          </label>
          <label className="field">
            <span>{t('format')}</span>
            <select value={format} onChange={(e) => setFormat(e.target.value)} data-testid="recon-format">
              <option value="">{t('detect')}</option>
              {(kind === 'statement' ? [['camt053', 'ISO 20022 camt.053'], ['mt940', 'SWIFT MT940'], ['ofx', 'OFX'], ['csv', t('csvProfile')]] : [['generic', t('genericCsv')], ['stripe', t('stripe')], ['adyen', t('adyen')]]).map(([v, l]) => (
                <option key={v} value={v}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          {kind === 'settlement' ? (
            <label className="field">
              <span>{t('processor')}</span>
              <input value={processor} onChange={(e) => setProcessor(e.target.value)} placeholder="stripe" maxLength={64} data-testid="recon-processor" />
            </label>
          ) : null}
          <label className="field grow">
            <span>{t('fileToImport')}</span>
            <input type="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid="recon-file" />
          </label>
          <button type="submit" className="btn btn-primary" disabled={!file || step !== null} data-testid="recon-upload">
            {t('importMatch')}
          </button>
        </div>
        {kind === 'statement' && format === 'csv' ? (
          <label className="field">
            <span>{t('profileJson')}</span>
            <textarea value={profile} onChange={(e) => setProfile(e.target.value)} rows={4} placeholder='{"delimiter": ";", "date_format": "DD.MM.YYYY", "columns": {"booking_date": "Date", "amount": "Amount"}}' data-testid="recon-profile" />
          </label>
        ) : null}
        {step !== null ? <Steps steps={[t('stepReading'), t('stepImporting'), t('stepMatching'), t('stepDone')]} at={step} testId="recon-steps" /> : null}
        {note ? <Notice kind={note.kind} testId="recon-note">{note.text}</Notice> : null}
      </form>
      {shownImport ? (
        <section className="card" aria-labelledby="lines-h" data-testid="recon-lines-card">
          <div className="row between">
            <h2 id="lines-h">
              {shownImport.file} <span className="muted small">· {t('importNo', { id: shownImport.import_id })}</span>
            </h2>
            <button type="button" className="btn btn-small" onClick={() => setShownImport(null)}>
              {i18next.t('common.close')}
            </button>
          </div>
          {shownImport.matched !== undefined ? (
            <div className="figures">
              <Figure label={t('lines')} value={shownImport.lines} />
              <Figure label={t('itemsMatched')} value={shownImport.matched} testId="recon-matched" />
              <Figure label={t('itemsOpen')} value={shownImport.open ?? 0} testId="recon-open" />
            </div>
          ) : null}
          <PagedTable paged={lines} columns={lineColumns} rowKey={(l) => String(l.line_id)} rowData={(l) => ({ status: l.status })} label={t('linesOfFile')} testId="recon-lines" rowTestId="recon-line" empty={t('noLines')} compact />
        </section>
      ) : null}
      <section className="card" aria-labelledby="items-h">
        <div className="row between">
          <h2 id="items-h">{t('reconItems')}</h2>
          <div className="segmented" role="group" aria-label={t('whichItems')}>
            <button type="button" className={onlyOpen ? 'on' : ''} aria-pressed={onlyOpen} onClick={() => setOnlyOpen(true)} data-testid="items-open">
              {t('open')}
            </button>
            <button type="button" className={!onlyOpen ? 'on' : ''} aria-pressed={!onlyOpen} onClick={() => setOnlyOpen(false)} data-testid="items-all">
              {t('all')}
            </button>
          </div>
        </div>
        <PagedTable paged={items} columns={itemColumns} rowKey={(i) => i.item_key} rowData={(i) => ({ item: i.item_key })} label={t('reconItems')} testId="recon-items" rowTestId="recon-item" empty={onlyOpen ? t('noOpenItems') : t('noItems')} compact />
      </section>
      <section className="card" aria-labelledby="files-h">
        <h2 id="files-h">{t('importedFiles')}</h2>
        <PagedTable
          paged={files}
          columns={[
            { header: t('import'), cell: (i) => <span className="strong">#{i.import_id}</span> },
            { header: t('when'), cell: (i) => <span title={timeText(i.imported_at)}>{ago(i.imported_at)}</span> },
            { header: t('kind'), cell: (i) => (i.kind === 'statement' ? t('bankStatement') : t('settlementOf', { p: i.processor ? ` (${i.processor})` : '' })) },
            { header: t('format'), cell: (i) => i.format },
            { header: t('file'), cell: (i) => i.file_name || '—' },
            { header: t('by'), cell: (i) => i.imported_by },
            {
              header: <span className="sr-only">{t('lines')}</span>,
              cell: (i) => (
                <button type="button" className="btn btn-small" onClick={() => setShownImport({ import_id: i.import_id, file: i.file_name || t('importNo', { id: i.import_id }), lines: 0 })} data-testid="file-lines">
                  {t('showLines')}
                </button>
              ),
            },
          ]}
          rowKey={(i) => String(i.import_id)}
          label={t('importedFiles')}
          testId="recon-files"
          empty={t('noFiles')}
          compact
        />
      </section>
    </>
  );
}

// ---- historical import ----

interface HistoryJob {
  import_id: number;
  file_name: string;
  total_sales: number;
  total_lines: number;
  next_line: number;
  done_sales: number;
  posted_entries: number;
  status: 'scheduled' | 'running' | 'pause_requested' | 'paused' | 'window_paused' | 'done' | 'failed';
  created_by: string;
  created_at: string;
  updated_at: string;
  hub_run: boolean;
  window: { start: string; end: string; time_zone: string } | null;
  last_error: string | null;
  next_window_at: string | null;
  window_closes_at: string | null;
}
const historyStatus = (s: HistoryJob['status']) => t(`h_${s}`);
/** The API's body limit (8 MiB) less the JSON around the file; larger files go through the CLI. */
const MAX_UPLOAD_BYTES = 8_000_000;

/** When the hub runs it: its window (wall clock in its zone) and the next start or the close. */
function WindowCell({ j }: { j: HistoryJob }) {
  if (!j.hub_run) return <span className="muted">{t('viaCli')}</span>;
  return (
    <div>
      <span className="nowrap">{j.window ? `${j.window.start}–${j.window.end} ${j.window.time_zone}` : t('anyTime')}</span>
      {j.next_window_at ? (
        <div className="muted small" data-testid="history-next">{t('nextStart', { when: timeText(j.next_window_at) })}</div>
      ) : j.window_closes_at ? (
        <div className="muted small">{t('windowCloses', { when: timeText(j.window_closes_at) })}</div>
      ) : null}
    </div>
  );
}

function ScheduleHistory({ onDone }: { onDone: () => void }) {
  const { api } = useSession();
  const [file, setFile] = useState<File | null>(null);
  const [when, setWhen] = useState<'now' | 'window'>('window');
  const [start, setStart] = useState('01:00');
  const [end, setEnd] = useState('05:00');
  const [zone, setZone] = useState('');
  const [batch, setBatch] = useState('1000');
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file || busy) return;
    if (file.size > MAX_UPLOAD_BYTES) {
      setNote({ kind: 'error', text: t('fileTooLargeForConsole') });
      return;
    }
    setBusy(true);
    setNote(null);
    try {
      const body = { content: await file.text(), file_name: file.name, batch_size: Number(batch), ...(when === 'window' ? { window: `${start}-${end}`, ...(zone.trim() ? { time_zone: zone.trim() } : {}) } : {}) };
      const r = await api.post<HistoryJob & { already_imported: boolean }>('/api/books/history', body);
      setNote(
        r.already_imported
          ? { kind: 'ok', text: t('alreadyImported', { id: r.import_id }) }
          : { kind: 'ok', text: r.next_window_at && r.window ? t('scheduledAt', { id: r.import_id, count: r.total_sales, when: timeText(r.next_window_at) }) : t('scheduledNow', { id: r.import_id, count: r.total_sales }) },
      );
      onDone();
    } catch (err) {
      setNote({ kind: 'error', text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="hsched-h" data-testid="history-form">
      <h2 id="hsched-h">{t('scheduleTitle')}</h2>
      <p className="muted small">{t('scheduleLead')}</p>
      <div className="row gap wrap">
        <label className="field grow">
          <span>{t('historyFile')}</span>
          <input type="file" accept=".jsonl,.json,.txt" onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid="history-file" />
        </label>
        <label className="field">
          <span>{t('runWhen')}</span>
          <select className="when" value={when} onChange={(e) => setWhen(e.target.value as 'now' | 'window')} data-testid="history-when">
            <option value="window">{t('runInWindow')}</option>
            <option value="now">{t('runNow')}</option>
          </select>
        </label>
        {when === 'window' ? (
          <>
            <label className="field">
              <span>{t('windowFrom')}</span>
              <input type="text" className="hhmm" inputMode="numeric" pattern="([01][0-9]|2[0-3]):[0-5][0-9]" maxLength={5} placeholder="HH:MM" value={start} onChange={(e) => setStart(e.target.value)} required data-testid="history-start" />
            </label>
            <label className="field">
              <span>{t('windowTo')}</span>
              <input type="text" className="hhmm" inputMode="numeric" pattern="([01][0-9]|2[0-3]):[0-5][0-9]" maxLength={5} placeholder="HH:MM" value={end} onChange={(e) => setEnd(e.target.value)} required data-testid="history-end" />
            </label>
            <label className="field">
              <span>{t('timeZone')}</span>
              <input type="text" className="zone" value={zone} placeholder={t('booksZone')} maxLength={64} onChange={(e) => setZone(e.target.value)} data-testid="history-zone" />
            </label>
          </>
        ) : null}
        <label className="field">
          <span>{t('batchSize')}</span>
          <input type="number" className="count" min={1} max={5000} step={1} value={batch} onChange={(e) => setBatch(e.target.value)} required data-testid="history-batch" />
        </label>
        <button type="submit" className="btn btn-primary" disabled={!file || busy || !/^\d{1,4}$/.test(batch) || Number(batch) < 1 || Number(batch) > 5000} data-testid="history-schedule">
          {busy ? t('checkingFile') : t('schedule')}
        </button>
      </div>
      {note ? <Notice kind={note.kind} testId="history-note">{note.text}</Notice> : null}
    </form>
  );
}

function History() {
  const { api } = useSession();
  const jobs = usePaged((cursor) => api.get<{ imports: HistoryJob[]; next_cursor: string | null }>('/api/books/history', { limit: 10, cursor }).then((r) => ({ rows: r.imports, next_cursor: r.next_cursor })), 'history');
  const [note, setNote] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const running = jobs.rows.some((j) => j.status === 'running' || j.status === 'pause_requested');
  // While an import runs, its progress is read again every two seconds; otherwise every ten
  // (the CLI or a window opening may start one at any time).
  useEffect(() => {
    const timer = setInterval(jobs.reload, running ? 2000 : 10_000);
    return () => clearInterval(timer);
  }, [running]);
  const act = async (j: HistoryJob, what: 'pause' | 'resume') => {
    try {
      if (what === 'pause') {
        const r = await api.post<{ pause_requested: boolean }>(`/api/books/history/${j.import_id}/pause`, {});
        setNote(r.pause_requested ? { kind: 'ok', text: t(j.status === 'running' ? 'pausing' : 'pausedWaiting', { id: j.import_id }) } : { kind: 'error', text: t('notRunning', { id: j.import_id }) });
      } else {
        await api.post(`/api/books/history/${j.import_id}/resume`, {});
        setNote({ kind: 'ok', text: t('resumed', { id: j.import_id }) });
      }
      jobs.reload();
    } catch (err) {
      setNote({ kind: 'error', text: errorText(err) });
    }
  };
  return (
    <>
      <ScheduleHistory onDone={jobs.reload} />
      <section className="card" aria-labelledby="hist-h">
        <div className="row between">
          <h2 id="hist-h">{t('historyTitle')}</h2>
          <button type="button" className="btn btn-small" onClick={jobs.reload} data-testid="history-reload">
            {i18next.t('common.refresh')}
          </button>
        </div>
        <p className="muted small">
          {t('historyLead1')} <code>tillstream books history import &lt;file&gt; [--window 01:00-05:00 --tz Europe/Berlin]</code> {t('historyLead2')}
        </p>
        {note ? <Notice kind={note.kind}>{note.text}</Notice> : null}
        <PagedTable
          paged={jobs}
          columns={[
            { header: t('import'), cell: (j) => <span className="strong">#{j.import_id}</span> },
            { header: t('file'), cell: (j) => <span className="mono-ish">{j.file_name}</span> },
            { header: t('started'), cell: (j) => <span title={timeText(j.created_at)}>{t('startedBy', { when: ago(j.created_at), who: j.created_by })}</span> },
            { header: t('runs'), cell: (j) => <WindowCell j={j} /> },
            {
              header: t('progress'),
              cell: (j) => (
                <>
                  <Progress done={j.done_sales} total={j.total_sales} label={t('progressSales', { status: historyStatus(j.status) })} testId="history-progress" />
                  {j.status === 'failed' && j.last_error ? <div className="small neg" data-testid="history-error">{j.last_error}</div> : null}
                </>
              ),
            },
            { header: t('entriesPosted'), cell: (j) => j.posted_entries, num: true },
            {
              header: <span className="sr-only">{t('action')}</span>,
              cell: (j) =>
                j.status === 'running' || (j.hub_run && (j.status === 'scheduled' || j.status === 'window_paused')) ? (
                  <button type="button" className="btn btn-small" onClick={() => void act(j, 'pause')} data-testid="history-pause">
                    {t('pause')}
                  </button>
                ) : j.hub_run && (j.status === 'paused' || j.status === 'failed') ? (
                  <button type="button" className="btn btn-small" onClick={() => void act(j, 'resume')} data-testid="history-resume">
                    {t('resume')}
                  </button>
                ) : null,
            },
          ]}
          rowKey={(j) => String(j.import_id)}
          label={t('historical')}
          testId="history"
          empty={t('noHistory')}
        />
      </section>
    </>
  );
}
