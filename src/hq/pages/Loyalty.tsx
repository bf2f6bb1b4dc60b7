import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import i18next from 'i18next';
import { errorText } from '../api';
import { currentLocale } from '../i18n';
import { fmt, parsePrice, priceProblem } from '../money';
import { PagedTable, usePaged, useSort, type Column } from '../paged';
import { Empty, Notice, PageHeader, storeName, timeText, useLoad, useSession } from '../ui';

// Customers, their points, gift cards and store credit (docs/loyalty.md): searchable lists with
// the shared paged table, one customer or card with its balance and its movements (paged,
// newest first, who and why for adjustments), and HQ's manual adjustment with a reason. The
// adjustment form makes an idempotency key when it is opened and keeps it until the hub
// answers, so a second click or a retry after a lost reply adjusts once.

interface CustomerRow {
  customer_id: string;
  name: string;
  phone: string | null;
  email: string | null;
  loyalty_id: string | null;
  origin_store_id: string | null;
  points: number;
  points_value: number;
  created_at: string;
}
interface CardRow {
  gift_card_id: string;
  currency: string;
  balance: number;
  held: number;
  store_credit: boolean;
  origin_store_id: string | null;
  created_at: string;
}
interface MovementRow {
  movement_id: number;
  kind: string;
  amount: number;
  value: number;
  store_id: string | null;
  terminal_id: string | null;
  seq: number | null;
  offline: boolean;
  reason: string | null;
  created_by: string | null;
  created_at: string;
}
interface Reservation {
  sale_id: string;
  tender_id: string;
  amount: number;
  status: string;
  store_id: string;
  terminal_id: string;
  created_at: string;
  expires_at: string;
}

const KINDS = ['load', 'unload', 'redeem', 'refund', 'earn', 'unearn', 'redeem_points', 'refund_points', 'void', 'merge', 'adjust'];
const kindLabel = (k: string) => (KINDS.includes(k) ? i18next.t(`loyalty.k_${k}`) : k);
const newKey = () => `hq-${crypto.randomUUID()}`;
const signed = (n: number, text: string) => (n > 0 ? `+${text}` : text);
const shortTime = (iso: string) => new Intl.DateTimeFormat(currentLocale(), { dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso));

function useDebounced(value: string, ms = 250): string {
  const [v, setV] = useState(value);
  useEffect(() => {
    const h = setTimeout(() => setV(value), ms);
    return () => clearTimeout(h);
  }, [value, ms]);
  return v;
}

