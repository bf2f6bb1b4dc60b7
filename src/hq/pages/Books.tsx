import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { errorText } from '../api';
import { fmt } from '../money';
import { usePaged, PagedTable, type Column } from '../paged';
import { ago, Empty, Notice, PageHeader, Progress, StoreSelect, storeName, timeText, typeLabel, useLoad, useSession } from '../ui';

// The books (docs/books.md), one tab each in the URL (#/books?tab=exports): the journal of
// ledger entries, the trial balance, export batches to accounting tools, corrections coming
// back from them, reconciliation of bank and processor files, and historical imports. Long
// operations show their steps as they happen; nothing here edits an entry: corrections and
// resolutions are added beside what they correct.

const TABS = [
  { id: 'journal', label: 'Journal' },
  { id: 'trial', label: 'Trial balance' },
  { id: 'exports', label: 'Exports' },
  { id: 'corrections', label: 'Corrections' },
  { id: 'reconciliation', label: 'Reconciliation' },
  { id: 'history', label: 'History import' },
] as const;
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
      <PageHeader title="Books" subtitle="The general ledger, its exports to accounting tools, corrections that come back, and reconciliation with the bank and card processors." />
      <nav className="tabs" aria-label="Books">
        {TABS.map((t) => (
          <a key={t.id} href={`#/books?tab=${t.id}`} className={t.id === tab ? 'on' : ''} aria-current={t.id === tab ? 'page' : undefined} data-testid={`books-tab-${t.id}`}>
            {t.label}
          </a>
        ))}
      </nav>
      {!chainWide ? (
        <Notice kind="info">The books are for admin and HQ users.</Notice>
      ) : tab === 'journal' ? (
        <Journal />
      ) : tab === 'trial' ? (
        <TrialBalance />
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
  return (
    <table className="table compact entry-lines">
      <tbody>
        {props.lines.map((l, i) => (
          <tr key={i}>
            <td className="mono-ish">{l.account}</td>
            <td className="num">{l.debit ? fmt(l.debit, l.currency) : ''}</td>
            <td className="num">{l.credit ? fmt(l.credit, l.currency) : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

async function readFile(file: File, as: 'text' | 'base64'): Promise<string> {
  if (file.size > 6 * 1024 * 1024) throw new Error(`${file.name} is ${(file.size / 1024 / 1024).toFixed(1)} MB; the console takes files up to 6 MB (use the CLI for larger ones)`);
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
    if (next.from && next.to && next.from > next.to) return setBad('“From” is after “To”.');
    setBad(null);
    setF(next);
  };
  const columns: Array<Column<EntryRow>> = [
    { header: 'Date', cell: (e) => e.date, className: 'nowrap' },
    {
      header: 'Entry',
      cell: (e) => (
        <>
          <div>{e.memo || typeLabel(e.event_type)}</div>
          <div className="muted small">
            <span className="mono-ish">{e.entry_id}</span>
            {e.reverses ? ` · reverses ${e.reverses}` : ''}
            {e.adjusts ? ` · adjusts ${e.adjusts}` : ''}
          </div>
          {e.event_id ? (
            <a href={`#/sales?open=${e.event_id}`} className="small" data-testid="entry-sale-link">
              Open {typeLabel(e.event_type).toLowerCase()} →
            </a>
          ) : null}
        </>
      ),
    },
    { header: 'Store', cell: (e) => (e.store_id ? storeName(stores, e.store_id) : <span className="muted">books</span>) },
    { header: 'Lines (account · debit · credit)', cell: (e) => <LinesCells lines={e.lines} /> },
  ];
  return (
    <>
      <div className="filters card" role="search" aria-label="Find ledger entries">
        <label className="field">
          <span>From</span>
          <input type="date" value={f.from} onChange={(e) => set('from')(e.target.value)} data-testid="journal-from" />
        </label>
        <label className="field">
          <span>To</span>
          <input type="date" value={f.to} onChange={(e) => set('to')(e.target.value)} data-testid="journal-to" />
        </label>
        <StoreSelect value={f.store} onChange={set('store')} all testId="journal-store" />
        <label className="field">
          <span>Account</span>
          <select value={f.account} onChange={(e) => set('account')(e.target.value)} data-testid="journal-account">
            <option value="">All accounts</option>
            {accounts.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="btn" onClick={entries.reload}>
          Refresh
        </button>
      </div>
      {bad ? <Notice kind="error">{bad}</Notice> : null}
      <section className="card" aria-label="Ledger entries">
        <PagedTable paged={entries} columns={columns} rowKey={(e) => e.entry_id} label="Ledger entries" testId="journal" rowTestId="journal-row" empty="No ledger entries match." />
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
  const [f, setF] = useState({ from: '', to: '', store: '' });
  const tb = useLoad(() => api.get<TrialBalanceReply>('/api/ledger/trial-balance', { from: f.from, to: f.to, store_id: f.store }), [JSON.stringify(f)]);
  return (
    <>
      <div className="filters card" role="search" aria-label="Trial balance range">
        <label className="field">
          <span>From</span>
          <input type="date" value={f.from} onChange={(e) => setF({ ...f, from: e.target.value })} data-testid="tb-from" />
        </label>
        <label className="field">
          <span>To</span>
          <input type="date" value={f.to} onChange={(e) => setF({ ...f, to: e.target.value })} data-testid="tb-to" />
        </label>
        <StoreSelect value={f.store} onChange={(v) => setF({ ...f, store: v })} all testId="tb-store" />
        <button type="button" className="btn" onClick={tb.reload}>
          Refresh
        </button>
      </div>
      {tb.error ? <Notice kind="error">{tb.error}</Notice> : null}
      {tb.data ? (
        <section className="card" aria-labelledby="tb-h">
          <div className="row between">
            <h2 id="tb-h">Trial balance</h2>
            <span className={`pill ${tb.data.balanced ? 'pill-ok' : 'pill-bad'}`} data-testid="tb-balanced">
              {tb.data.balanced ? 'Balanced' : 'Not balanced'}
            </span>
          </div>
          {tb.data.rows.length === 0 ? (
            <Empty>No entries posted in this range.</Empty>
          ) : (
            <table className="table" data-testid="trial-balance">
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  <th scope="col">Currency</th>
                  <th scope="col" className="num">Debit</th>
                  <th scope="col" className="num">Credit</th>
                  <th scope="col" className="num">Balance</th>
                </tr>
              </thead>
              <tbody>
                {tb.data.rows.map((r) => (
                  <tr key={`${r.account}-${r.currency}`}>
                    <td>
                      <a href={`#/books?tab=journal&account=${encodeURIComponent(r.account)}`} title="Its entries in the journal">
                        {r.account}
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
                {Object.entries(tb.data.totals).map(([cur, t]) => (
                  <tr key={cur}>
                    <th scope="row">Total</th>
                    <td>{cur}</td>
                    <td className="num strong">{fmt(t.debit, cur)}</td>
                    <td className="num strong">{fmt(t.credit, cur)}</td>
                    <td className="num strong">{fmt(t.debit - t.credit, cur)}</td>
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
const FORMAT_LABEL: Record<Batch['format'], string> = { hledger: 'hledger journal', beancount: 'Beancount', 'quickbooks-csv': 'QuickBooks Online CSV', 'xero-csv': 'Xero manual journal CSV' };
const MODE_LABEL: Record<Batch['mode'], string> = { per_transaction: 'One entry per sale', daily_summary: 'Daily summary per store' };

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
      setNote({ kind: 'ok', text: `Downloaded ${file.name}.` });
    } catch (err) {
      setNote({ kind: 'error', text: errorText(err) });
    }
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setNote(null);
    if (f.from && f.to && f.from > f.to) return setNote({ kind: 'error', text: '“From” is after “To”.' });
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
      setNote({ kind: 'ok', text: `Batch ${b.batch_id} for ${b.target}: ${b.entry_count} entries. Download it below.` });
    } catch (err) {
      setNote({ kind: 'error', text: errorText(err) });
    } finally {
      setStep(null);
    }
  };
  const columns: Array<Column<Batch>> = [
    { header: 'Batch', cell: (b) => <span className="strong">#{b.batch_id}</span> },
    { header: 'Created', cell: (b) => <span title={timeText(b.created_at)}>{ago(b.created_at)}</span>, className: 'nowrap' },
    { header: 'Target', cell: (b) => b.target },
    { header: 'Format', cell: (b) => FORMAT_LABEL[b.format] },
    { header: 'Posting', cell: (b) => MODE_LABEL[b.mode] },
    { header: 'Range', cell: (b) => `${b.range_from ?? 'start'} – ${b.range_to ?? 'now'}${b.repeat ? ' (again)' : ''}`, className: 'nowrap' },
    { header: 'Entries', cell: (b) => b.entry_count, num: true },
    { header: 'By', cell: (b) => b.created_by },
    {
      header: <span className="sr-only">Download</span>,
      cell: (b) => (
        <button type="button" className="btn btn-small" onClick={() => void download(b)} data-testid="batch-download" aria-label={`Download batch ${b.batch_id}`}>
          Download
        </button>
      ),
    },
  ];
  return (
    <>
      <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="exp-h" data-testid="export-form">
        <h2 id="exp-h">New export batch</h2>
        <p className="muted small">A batch holds the entries new to its target since its last batch (or all of them, when asked). Exporting the same entries to a target twice is refused unless you ask for it again.</p>
        <div className="form-grid">
          <label className="field">
            <span>Target (the books it goes to)</span>
            <input value={f.target} onChange={(e) => setF({ ...f, target: e.target.value })} required maxLength={64} data-testid="export-target" />
          </label>
          <label className="field">
            <span>Format</span>
            <select value={f.format} onChange={(e) => setF({ ...f, format: e.target.value as Batch['format'] })} data-testid="export-format">
              {(Object.keys(FORMAT_LABEL) as Array<Batch['format']>).map((k) => (
                <option key={k} value={k}>
                  {FORMAT_LABEL[k]}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Posting mode</span>
            <select value={f.mode} onChange={(e) => setF({ ...f, mode: e.target.value as Batch['mode'] })} data-testid="export-mode">
              {(Object.keys(MODE_LABEL) as Array<Batch['mode']>).map((k) => (
                <option key={k} value={k}>
                  {MODE_LABEL[k]}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>From (optional)</span>
            <input type="date" value={f.from} onChange={(e) => setF({ ...f, from: e.target.value })} data-testid="export-from" />
          </label>
          <label className="field">
            <span>To (optional)</span>
            <input type="date" value={f.to} onChange={(e) => setF({ ...f, to: e.target.value })} data-testid="export-to" />
          </label>
          <fieldset className="targets">
            <legend>Entries</legend>
            <label className="check">
              <input type="checkbox" checked={f.all} onChange={(e) => setF({ ...f, all: e.target.checked })} /> All in the range, not only new ones
            </label>
            <label className="check">
              <input type="checkbox" checked={f.again} onChange={(e) => setF({ ...f, again: e.target.checked })} /> Allow entries this target has had
            </label>
          </fieldset>
        </div>
        {step !== null ? <Steps steps={['Selecting the entries and writing the file…', 'Done']} at={step} testId="export-steps" /> : null}
        {note ? <Notice kind={note.kind} testId="export-note">{note.text}</Notice> : null}
        <div className="row end">
          <button type="submit" className="btn btn-primary" disabled={step !== null} data-testid="export-create">
            Create batch
          </button>
        </div>
      </form>
      <section className="card" aria-labelledby="exph-h">
        <h2 id="exph-h">Export history</h2>
        <PagedTable paged={batches} columns={columns} rowKey={(b) => String(b.batch_id)} rowData={(b) => ({ batch: String(b.batch_id) })} label="Export batches" testId="batches" rowTestId="batch-row" empty="No exports yet." />
      </section>
    </>
  );
}

// ---- corrections ----

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
  const [format, setFormat] = useState<'hledger' | 'beancount'>('hledger');
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
      setNote({ kind: 'ok', text: r.already_imported ? `This file was imported before (import #${r.import_id}); nothing changed.` : `Import #${r.import_id}: ${r.adjusted.length} adjusting entries posted, ${r.needs_person.length} left for a person.` });
    } catch (err) {
      setNote({ kind: 'error', text: errorText(err) });
    } finally {
      setStep(null);
    }
  };
  const columns: Array<Column<CorrectionImport>> = [
    { header: 'Import', cell: (i) => <span className="strong">#{i.import_id}</span> },
    { header: 'When', cell: (i) => <span title={timeText(i.imported_at)}>{ago(i.imported_at)}</span> },
    { header: 'Batch', cell: (i) => `#${i.batch_id}` },
    { header: 'File', cell: (i) => i.file_name || <span className="muted">—</span> },
    { header: 'By', cell: (i) => i.imported_by },
    { header: 'Adjusted', cell: (i) => i.summary.adjusted ?? 0, num: true },
    { header: 'For a person', cell: (i) => i.summary.needs_person ?? 0, num: true },
    { header: 'Unchanged', cell: (i) => i.summary.unchanged ?? 0, num: true },
  ];
  return (
    <>
      <form className="card" onSubmit={(e) => void check(e)} aria-labelledby="corr-h" data-testid="corrections-form">
        <h2 id="corr-h">Import corrections</h2>
        <p className="muted small">
          Upload an export the finance team edited in its tool (reclassified, fixed a tender, deleted a duplicate). The hub compares it entry by entry with what it exported and shows the adjusting entries it would post; nothing is posted until you apply.
        </p>
        <div className="row gap">
          <label className="field">
            <span>Format</span>
            <select value={format} onChange={(e) => setFormat(e.target.value as 'hledger' | 'beancount')} data-testid="corrections-format">
              <option value="hledger">hledger journal</option>
              <option value="beancount">Beancount</option>
            </select>
          </label>
          <label className="field grow">
            <span>Edited file</span>
            <input type="file" accept=".journal,.ledger,.hledger,.beancount,.txt" onChange={(e) => { setFile(e.target.files?.[0] ?? null); setPreview(null); }} data-testid="corrections-file" />
          </label>
          <button type="submit" className="btn" disabled={!file || step !== null} data-testid="corrections-check">
            Check file
          </button>
        </div>
        {step !== null ? <Steps steps={['Reading the file', 'Comparing with what was exported', 'Posting the adjusting entries']} at={step} testId="corrections-steps" /> : null}
        {note ? <Notice kind={note.kind} testId="corrections-note">{note.text}</Notice> : null}
      </form>
      {preview ? (
        <section className="card" aria-labelledby="diff-h" data-testid="corrections-preview">
          <div className="row between">
            <h2 id="diff-h">What this file would post (batch #{preview.batch_id})</h2>
            <button type="button" className="btn btn-primary" onClick={() => void apply()} disabled={step !== null || preview.already_imported || preview.adjustments.length === 0} data-testid="corrections-apply">
              Post {preview.adjustments.length} adjusting {preview.adjustments.length === 1 ? 'entry' : 'entries'}
            </button>
          </div>
          {preview.already_imported ? <Notice kind="info">This exact file was imported before; importing it again changes nothing.</Notice> : null}
          <div className="figures">
            <Figure label="Adjusting entries" value={preview.adjustments.length} testId="corr-adjusted" />
            <Figure label="For a person" value={preview.needs_person.length} testId="corr-person" />
            <Figure label="Unchanged" value={preview.unchanged} testId="corr-unchanged" />
          </div>
          {preview.adjustments.length ? (
            <table className="table" data-testid="corrections-diff">
              <thead>
                <tr>
                  <th scope="col">Corrects</th>
                  <th scope="col">Date</th>
                  <th scope="col">Adjusting entry (account · debit · credit)</th>
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
              <h3>Left for a person</h3>
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
        <h2 id="corrh-h">Earlier corrections</h2>
        <PagedTable paged={imports} columns={columns} rowKey={(i) => String(i.import_id)} label="Corrections imports" testId="correction-imports" empty="No corrections imported yet." />
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
const KIND_LABEL: Record<string, string> = { card_tender: 'Card sale', settlement_line: 'Settlement line', payout: 'Payout', bank_line: 'Bank line', cash_deposit: 'Cash deposit' };

function ItemStatus(props: { status: string; reason: string | null; resolved: boolean }) {
  if (props.resolved) return <span className="tag tag-resolved" data-testid="item-status">Resolved</span>;
  if (props.status === 'matched') return <span className="tag tag-matched" data-testid="item-status">Matched</span>;
  if (props.status === 'open') return <span className="tag tag-open" data-testid="item-status">Open · {props.reason ?? 'unmatched'}</span>;
  return <span className="tag tag-not-reconciled" data-testid="item-status">Not reconciled</span>;
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
        Resolve…
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
        <span>Why is it resolved?</span>
        <input value={note} onChange={(e) => setNote(e.target.value)} required maxLength={1000} autoFocus data-testid="item-note" />
      </label>
      <div className="row gap">
        <button type="submit" className="btn btn-small btn-primary" disabled={busy || !note.trim()} data-testid="item-record">
          Record
        </button>
        <button type="button" className="btn btn-small" onClick={() => setOpen(false)}>
          Cancel
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
        return setNote({ kind: 'error', text: 'The CSV column profile is not JSON (see docs/books.md, “CSV column profile”).' });
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
          ? `${file.name} was imported before (import #${r.import_id}); matched again${r.from ? ` for ${r.from} – ${r.to}` : ''}.`
          : `${file.name}: ${r.lines} line${r.lines === 1 ? '' : 's'} imported${r.from ? ` (${r.from} – ${r.to})` : ''} and matched.`,
      });
    } catch (err) {
      setNote({ kind: 'error', text: errorText(err) });
    } finally {
      setStep(null);
    }
  };

  const lineColumns: Array<Column<FileLine>> = [
    { header: 'Date', cell: (l) => l.date, className: 'nowrap' },
    { header: 'Reference', cell: (l) => <span className="mono-ish">{l.reference || '—'}</span> },
    { header: 'Text', cell: (l) => <span className="small">{l.text}</span> },
    { header: 'Amount', cell: (l) => <span className={l.amount < 0 ? 'neg' : ''}>{fmt(l.amount, l.currency)}</span>, num: true },
    {
      header: 'Reconciliation',
      cell: (l) => (
        <>
          <ItemStatus status={l.status} reason={l.reason} resolved={l.resolution !== null} />
          {l.matched_with ? <div className="muted small">with {l.matched_with}</div> : null}
          {l.resolution ? <div className="muted small">{l.resolution.resolved_by}: {l.resolution.note}</div> : null}
        </>
      ),
    },
    { header: <span className="sr-only">Action</span>, cell: (l) => (l.status === 'open' && !l.resolution && l.item_key ? <ResolveForm itemKey={l.item_key} onDone={() => setN((x) => x + 1)} /> : null) },
  ];
  const itemColumns: Array<Column<ReconItem>> = [
    { header: 'Date', cell: (i) => i.date, className: 'nowrap' },
    { header: 'What', cell: (i) => (<><div>{KIND_LABEL[i.kind] ?? i.kind}</div><div className="muted small">{i.detail}</div></>) },
    { header: 'Store', cell: (i) => (i.store_id ? storeName(stores, i.store_id) : <span className="muted">—</span>) },
    { header: 'Expected', cell: (i) => fmt(i.expected, i.currency), num: true },
    { header: 'Received', cell: (i) => fmt(i.received, i.currency), num: true },
    { header: 'Difference', cell: (i) => <span className={i.received - i.expected !== 0 ? 'neg' : ''}>{fmt(i.received - i.expected, i.currency)}</span>, num: true },
    {
      header: 'Status',
      cell: (i) => (
        <>
          <ItemStatus status={i.status} reason={i.reason} resolved={i.resolution !== null} />
          {i.resolution ? <div className="muted small" data-testid="item-resolution">{i.resolution.resolved_by}, {ago(i.resolution.resolved_at)}: {i.resolution.note}</div> : null}
        </>
      ),
    },
    { header: <span className="sr-only">Action</span>, cell: (i) => (i.status === 'open' && !i.resolution ? <ResolveForm itemKey={i.item_key} onDone={() => setN((x) => x + 1)} /> : null) },
  ];

  return (
    <>
      <form className="card" onSubmit={(e) => void upload(e)} aria-labelledby="rec-h" data-testid="recon-form">
        <h2 id="rec-h">Import a file and match it</h2>
        <div className="row gap wrap">
          <label className="field">
            <span>File</span>
            <select value={kind} onChange={(e) => { setKind(e.target.value as 'statement' | 'settlement'); setFormat(''); }} data-testid="recon-kind">
              <option value="statement">Bank statement</option>
              <option value="settlement">Card processor settlement</option>
            </select>
          </label>
          <label className="field">
            <span>Format</span>
            <select value={format} onChange={(e) => setFormat(e.target.value)} data-testid="recon-format">
              <option value="">Detect from the file</option>
              {(kind === 'statement' ? [['camt053', 'ISO 20022 camt.053'], ['mt940', 'SWIFT MT940'], ['ofx', 'OFX'], ['csv', 'CSV with a column profile']] : [['generic', 'Generic CSV'], ['stripe', 'Stripe payout reconciliation'], ['adyen', 'Adyen settlement details']]).map(([v, l]) => (
                <option key={v} value={v}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          {kind === 'settlement' ? (
            <label className="field">
              <span>Processor (generic CSV)</span>
              <input value={processor} onChange={(e) => setProcessor(e.target.value)} placeholder="stripe" maxLength={64} data-testid="recon-processor" />
            </label>
          ) : null}
          <label className="field grow">
            <span>File to import</span>
            <input type="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid="recon-file" />
          </label>
          <button type="submit" className="btn btn-primary" disabled={!file || step !== null} data-testid="recon-upload">
            Import and match
          </button>
        </div>
        {kind === 'statement' && format === 'csv' ? (
          <label className="field">
            <span>CSV column profile (JSON)</span>
            <textarea value={profile} onChange={(e) => setProfile(e.target.value)} rows={4} placeholder='{"delimiter": ";", "date_format": "DD.MM.YYYY", "columns": {"booking_date": "Date", "amount": "Amount"}}' data-testid="recon-profile" />
          </label>
        ) : null}
        {step !== null ? <Steps steps={['Reading the file', 'Checking and importing every line', 'Matching against sales, payouts and deposits', 'Done']} at={step} testId="recon-steps" /> : null}
        {note ? <Notice kind={note.kind} testId="recon-note">{note.text}</Notice> : null}
      </form>
      {shownImport ? (
        <section className="card" aria-labelledby="lines-h" data-testid="recon-lines-card">
          <div className="row between">
            <h2 id="lines-h">
              {shownImport.file} <span className="muted small">· import #{shownImport.import_id}</span>
            </h2>
            <button type="button" className="btn btn-small" onClick={() => setShownImport(null)}>
              Close
            </button>
          </div>
          {shownImport.matched !== undefined ? (
            <div className="figures">
              <Figure label="Lines" value={shownImport.lines} />
              <Figure label="Items matched" value={shownImport.matched} testId="recon-matched" />
              <Figure label="Items open" value={shownImport.open ?? 0} testId="recon-open" />
            </div>
          ) : null}
          <PagedTable paged={lines} columns={lineColumns} rowKey={(l) => String(l.line_id)} rowData={(l) => ({ status: l.status })} label="Lines of the file" testId="recon-lines" rowTestId="recon-line" empty="The file has no lines." compact />
        </section>
      ) : null}
      <section className="card" aria-labelledby="items-h">
        <div className="row between">
          <h2 id="items-h">Reconciliation items</h2>
          <div className="segmented" role="group" aria-label="Which items">
            <button type="button" className={onlyOpen ? 'on' : ''} aria-pressed={onlyOpen} onClick={() => setOnlyOpen(true)} data-testid="items-open">
              Open
            </button>
            <button type="button" className={!onlyOpen ? 'on' : ''} aria-pressed={!onlyOpen} onClick={() => setOnlyOpen(false)} data-testid="items-all">
              All
            </button>
          </div>
        </div>
        <PagedTable paged={items} columns={itemColumns} rowKey={(i) => i.item_key} rowData={(i) => ({ item: i.item_key })} label="Reconciliation items" testId="recon-items" rowTestId="recon-item" empty={onlyOpen ? 'No open items: everything imported so far is matched or resolved.' : 'No items yet: import a statement or settlement file.'} compact />
      </section>
      <section className="card" aria-labelledby="files-h">
        <h2 id="files-h">Imported files</h2>
        <PagedTable
          paged={files}
          columns={[
            { header: 'Import', cell: (i) => <span className="strong">#{i.import_id}</span> },
            { header: 'When', cell: (i) => <span title={timeText(i.imported_at)}>{ago(i.imported_at)}</span> },
            { header: 'Kind', cell: (i) => (i.kind === 'statement' ? 'Bank statement' : `Settlement${i.processor ? ` (${i.processor})` : ''}`) },
            { header: 'Format', cell: (i) => i.format },
            { header: 'File', cell: (i) => i.file_name || '—' },
            { header: 'By', cell: (i) => i.imported_by },
            {
              header: <span className="sr-only">Lines</span>,
              cell: (i) => (
                <button type="button" className="btn btn-small" onClick={() => setShownImport({ import_id: i.import_id, file: i.file_name || `import #${i.import_id}`, lines: 0 })} data-testid="file-lines">
                  Show lines
                </button>
              ),
            },
          ]}
          rowKey={(i) => String(i.import_id)}
          label="Imported files"
          testId="recon-files"
          empty="No files imported yet."
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
  status: 'running' | 'pause_requested' | 'paused' | 'done';
  created_by: string;
  created_at: string;
  updated_at: string;
}
const HISTORY_STATUS: Record<HistoryJob['status'], string> = { running: 'Running', pause_requested: 'Pausing after this batch', paused: 'Paused', done: 'Done' };

function History() {
  const { api } = useSession();
  const jobs = usePaged((cursor) => api.get<{ imports: HistoryJob[]; next_cursor: string | null }>('/api/books/history', { limit: 10, cursor }).then((r) => ({ rows: r.imports, next_cursor: r.next_cursor })), 'history');
  const [note, setNote] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const running = jobs.rows.some((j) => j.status === 'running' || j.status === 'pause_requested');
  // While an import runs, its progress is read again every two seconds; otherwise every ten
  // (an import is started from the CLI, so a new one may appear at any time).
  useEffect(() => {
    const t = setInterval(jobs.reload, running ? 2000 : 10_000);
    return () => clearInterval(t);
  }, [running]);
  const pause = async (j: HistoryJob) => {
    try {
      const r = await api.post<{ pause_requested: boolean }>(`/api/books/history/${j.import_id}/pause`, {});
      setNote(r.pause_requested ? { kind: 'ok', text: `Import #${j.import_id} stops after its current batch; run it again to resume.` } : { kind: 'error', text: `Import #${j.import_id} was not running.` });
      jobs.reload();
    } catch (err) {
      setNote({ kind: 'error', text: errorText(err) });
    }
  };
  return (
    <section className="card" aria-labelledby="hist-h">
      <div className="row between">
        <h2 id="hist-h">Historical sales imports</h2>
        <button type="button" className="btn btn-small" onClick={jobs.reload} data-testid="history-reload">
          Refresh
        </button>
      </div>
      <p className="muted small">
        The sales history of the POS a chain is leaving is imported with <code>tillstream books history import &lt;file&gt;</code> (now, or scheduled off-peak). Each import checks the whole file first, then posts in batches; it can be paused here and resumed by running it again, and running a finished file again changes nothing.
      </p>
      {note ? <Notice kind={note.kind}>{note.text}</Notice> : null}
      <PagedTable
        paged={jobs}
        columns={[
          { header: 'Import', cell: (j) => <span className="strong">#{j.import_id}</span> },
          { header: 'File', cell: (j) => <span className="mono-ish">{j.file_name}</span> },
          { header: 'Started', cell: (j) => <span title={timeText(j.created_at)}>{ago(j.created_at)} by {j.created_by}</span> },
          { header: 'Progress', cell: (j) => <Progress done={j.done_sales} total={j.total_sales} label={`${HISTORY_STATUS[j.status]} · sales`} testId="history-progress" /> },
          { header: 'Entries posted', cell: (j) => j.posted_entries, num: true },
          {
            header: <span className="sr-only">Action</span>,
            cell: (j) =>
              j.status === 'running' ? (
                <button type="button" className="btn btn-small" onClick={() => void pause(j)}>
                  Pause
                </button>
              ) : null,
          },
        ]}
        rowKey={(j) => String(j.import_id)}
        label="Historical imports"
        testId="history"
        empty="No historical import has run."
      />
    </section>
  );
}
