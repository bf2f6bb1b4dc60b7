import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../api';
import { fmt } from '../money';
import { usePaged, PagedTable, type Column } from '../paged';
import { Notice, PageHeader, StoreSelect, storeName, timeText, useLoad, useSession } from '../ui';

// The review queue (docs/books.md "Review queue"): events a rule flagged, whose revenue waits
// in the review suspense account. Filters by store, rule and status, with counts; clearing an
// item asks why, records who and when, and the hub posts the release entry that moves the
// amount back to revenue, linked to the original.

// The hub's rules (src/hub/integrity/review.ts REVIEW_RULES), labelled in src/hq/locales (review.rule_*).
const RULES = ['duplicate_sale', 'card_post_voided', 'card_unresolved', 'refunds_per_shift', 'no_sales_per_shift', 'price_override'] as const;
type Rule = (typeof RULES)[number];
interface ReviewItem {
  item_id: number;
  store_id: string;
  terminal_id: string;
  receipt_no: string;
  event_type: string;
  rule: Rule;
  reason: string;
  amount: number;
  currency: string;
  entry_id: string | null;
  hold_entry_id: string | null;
  created_at: string;
  status: 'open' | 'cleared';
  cleared_by: string | null;
  cleared_at: string | null;
  clear_reason: string | null;
  release_entry_id: string | null;
}
interface Counts {
  open: number;
  cleared: number;
  open_by_rule: Partial<Record<Rule, number>>;
}