/** Where a movement came from: a register's sale (store · terminal #seq) or a person (who: why). */
function Source(props: { m: MovementRow }) {
  const { stores } = useSession();
  const m = props.m;
  if (m.kind === 'adjust' || m.kind === 'merge') {
    return (
      <span>
        {m.created_by ? <span className="strong">{m.created_by}: </span> : null}
        {m.reason}
      </span>
    );
  }
  return (
    <span>
      {m.store_id ? storeName(stores, m.store_id) : '—'}
      {m.terminal_id ? <span className="muted"> · {m.terminal_id} #{m.seq}</span> : null}
      {m.offline ? <span className="pill pill-off small"> {i18next.t('loyalty.offline')}</span> : null}
    </span>
  );
}

function Movements(props: { path: string; money?: string; refresh: number; testId: string }) {
  const { api } = useSession();
  const { t } = useTranslation();
  const paged = usePaged<MovementRow>(
    (cursor) => api.get<{ movements: MovementRow[]; next_cursor: string | null }>(props.path, { limit: 20, cursor }).then((r) => ({ rows: r.movements, next_cursor: r.next_cursor })),
    `${props.path}#${props.refresh}`,
  );
  const amount = (n: number) => signed(n, props.money ? fmt(n, props.money) : n.toLocaleString(i18next.language));
  const columns: Array<Column<MovementRow>> = [
    { header: t('loyalty.when'), cell: (m) => shortTime(m.created_at), className: 'nowrap' },
    { header: t('loyalty.kind'), cell: (m) => <span className={`tag tag-m-${m.kind}`}>{kindLabel(m.kind)}</span> },
    { header: t('loyalty.source'), cell: (m) => <Source m={m} /> },
    { header: props.money ? t('loyalty.amount') : t('loyalty.points'), num: true, cell: (m) => <span className={m.amount < 0 ? 'neg' : undefined}>{amount(m.amount)}</span> },
  ];
  return (
    <PagedTable
      paged={paged}
      columns={columns}
      rowKey={(m) => String(m.movement_id)}
      label={t('loyalty.movements')}
      empty={t('loyalty.noMovements')}
      testId={props.testId}
      rowTestId="movement-row"
      rowData={(m) => ({ kind: m.kind, amount: String(m.amount) })}
      pagerWords={[t('alerts.newer'), t('alerts.older')]}
      compact
    />
  );
}

/** A manual adjustment: signed points or money, a reason, once per key. */
function AdjustForm(props: { kind: 'points' | 'gift_card'; path: string; currency?: string; onDone(balance: number): void }) {
  const { api } = useSession();
  const { t } = useTranslation();
  const id = useId();
  const [key, setKey] = useState(newKey);
  const [direction, setDirection] = useState<'add' | 'remove'>('add');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [bad, setBad] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setMsg(null);
    let n: number;
    if (props.kind === 'points') {
      if (!/^\d{1,8}$/.test(amount.trim()) || Number(amount) === 0) return setBad(t('loyalty.badPoints'));
      n = Number(amount);
    } else {
      const p = parsePrice(amount, props.currency ?? 'USD');
      if (!p.ok || p.amount === 0) return setBad(p.ok ? t('loyalty.badAmount') : priceProblem(p));
      n = p.amount;
    }
    if (!reason.trim()) return setBad(t('loyalty.needReason'));
    setBad(null);
    setBusy(true);
    try {
      const signedN = direction === 'add' ? n : -n;
      const body = props.kind === 'points' ? { key, points: signedN, reason: reason.trim() } : { key, amount: signedN, reason: reason.trim() };
      const r = await api.post<{ balance: number; amount: number }>(props.path, body);
      const shown = props.kind === 'points' ? r.amount.toLocaleString(i18next.language) : fmt(r.amount, props.currency ?? 'USD');
      const bal = props.kind === 'points' ? r.balance.toLocaleString(i18next.language) : fmt(r.balance, props.currency ?? 'USD');
      setMsg({ kind: 'ok', text: t('loyalty.adjusted', { amount: signed(r.amount, shown), balance: bal }) });
      setAmount('');
      setReason('');
      setDirection('add'); // the next adjustment starts from "add" again, not a leftover "take off"
      setKey(newKey());
      props.onDone(r.balance);
    } catch (err) {
      // The key stays: sending again after a lost reply cannot adjust twice.
      setMsg({ kind: 'error', text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} className="adjust" data-testid="adjust-form" aria-label={t('loyalty.adjustTitle')}>
      <h3>{t('loyalty.adjustTitle')}</h3>
      <div className="segmented" role="group" aria-label={t('loyalty.direction')}>
        <button type="button" className={direction === 'add' ? 'on' : ''} aria-pressed={direction === 'add'} onClick={() => setDirection('add')} data-testid="adjust-add">
          {t('loyalty.add')}
        </button>
        <button type="button" className={direction === 'remove' ? 'on' : ''} aria-pressed={direction === 'remove'} onClick={() => setDirection('remove')} data-testid="adjust-remove">
          {t('loyalty.remove')}
        </button>
      </div>
      <div className="adjust-fields">
        <label className="field narrow" htmlFor={`${id}-a`}>
          <span>{props.kind === 'points' ? t('loyalty.points') : t('loyalty.amountIn', { currency: props.currency })}</span>
          <input id={`${id}-a`} inputMode={props.kind === 'points' ? 'numeric' : 'decimal'} value={amount} onChange={(e) => setAmount(e.target.value)} maxLength={16} data-testid="adjust-amount" aria-invalid={bad !== null && bad !== i18next.t('loyalty.needReason')} />
        </label>
        <label className="field grow" htmlFor={`${id}-r`}>
          <span>{t('loyalty.reason')}</span>
          <input id={`${id}-r`} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={200} data-testid="adjust-reason" placeholder={t('loyalty.reasonHint')} />
        </label>
      </div>
      {bad ? <Notice kind="error">{bad}</Notice> : null}
      {msg ? (
        <Notice kind={msg.kind} testId="adjust-msg">
          {msg.text}
        </Notice>
      ) : null}
      <button type="submit" className="btn btn-primary" disabled={busy} data-testid="adjust-submit">
        {busy ? t('loyalty.saving') : t('loyalty.adjust')}
      </button>
      <p className="muted small">{t('loyalty.ledgerNote')}</p>
    </form>
  );
}

const canAdjust = (role: string) => role === 'admin' || role === 'hq';

export function Customers() {
  const { api, stores, me } = useSession();
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const query = useDebounced(q.trim());
  const [open, setOpen] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);
  // By name (the hub's own order), points or since (docs/hub.md "Sorting").
  const sort = useSort('name', ['name', 'points', 'since']);
  const paged = usePaged<CustomerRow>(
    (cursor) =>
      api
        .get<{ customers: CustomerRow[]; next_cursor: string | null }>('/api/customers', { q: query || undefined, sort: sort.value, limit: 25, cursor })
        .then((r) => ({ rows: r.customers, next_cursor: r.next_cursor })),
    `${query}#${refresh}#${sort.value}`,
  );
  const columns: Array<Column<CustomerRow>> = [
    {
      header: t('loyalty.customer'),
      sort: 'name',
      cell: (c) => (
        <button type="button" className="linklike" onClick={() => setOpen(c.customer_id)} data-testid="customer-open" aria-expanded={open === c.customer_id}>
          {c.name}
        </button>
      ),
    },
    { header: t('loyalty.loyaltyId'), cell: (c) => <span className="mono">{c.loyalty_id ?? '—'}</span> },
    { header: t('loyalty.phone'), cell: (c) => c.phone ?? '—' },
    { header: t('common.store'), cell: (c) => (c.origin_store_id ? storeName(stores, c.origin_store_id) : t('loyalty.hq')) },
    { header: t('loyalty.since'), sort: 'since', sortFirst: 'desc', className: 'nowrap', cell: (c) => new Intl.DateTimeFormat(currentLocale(), { dateStyle: 'medium' }).format(new Date(c.created_at)) },
    { header: t('loyalty.points'), num: true, sort: 'points', sortFirst: 'desc', cell: (c) => <span className={c.points < 0 ? 'neg' : 'strong'}>{c.points.toLocaleString(i18next.language)}</span> },
  ];
  return (
    <>
      <PageHeader title={t('loyalty.customersTitle')} subtitle={t('loyalty.customersSubtitle')} />
      <div className={open ? 'split' : ''}>
        <section className="card">
          <div className="filters">
            <label className="field grow">
              <span>{t('loyalty.search')}</span>
              <input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t('loyalty.searchHint')} maxLength={80} data-testid="customer-search" />
            </label>
          </div>
          <PagedTable
            paged={paged}
            columns={columns}
            sort={sort}
            rowKey={(c) => c.customer_id}
            label={t('loyalty.customersTitle')}
            empty={query ? t('loyalty.noMatch', { q: query }) : t('loyalty.noCustomers')}
            testId="customers-table"
            rowTestId="customer-row"
            rowClass={(c) => (c.customer_id === open ? 'selected' : '')}
            rowData={(c) => ({ customer: c.customer_id })}
            pagerWords={[t('loyalty.prev'), t('loyalty.next')]}
          />
        </section>
        {open ? <CustomerDetail id={open} canAdjust={canAdjust(me.role)} onClose={() => setOpen(null)} onChanged={() => setRefresh((n) => n + 1)} /> : null}
      </div>
    </>
  );
}

