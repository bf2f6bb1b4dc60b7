import { useState, type FormEvent } from 'react';
import { ApiError, errorText, type ChangeReply } from '../api';
import { fmt, parsePrice } from '../money';
import i18next from 'i18next';
import { currentLocale } from '../i18n';
import { PagedTable, usePaged } from '../paged';
import { Notice, PageHeader, StoreSelect, storeCurrency, storeName, useLoad, useSession } from '../ui';
import { pickEmpty, resolveStores, TargetPicker, toTarget, type TargetPick } from './ProductEditor';

// Promotions (issue 12): the ones the hub holds with their kind, products, stores, start and
// end; the ones scheduled for later (each can be cancelled); a form for each kind core has
// (src/core/catalog/promotion.ts: percent off, buy X get Y, mix and match) sent to stores or
// groups now or at a time; and ending one (withdrawn: active false) now or at a time. The
// hub checks everything (POST /api/promotions) and its refusal, naming the field, is shown.

const t = (key: string, opts?: Record<string, unknown>): string => i18next.t(`promotions.${key}`, opts ?? {});

type Kind = 'percent_off' | 'buy_x_get_y' | 'mix_match';
const KINDS: Kind[] = ['percent_off', 'buy_x_get_y', 'mix_match'];

interface PromotionData {
  promotion_id: string;
  name: string;
  kind: Kind;
  target: { skus?: string[]; categories?: string[] };
  priority?: number;
  starts_at?: string;
  ends_at?: string;
  active?: boolean;
  percent_bp?: number;
  buy_qty?: number;
  get_qty?: number;
  get_percent_bp?: number;
  quantity?: number;
  price?: number;
}
interface PromotionRow {
  promotion_id: string;
  promotion: PromotionData;
  stores: Array<{ store_id: string; active: boolean }>;
  updated_at: string;
}
interface ScheduledPromo {
  change_id: number;
  target: { all?: boolean; store_ids?: string[]; groups?: string[] };
  items: number;
  effective_at: string;
  promotions: Array<{ promotion_id: string; name: string; kind: string; active: boolean; skus: string[]; categories: string[] }> | null;
}

/** "12.5" (percent) as basis points (1250), or null when it is not a percentage with at most two decimals. */
export function percentToBp(text: string): number | null {
  const m = /^\s*(\d{1,3})(?:[.,](\d{1,2}))?\s*%?\s*$/.exec(text);
  if (!m) return null;
  const bp = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return bp >= 1 && bp <= 10_000 ? bp : null;
}
const bpText = (bp: number) => `${(bp / 100).toLocaleString(currentLocale(), { maximumFractionDigits: 2 })} %`;
const list = (text: string) => [...new Set(text.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean))];
/** A datetime-local value as an ISO time in this browser's zone; undefined when empty. */
const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);
const when = (s: string | undefined) => (s ? new Date(s).toLocaleString(currentLocale(), { dateStyle: 'short', timeStyle: 'short' }) : null);

function terms(p: Pick<PromotionData, 'kind' | 'percent_bp' | 'buy_qty' | 'get_qty' | 'get_percent_bp' | 'quantity' | 'price'>, currency: string): string {
  if (p.kind === 'percent_off') return t('termsPercent', { percent: bpText(p.percent_bp ?? 0) });
  if (p.kind === 'buy_x_get_y')
    return (p.get_percent_bp ?? 10_000) >= 10_000 ? t('termsBuyFree', { buy: p.buy_qty, get: p.get_qty }) : t('termsBuyOff', { buy: p.buy_qty, get: p.get_qty, percent: bpText(p.get_percent_bp ?? 0) });
  return t('termsMix', { quantity: p.quantity, price: fmt(p.price ?? 0, currency) });
}