export function Review() {
  const { api, stores, me } = useSession();
  const { t } = useTranslation();
  const ruleLabel = (r: string): string => ((RULES as readonly string[]).includes(r) ? t(`review.rule_${r}`) : r);
  const [store, setStore] = useState('');
  const [rule, setRule] = useState<Rule | ''>('');
  const [status, setStatus] = useState<'open' | 'cleared' | 'all'>('open');
  const [clearing, setClearing] = useState<ReviewItem | null>(null);
  const [why, setWhy] = useState('');
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [counts, setCounts] = useState<Counts | null>(null);
  const canClear = me.role === 'admin' || me.role === 'hq';
  const key = `${store}|${rule}|${status}`;
  const items = usePaged(
    (cursor) =>
      api
        .get<{ items: ReviewItem[]; next_cursor: string | null; counts: Counts }>('/api/review', { store_id: store || undefined, rule: rule || undefined, status, limit: 25, cursor })
        .then((r) => {
          setCounts(r.counts);
          return { rows: r.items, next_cursor: r.next_cursor };
        }),
    key,
  );
  const settings = useLoad(
    () => (store ? api.get<{ review_rules: Partial<Record<Rule, unknown>> }>(`/api/stores/${encodeURIComponent(store)}/integrity`) : Promise.resolve(null)),
    [store],
  );

  const clear = async () => {
    if (!clearing) return;
    setBusy(true);
    setNote(null);
    try {
      const done = await api.post<ReviewItem>(`/api/review/${clearing.item_id}/clear`, { reason: why.trim() });
      items.update((r) => r.item_id === done.item_id, done);
      setNote({ kind: 'ok', text: `Item ${done.item_id} cleared: ${fmt(done.amount, done.currency)} moved from suspense to revenue (entry ${done.release_entry_id ?? 'none: nothing was held'}).` });
      setClearing(null);
      setWhy('');
      items.reload();
    } catch (err) {
      setNote({ kind: 'error', text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  const columns: Array<Column<ReviewItem>> = [
    { header: 'Flagged', cell: (r) => timeText(r.created_at) },
    { header: 'Rule', cell: (r) => <span className={`tag tag-${r.rule}`}>{ruleLabel(r.rule)}</span> },
    {
      header: 'Where',
      cell: (r) => (
        <>
          {storeName(stores, r.store_id)}
          <span className="muted"> · {r.receipt_no}</span>
        </>
      ),
    },
    { header: 'Why it was flagged', cell: (r) => <span className="small">{r.reason}</span> },
    { header: 'Amount', num: true, cell: (r) => fmt(r.amount, r.currency) },
    {
      header: 'Suspense',
      cell: (r) =>
        r.status === 'cleared' ? (
          <span className="muted small" data-testid="review-cleared">
            {r.release_entry_id ? 'released' : 'cleared'}: {r.cleared_by}, {timeText(r.cleared_at)}
            <br />“{r.clear_reason}”
          </span>
        ) : r.hold_entry_id ? (
          <span className="small">held</span>
        ) : (
          <span className="muted small">{r.entry_id ? 'not held (no suspense account)' : 'not held (posts no revenue)'}</span>
        ),
    },
    {
      header: <span className="sr-only">Actions</span>,
      num: true,
      cell: (r) =>
        r.status === 'cleared' ? null : canClear ? (
          <button type="button" className="btn btn-small" onClick={() => { setClearing(r); setWhy(''); setNote(null); }} data-testid="review-clear" aria-label={`Clear item ${r.item_id}`}>
            Clear…
          </button>
        ) : (
          <span className="muted small">open</span>
        ),
    },
  ];

  const rulesOn = settings.data ? Object.keys(settings.data.review_rules) : null;
  return (
    <>
      <PageHeader title="Review" subtitle="Flagged events, whose revenue waits in suspense until someone clears them." />
      <section className="card">
        <div className="filters">
          <StoreSelect value={store} onChange={setStore} all testId="review-store" />
          <label>
            Rule{' '}
            <select value={rule} onChange={(e) => setRule(e.target.value as Rule | '')} data-testid="review-rule">
              <option value="">All rules</option>
              {RULES.map((r) => (
                <option key={r} value={r}>
                  {ruleLabel(r)}
                </option>
              ))}
            </select>
          </label>
          <label>
            Status{' '}
            <select value={status} onChange={(e) => setStatus(e.target.value as 'open' | 'cleared' | 'all')} data-testid="review-status">
              <option value="open">Open</option>
              <option value="cleared">Cleared</option>
              <option value="all">All</option>
            </select>
          </label>
          {counts ? (
            <span className="muted" data-testid="review-counts">
              {counts.open} open
              {counts.open > 0 ? ` (${RULES.filter((r) => counts.open_by_rule[r]).map((r) => `${ruleLabel(r).toLowerCase()}: ${counts.open_by_rule[r]}`).join(', ')})` : ''} · {counts.cleared} cleared
            </span>
          ) : null}
        </div>
        {rulesOn && rulesOn.length === 0 ? <Notice kind="info">This store runs no review rules. Turn them on with PUT /api/stores/{store}/integrity or tillstream review rules.</Notice> : null}
        {note ? <Notice kind={note.kind} testId="review-note">{note.text}</Notice> : null}
        {clearing ? (
          <form
            className="card"
            onSubmit={(e) => {
              e.preventDefault();
              void clear();
            }}
            data-testid="review-clear-form"
          >
            <p>
              Clear item {clearing.item_id} ({ruleLabel(clearing.rule)}, {clearing.receipt_no}, {fmt(clearing.amount, clearing.currency)}): the amount moves from suspense to revenue with an adjusting entry linked to the sale. This is recorded with your name and cannot be undone.
            </p>
            <label>
              Why is it in order?{' '}
              <input value={why} onChange={(e) => setWhy(e.target.value)} minLength={3} maxLength={500} required size={60} autoFocus data-testid="review-reason" />
            </label>{' '}
            <button type="submit" className="btn btn-primary" disabled={busy || why.trim().length < 3} data-testid="review-confirm">
              {busy ? 'Clearing…' : 'Clear item'}
            </button>{' '}
            <button type="button" className="btn" onClick={() => setClearing(null)}>
              Cancel
            </button>
          </form>
        ) : null}
        <PagedTable
          paged={items}
          columns={columns}
          rowKey={(r) => String(r.item_id)}
          rowData={(r) => ({ item: String(r.item_id), rule: r.rule, status: r.status })}
          rowClass={(r) => (r.status === 'cleared' ? 'done' : '')}
          label="Review items"
          testId="review-table"
          rowTestId="review-row"
          empty={status === 'open' ? 'Nothing waits for review.' : 'No items.'}
        />
      </section>
    </>
  );
}