function CustomerDetail(props: { id: string; canAdjust: boolean; onClose(): void; onChanged(): void }) {
  const { api, stores } = useSession();
  const { t } = useTranslation();
  const [refresh, setRefresh] = useState(0);
  const detail = useLoad(() => api.get<{ customer: CustomerRow & { consent: Record<string, unknown> }; reservations: Reservation[] }>(`/api/customers/${encodeURIComponent(props.id)}`), [props.id, refresh]);
  const done = useCallback(() => {
    setRefresh((n) => n + 1);
    props.onChanged();
  }, [props]);
  const c = detail.data?.customer;
  const held = (detail.data?.reservations ?? []).filter((r) => r.status === 'held').reduce((s, r) => s + r.amount, 0);
  return (
    <section className="card" aria-label={c?.name ?? props.id} data-testid="customer-detail">
      <div className="row between">
        <h2>{c?.name ?? '…'}</h2>
        <button type="button" className="btn btn-small" onClick={props.onClose} aria-label={t('loyalty.close')}>
          ✕
        </button>
      </div>
      {detail.error ? <Notice kind="error">{detail.error}</Notice> : null}
      {c ? (
        <>
          <div className="kpis">
            <div className="kpi">
              <div className="kpi-label">{t('loyalty.pointsBalance')}</div>
              <div className="kpi-value" data-testid="customer-points">
                {c.points.toLocaleString(i18next.language)}
              </div>
              <div className="muted small">{held ? t('loyalty.held', { n: held.toLocaleString(i18next.language) }) : t('loyalty.nothingHeld')}</div>
            </div>
          </div>
          <dl className="facts">
            <dt>{t('loyalty.loyaltyId')}</dt>
            <dd className="mono">{c.loyalty_id ?? '—'}</dd>
            <dt>{t('loyalty.phone')}</dt>
            <dd>{c.phone ?? '—'}</dd>
            <dt>{t('loyalty.email')}</dt>
            <dd>{c.email ?? '—'}</dd>
            <dt>{t('loyalty.consent')}</dt>
            <dd>{c.consent.marketing === true ? t('loyalty.marketingYes') : t('loyalty.marketingNo')}</dd>
            <dt>{t('loyalty.since')}</dt>
            <dd>
              {timeText(c.created_at)} · {c.origin_store_id ? storeName(stores, c.origin_store_id) : t('loyalty.hq')}
            </dd>
          </dl>
          {props.canAdjust ? <AdjustForm key={c.customer_id} kind="points" path={`/api/customers/${encodeURIComponent(c.customer_id)}/points/adjustments`} onDone={done} /> : null}
          <h3>{t('loyalty.movements')}</h3>
          <Movements path={`/api/customers/${encodeURIComponent(c.customer_id)}/movements`} refresh={refresh} testId="customer-movements" />
        </>
      ) : detail.loading ? (
        <Empty>{t('alerts.loading')}</Empty>
      ) : null}
    </section>
  );
}