export function Promotions() {
  const { api, stores } = useSession();
  const [store, setStore] = useState('');
  const [version, setVersion] = useState(0);
  const [ending, setEnding] = useState<PromotionRow | null>(null);
  const [msg, setMsg] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const rows = usePaged(
    (cursor) => api.get<{ promotions: PromotionRow[]; next_cursor: string | null }>('/api/promotions', { store_id: store || undefined, cursor, limit: 15 }).then((r) => ({ rows: r.promotions, next_cursor: r.next_cursor })),
    `${store}|${version}`,
  );
  const done = (text: string) => {
    setMsg({ kind: 'ok', text });
    setVersion((v) => v + 1);
  };
  const currencyOf = (r: PromotionRow) => storeCurrency(stores, r.stores[0]?.store_id ?? '');
  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <div className="grid-2 wide-left">
        <div className="stack">
          <section className="card" aria-label={t('current')}>
            <h2>{t('current')}</h2>
            <div className="filters">
              <StoreSelect value={store} onChange={setStore} all testId="promotions-store" />
            </div>
            {msg ? <Notice kind={msg.kind} testId="promotions-msg">{msg.text}</Notice> : null}
            <PagedTable
              paged={rows}
              columns={[
                {
                  header: t('promotion'),
                  cell: (r) => (
                    <>
                      <div className="strong">{r.promotion.name}</div>
                      <div className="muted small">{r.promotion_id}</div>
                    </>
                  ),
                },
                {
                  header: t('kind'),
                  cell: (r) => (
                    <>
                      {t(`kind_${r.promotion.kind}`)}
                      <div className="muted small" data-testid="promotion-terms">{terms(r.promotion, currencyOf(r))}</div>
                    </>
                  ),
                },
                { header: t('products'), className: 'small', cell: (r) => targetText(r.promotion.target) },
                {
                  header: t('stores'),
                  className: 'small',
                  cell: (r) =>
                    r.stores.map((s) => (
                      <div key={s.store_id} data-testid="promotion-store" data-store={s.store_id} data-active={s.active ? 'yes' : 'no'}>
                        {storeName(stores, s.store_id)} {s.active ? null : <span className="tag">{t('ended')}</span>}
                      </div>
                    )),
                },
                {
                  header: t('runs'),
                  className: 'small',
                  cell: (r) => (
                    <>
                      <div>{when(r.promotion.starts_at) ? t('fromTime', { when: when(r.promotion.starts_at) }) : t('fromPublish')}</div>
                      <div className="muted">{when(r.promotion.ends_at) ? t('untilTime', { when: when(r.promotion.ends_at) }) : t('noEnd')}</div>
                    </>
                  ),
                },
                {
                  header: <span className="sr-only">{i18next.t('common.actions')}</span>,
                  num: true,
                  cell: (r) =>
                    r.stores.some((s) => s.active) ? (
                      <button type="button" className="btn btn-small" onClick={() => setEnding(r)} aria-label={t('endX', { name: r.promotion.name })} data-testid="promotion-end">
                        {t('end')}
                      </button>
                    ) : null,
                },
              ]}
              rowKey={(r) => r.promotion_id}
              rowData={(r) => ({ promotion: r.promotion_id, active: r.stores.some((s) => s.active) ? 'yes' : 'no' })}
              label={t('current')}
              testId="promotions-table"
              rowTestId="promotion-row"
              empty={t('none')}
              pagerWords={[i18next.t('paged.previous'), i18next.t('paged.next')]}
            />
          </section>
          <ScheduledPromotions version={version} onChange={done} />
        </div>
        <div className="stack">
          {ending ? (
            <EndForm
              key={ending.promotion_id}
              row={ending}
              onDone={(r) => {
                setEnding(null);
                done(r.scheduled ? t('endScheduled', { name: ending.promotion.name, when: when(r.scheduled.effective_at) }) : t('endedNow', { name: ending.promotion.name, count: r.stores.length }));
              }}
              onCancel={() => setEnding(null)}
            />
          ) : null}
          <CreateForm
            onDone={(r, name) =>
              done(r.scheduled ? t('createScheduled', { name, when: when(r.scheduled.effective_at), id: r.scheduled.change_id }) : t('createdNow', { name, count: r.stores.length }))
            }
          />
        </div>
      </div>
    </>
  );
}

