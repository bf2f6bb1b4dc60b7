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
  const { t, i18n } = useTranslation();
  // Mid-sentence, English lowercases a rule's name; German keeps its nouns capitalised.
  const inSentence = (label: string): string => (i18n.language.startsWith('en') ? label.toLowerCase() : label);
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
      setNote({ kind: 'ok', text: t('review.clearedNote', { id: done.item_id, amount: fmt(done.amount, done.currency), entry: done.release_entry_id ?? t('review.noEntry') }) });
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
    { header: t('review.flagged'), cell: (r) => timeText(r.created_at) },
    { header: t('review.rule'), cell: (r) => <span className={`tag tag-${r.rule}`}>{ruleLabel(r.rule)}</span> },
    {
      header: t('review.where'),
      cell: (r) => (
        <>
          {storeName(stores, r.store_id)}
          <span className="muted"> · {r.receipt_no}</span>
        </>
      ),
    },
    { header: t('review.why'), cell: (r) => <span className="small">{r.reason}</span> },
    { header: t('review.amount'), num: true, cell: (r) => fmt(r.amount, r.currency) },
    {
      header: t('review.suspense'),
      cell: (r) =>
        r.status === 'cleared' ? (
          <span className="muted small" data-testid="review-cleared">
            {r.release_entry_id ? t('review.released') : t('review.cleared')}: {r.cleared_by}, {timeText(r.cleared_at)}
            <br />“{r.clear_reason}”
          </span>
        ) : r.hold_entry_id ? (
          <span className="small">{t('review.held')}</span>
        ) : (
          <span className="muted small">{r.entry_id ? t('review.notHeld') : t('review.notHeldNoRevenue')}</span>
        ),
    },
    {
      header: <span className="sr-only">{t('common.actions')}</span>,
      num: true,
      cell: (r) =>
        r.status === 'cleared' ? null : canClear ? (
          <button type="button" className="btn btn-small" onClick={() => { setClearing(r); setWhy(''); setNote(null); }} data-testid="review-clear" aria-label={t('review.clearLabel', { id: r.item_id })}>
            {t('review.clearAsk')}
          </button>
        ) : (
          <span className="muted small">{t('review.open')}</span>
        ),
    },
  ];

  const rulesOn = settings.data ? Object.keys(settings.data.review_rules) : null;
  return (
    <>
      <PageHeader title={t('review.title')} subtitle={t('review.subtitle')} />
      <section className="card">
        <div className="filters">
          <StoreSelect value={store} onChange={setStore} all testId="review-store" />
          <label className="field">
            <span>{t('review.rule')}</span>
            <select value={rule} onChange={(e) => setRule(e.target.value as Rule | '')} data-testid="review-rule">
              <option value="">{t('review.allRules')}</option>
              {RULES.map((r) => (
                <option key={r} value={r}>
                  {ruleLabel(r)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t('review.status')}</span>
            <select value={status} onChange={(e) => setStatus(e.target.value as 'open' | 'cleared' | 'all')} data-testid="review-status">
              <option value="open">{t('review.status_open')}</option>
              <option value="cleared">{t('review.status_cleared')}</option>
              <option value="all">{t('review.status_all')}</option>
            </select>
          </label>
          {counts ? (
            <span className="muted" data-testid="review-counts">
              {t('review.counts', {
                open: counts.open,
                byRule: counts.open > 0 ? ` (${RULES.filter((r) => counts.open_by_rule[r]).map((r) => `${inSentence(ruleLabel(r))}: ${counts.open_by_rule[r]}`).join(', ')})` : '',
                cleared: counts.cleared,
              })}
            </span>
          ) : null}
        </div>
        {rulesOn && rulesOn.length === 0 ? <Notice kind="info">{t('review.noRules', { store })}</Notice> : null}
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
              {t('review.clearLead', { id: clearing.item_id, rule: ruleLabel(clearing.rule), receipt: clearing.receipt_no, amount: fmt(clearing.amount, clearing.currency) })}
            </p>
            <label className="field">
              <span>{t('review.whyOk')}</span>
              <input value={why} onChange={(e) => setWhy(e.target.value)} minLength={3} maxLength={500} required size={60} autoFocus data-testid="review-reason" />
            </label>{' '}
            <button type="submit" className="btn btn-primary" disabled={busy || why.trim().length < 3} data-testid="review-confirm">
              {busy ? t('review.clearing') : t('review.clear')}
            </button>{' '}
            <button type="button" className="btn" onClick={() => setClearing(null)}>
              {t('common.cancel')}
            </button>
          </form>
        ) : null}
        <PagedTable
          paged={items}
          columns={columns}
          rowKey={(r) => String(r.item_id)}
          rowData={(r) => ({ item: String(r.item_id), rule: r.rule, status: r.status })}
          rowClass={(r) => (r.status === 'cleared' ? 'done' : '')}
          label={t('review.items')}
          testId="review-table"
          rowTestId="review-row"
          empty={status === 'open' ? t('review.nothingOpen') : t('review.noItems')}
        />
      </section>
    </>
  );
}