export function GiftCards() {
  const { api, stores, me } = useSession();
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const query = useDebounced(q.trim());
  const [negative, setNegative] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);
  const valid = query === '' || /^[0-9A-Za-z-]{1,32}$/.test(query);
  // By number (the hub's own order) or balance (docs/hub.md "Sorting").
  const sort = useSort('number', ['number', 'balance']);
  const paged = usePaged<CardRow>(
    (cursor) =>
      valid
        ? api
            .get<{ cards: CardRow[]; next_cursor: string | null }>('/api/gift-cards', { q: query || undefined, negative: negative ? 'true' : undefined, sort: sort.value, limit: 25, cursor })
            .then((r) => ({ rows: r.cards, next_cursor: r.next_cursor }))
        : Promise.resolve({ rows: [], next_cursor: null }),
    `${query}#${negative}#${refresh}#${sort.value}`,
  );
  const columns: Array<Column<CardRow>> = [
    {
      header: t('loyalty.card'),
      sort: 'number',
      cell: (c) => (
        <button type="button" className="linklike mono" onClick={() => setOpen(c.gift_card_id)} data-testid="card-open" aria-expanded={open === c.gift_card_id}>
          {c.gift_card_id}
        </button>
      ),
    },
    { header: t('loyalty.type'), cell: (c) => <span className={`pill ${c.store_credit ? 'pill-off' : 'pill-ok'}`}>{c.store_credit ? t('loyalty.storeCredit') : t('loyalty.giftCard')}</span> },
    { header: t('common.store'), cell: (c) => (c.origin_store_id ? storeName(stores, c.origin_store_id) : t('loyalty.hq')) },
    { header: t('loyalty.held'), num: true, cell: (c) => (c.held ? fmt(c.held, c.currency) : '—') },
    { header: t('loyalty.balance'), num: true, sort: 'balance', sortFirst: 'desc', cell: (c) => <span className={c.balance < 0 ? 'neg strong' : 'strong'}>{fmt(c.balance, c.currency)}</span> },
  ];
  return (
    <>
      <PageHeader title={t('loyalty.cardsTitle')} subtitle={t('loyalty.cardsSubtitle')} />
      <div className={open ? 'split' : ''}>
        <section className="card">
          <div className="filters">
            <label className="field grow">
              <span>{t('loyalty.cardSearch')}</span>
              <input type="search" value={q} onChange={(e) => setQ(e.target.value)} maxLength={32} placeholder="GC-1000…" aria-invalid={!valid} data-testid="card-search" />
            </label>
            <label className="check">
              <input type="checkbox" checked={negative} onChange={(e) => setNegative(e.target.checked)} data-testid="card-negative" /> {t('loyalty.onlyNegative')}
            </label>
          </div>
          {!valid ? <Notice kind="error">{t('loyalty.badCardId')}</Notice> : null}
          <PagedTable
            paged={paged}
            columns={columns}
            sort={sort}
            rowKey={(c) => c.gift_card_id}
            label={t('loyalty.cardsTitle')}
            empty={query ? t('loyalty.noMatch', { q: query }) : t('loyalty.noCards')}
            testId="cards-table"
            rowTestId="card-row"
            rowClass={(c) => (c.gift_card_id === open ? 'selected' : '')}
            rowData={(c) => ({ card: c.gift_card_id })}
            pagerWords={[t('loyalty.prev'), t('loyalty.next')]}
          />
        </section>
        {open ? <CardDetail id={open} canAdjust={canAdjust(me.role)} onClose={() => setOpen(null)} onChanged={() => setRefresh((n) => n + 1)} /> : null}
      </div>
    </>
  );
}