function targetText(target: { skus?: string[]; categories?: string[] }): string {
  const parts: string[] = [];
  if (target.skus?.length) parts.push(target.skus.slice(0, 6).join(', ') + (target.skus.length > 6 ? ` +${target.skus.length - 6}` : ''));
  if (target.categories?.length) parts.push(t('categoriesList', { list: target.categories.slice(0, 6).join(', ') }));
  return parts.join(' · ');
}

/** The hub's refusal as text, and the field it names (a dotted path such as promotions.0.percent_bp). */
function refusal(err: unknown): { text: string; field: string } {
  return { text: errorText(err), field: err instanceof ApiError ? (err.field ?? '') : '' };
}

function CreateForm(props: { onDone(r: ChangeReply, name: string): void }) {
  const { api, stores } = useSession();
  const [kind, setKind] = useState<Kind>('percent_off');
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [skus, setSkus] = useState('');
  const [categories, setCategories] = useState('');
  const [percent, setPercent] = useState('10');
  const [buy, setBuy] = useState('2');
  const [get, setGet] = useState('1');
  const [getPercent, setGetPercent] = useState('100');
  const [qty, setQty] = useState('3');
  const [price, setPrice] = useState('');
  const [priority, setPriority] = useState('100');
  const [starts, setStarts] = useState('');
  const [ends, setEnds] = useState('');
  const [at, setAt] = useState('');
  const [pick, setPick] = useState<TargetPick>({ mode: 'stores', stores: stores[0] ? [stores[0].store_id] : [], groups: [] });
  const [error, setError] = useState<{ text: string; field: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const targets = resolveStores(pick, stores);
  const currencies = [...new Set(targets.map((s) => storeCurrency(stores, s)))];
  const currency = currencies[0] ?? stores[0]?.currency ?? 'USD';
  const bad = (f: string) => (error?.field ? error.field === `promotions.0.${f}` || error.field.startsWith(`promotions.0.${f}.`) : false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    // Numbers a person types in percent or money are turned into the hub's units here; a text
    // that is not one is sent as it is typed, so the hub names the field it refuses.
    const num = (s: string) => (/^\s*\d+\s*$/.test(s) ? Number(s) : s);
    const promo: Record<string, unknown> = {
      promotion_id: id.trim(),
      name: name.trim(),
      kind,
      target: { ...(list(skus).length ? { skus: list(skus) } : {}), ...(list(categories).length ? { categories: list(categories) } : {}) },
      priority: num(priority),
      ...(starts ? { starts_at: iso(starts) } : {}),
      ...(ends ? { ends_at: iso(ends) } : {}),
      active: true,
    };
    if (kind === 'percent_off') promo.percent_bp = percentToBp(percent) ?? percent;
    if (kind === 'buy_x_get_y') Object.assign(promo, { buy_qty: num(buy), get_qty: num(get), get_percent_bp: percentToBp(getPercent) ?? getPercent });
    if (kind === 'mix_match') {
      if (currencies.length > 1) return setError({ text: t('oneCurrency', { list: currencies.join(', ') }), field: 'promotions.0.price' });
      const p = parsePrice(price, currency);
      promo.quantity = num(qty);
      promo.price = p.ok ? p.amount : price;
    }
    setBusy(true);
    try {
      props.onDone(await api.post<ChangeReply>('/api/promotions', { target: toTarget(pick), promotions: [promo], effective_at: iso(at) }), name.trim());
      setId('');
      setName('');
    } catch (err) {
      setError(refusal(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby="promo-new-h" data-testid="promotion-form" noValidate>
      <h2 id="promo-new-h">{t('newTitle')}</h2>
      <label className="field">
        <span>{t('kind')}</span>
        <select value={kind} onChange={(e) => setKind(e.target.value as Kind)} data-testid="promo-kind">
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`kind_${k}`)}
            </option>
          ))}
        </select>
      </label>
      <div className="pair">
        <label className="field">
          <span>{t('id')}</span>
          <input value={id} onChange={(e) => setId(e.target.value)} aria-invalid={bad('promotion_id')} data-testid="promo-id" />
        </label>
        <label className="field">
          <span>{t('receiptName')}</span>
          <input value={name} onChange={(e) => setName(e.target.value)} aria-invalid={bad('name')} data-testid="promo-name" />
        </label>
      </div>
      <label className="field">
        <span>{t('skus')}</span>
        <input value={skus} onChange={(e) => setSkus(e.target.value)} aria-invalid={bad('target')} data-testid="promo-skus" />
      </label>
      <label className="field">
        <span>{t('categories')}</span>
        <input value={categories} onChange={(e) => setCategories(e.target.value)} aria-invalid={bad('target')} data-testid="promo-categories" />
      </label>
      {kind === 'percent_off' ? (
        <label className="field">
          <span>{t('percentOff')}</span>
          <input inputMode="decimal" value={percent} onChange={(e) => setPercent(e.target.value)} aria-invalid={bad('percent_bp')} data-testid="promo-percent" />
        </label>
      ) : kind === 'buy_x_get_y' ? (
        <div className="pair">
          <label className="field">
            <span>{t('buyQty')}</span>
            <input inputMode="numeric" value={buy} onChange={(e) => setBuy(e.target.value)} aria-invalid={bad('buy_qty')} data-testid="promo-buy" />
          </label>
          <label className="field">
            <span>{t('getQty')}</span>
            <input inputMode="numeric" value={get} onChange={(e) => setGet(e.target.value)} aria-invalid={bad('get_qty')} data-testid="promo-get" />
          </label>
        </div>
      ) : null}
      {kind === 'buy_x_get_y' ? (
        <label className="field">
          <span>{t('getPercent')}</span>
          <input inputMode="decimal" value={getPercent} onChange={(e) => setGetPercent(e.target.value)} aria-invalid={bad('get_percent_bp')} data-testid="promo-get-percent" />
        </label>
      ) : kind === 'mix_match' ? (
        <div className="pair">
          <label className="field">
            <span>{t('mixQty')}</span>
            <input inputMode="numeric" value={qty} onChange={(e) => setQty(e.target.value)} aria-invalid={bad('quantity')} data-testid="promo-qty" />
          </label>
          <label className="field">
            <span>{t('mixPrice', { currency })}</span>
            <input inputMode="decimal" value={price} onChange={(e) => setPrice(e.target.value)} aria-invalid={bad('price')} data-testid="promo-price" />
          </label>
        </div>
      ) : null}
      <div>
        <label className="field">
          <span>{t('startsAt')}</span>
          <input type="datetime-local" value={starts} onChange={(e) => setStarts(e.target.value)} aria-invalid={bad('starts_at')} data-testid="promo-starts" />
        </label>
        <label className="field">
          <span>{t('endsAt')}</span>
          <input type="datetime-local" value={ends} onChange={(e) => setEnds(e.target.value)} aria-invalid={bad('ends_at')} data-testid="promo-ends" />
        </label>
      </div>
      <label className="field">
        <span>{t('priority')}</span>
        <input inputMode="numeric" value={priority} onChange={(e) => setPriority(e.target.value)} aria-invalid={bad('priority')} data-testid="promo-priority" />
      </label>
      <TargetPicker value={pick} onChange={setPick} name="promo-target" />
      <label className="field">
        <span>{t('sendAt')}</span>
        <input type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} data-testid="promo-when" />
      </label>
      {error ? (
        <Notice kind="error" testId="promo-error">
          {error.text}
        </Notice>
      ) : null}
      <button className="btn btn-primary" type="submit" disabled={busy || pickEmpty(pick)} data-testid="promo-save">
        {at ? t('schedule') : t('sendNow')}
      </button>
    </form>
  );
}