function CardDetail(props: { id: string; canAdjust: boolean; onClose(): void; onChanged(): void }) {
  const { api } = useSession();
  const { t } = useTranslation();
  const [refresh, setRefresh] = useState(0);
  const detail = useLoad(
    () => api.get<{ card: { gift_card_id: string; currency: string; balance: number; held: number; available: number }; reservations: Reservation[] }>(`/api/gift-cards/${encodeURIComponent(props.id)}`),
    [props.id, refresh],
  );
  const done = useCallback(() => {
    setRefresh((n) => n + 1);
    props.onChanged();
  }, [props]);
  const c = detail.data?.card;
  const held = (detail.data?.reservations ?? []).filter((r) => r.status === 'held');
  return (
    <section className="card" aria-label={props.id} data-testid="card-detail">
      <div className="row between">
        <h2 className="mono">{props.id}</h2>
        <button type="button" className="btn btn-small" onClick={props.onClose} aria-label={t('loyalty.close')}>
          ✕
        </button>
      </div>
      {detail.error ? <Notice kind="error">{detail.error}</Notice> : null}
      {c ? (
        <>
          <div className="kpis">
            <div className="kpi">
              <div className="kpi-label">{t('loyalty.balance')}</div>
              <div className={`kpi-value${c.balance < 0 ? ' neg' : ''}`} data-testid="card-balance">
                {fmt(c.balance, c.currency)}
              </div>
            </div>
            <div className="kpi">
              <div className="kpi-label">{t('loyalty.available')}</div>
              <div className="kpi-value">{fmt(c.available, c.currency)}</div>
              <div className="muted small">{held.length ? t('loyalty.heldBy', { amount: fmt(c.held, c.currency), count: held.length }) : t('loyalty.nothingHeld')}</div>
            </div>
          </div>
          {props.canAdjust ? <AdjustForm key={c.gift_card_id} kind="gift_card" currency={c.currency} path={`/api/gift-cards/${encodeURIComponent(c.gift_card_id)}/adjustments`} onDone={done} /> : null}
          <h3>{t('loyalty.movements')}</h3>
          <Movements path={`/api/gift-cards/${encodeURIComponent(c.gift_card_id)}/movements`} money={c.currency} refresh={refresh} testId="card-movements" />
        </>
      ) : detail.loading ? (
        <Empty>{t('alerts.loading')}</Empty>
      ) : null}
    </section>
  );
}