/** Ends a promotion in the stores where it runs: sent again with active false, now or at a time. */
function EndForm(props: { row: PromotionRow; onDone(r: ChangeReply): void; onCancel(): void }) {
  const { api, stores } = useSession();
  const [at, setAt] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const running = props.row.stores.filter((s) => s.active).map((s) => s.store_id);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      props.onDone(await api.post<ChangeReply>('/api/promotions', { target: { store_ids: running }, promotions: [{ ...props.row.promotion, active: false }], effective_at: iso(at) }));
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="promo-end-h" data-testid="promotion-end-form">
      <h2 id="promo-end-h">{t('endTitle', { name: props.row.promotion.name })}</h2>
      <p className="muted small">{t('endLead', { stores: running.map((s) => storeName(stores, s)).join(', ') })}</p>
      <label className="field">
        <span>{t('endAt')}</span>
        <input type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} data-testid="promo-end-when" />
      </label>
      {error ? <Notice kind="error">{error}</Notice> : null}
      <div className="row gap">
        <button className="btn btn-primary" type="submit" disabled={busy} data-testid="promo-end-save">
          {at ? t('endLater') : t('endNow')}
        </button>
        <button className="btn" type="button" onClick={props.onCancel}>
          {i18next.t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

/** Promotion changes the hub holds for later (new ones and ends): what, where, when; each can be cancelled. */
function ScheduledPromotions(props: { version: number; onChange(text: string): void }) {
  const { api, stores } = useSession();
  const sched = useLoad(() => api.get<{ scheduled: ScheduledPromo[] }>('/api/scheduled-changes', { state: 'pending', kind: 'promotion', limit: 50 }), [props.version]);
  const [error, setError] = useState<string | null>(null);
  const cancel = async (c: ScheduledPromo) => {
    setError(null);
    try {
      await api.post(`/api/scheduled-changes/${c.change_id}/cancel`, {});
      props.onChange(t('cancelled', { id: c.change_id }));
    } catch (err) {
      setError(errorText(err));
    }
    sched.reload();
  };
  const rows = sched.data?.scheduled ?? [];
  const who = (x: ScheduledPromo['target']) =>
    x.all ? i18next.t('common.allStores') : x.store_ids ? x.store_ids.map((s) => storeName(stores, s)).join(', ') : t('groupsList', { list: (x.groups ?? []).join(', ') });
  return (
    <section className="card" aria-labelledby="promo-sched-h" data-testid="promotions-scheduled">
      <h2 id="promo-sched-h">{t('scheduledTitle')}</h2>
      {error || sched.error ? <Notice kind="error">{error ?? sched.error}</Notice> : null}
      {rows.length === 0 ? (
        <p className="muted small">{t('nothingScheduled')}</p>
      ) : (
        <table className="table compact" aria-label={t('scheduledTitle')}>
          <thead>
            <tr>
              <th scope="col">{t('when')}</th>
              <th scope="col">{t('promotion')}</th>
              <th scope="col">{t('stores')}</th>
              <th scope="col">
                <span className="sr-only">{i18next.t('common.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.change_id} data-testid="promo-scheduled-row" data-change={c.change_id}>
                <td className="small">
                  #{c.change_id} · {when(c.effective_at)}
                </td>
                <td>
                  {(c.promotions ?? []).map((p) => (
                    <div key={p.promotion_id}>
                      <strong>{p.name}</strong> <span className="muted small">{p.promotion_id}</span>{' '}
                      <span className="tag">{p.active ? t(`kind_${p.kind}`, { defaultValue: p.kind }) : t('ending')}</span>
                      <div className="muted small">{targetText(p)}</div>
                    </div>
                  ))}
                  {c.items > (c.promotions?.length ?? 0) ? <div className="muted small">{t('more', { count: c.items - (c.promotions?.length ?? 0) })}</div> : null}
                </td>
                <td className="small">{who(c.target)}</td>
                <td className="num">
                  <button type="button" className="btn btn-small" onClick={() => cancel(c)} aria-label={t('cancelX', { id: c.change_id })} data-testid="promo-scheduled-cancel">
                    {i18next.t('common.cancel')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
