import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { errorText, type ChangeReply, type ProductRow } from '../api';
import { parsePriceBook, type PriceBookParse } from '../csv';
import { fmt, parsePrice, priceProblem, toInput } from '../money';
import i18next from 'i18next';
import { currentLocale } from '../i18n';
import { PagedTable, usePaged, useSort } from '../paged';
import { Notice, PageHeader, Progress, StoreSelect, storeCurrency, storeName, useLoad, useSession } from '../ui';
import { pickEmpty, ProductEditor, resolveStores, TargetPicker, toTarget, type TargetPick } from './ProductEditor';

// The catalog with names, barcodes and categories, each store's price, one price edited in
// the store's currency, and price books imported from CSV: every row checked first, bad rows
// listed and skipped, the rest published to the chosen stores now or at a chosen time.

const CHUNK = 500;
// Texts are read at render time; a change of language draws the page again (App keys <main> by it).
const t = (key: string, opts?: Record<string, unknown>): string => i18next.t(`products.${key}`, opts ?? {});

export function Products() {
  const { api, stores } = useSession();
  const [store, setStore] = useState(stores[0]?.store_id ?? '');
  const [q, setQ] = useState('');
  // By SKU (the hub's own order) or by name; not by price (docs/hub.md "Sorting").
  const sort = useSort('sku', ['sku', 'name']);
  const list = usePaged(
    (cursor) =>
      api
        .get<{ products: ProductRow[]; next_cursor: string | null }>('/api/products', { store_id: store, q: q.trim() || undefined, sort: sort.value, cursor, limit: 15 })
        .then((r) => ({ rows: r.products, next_cursor: r.next_cursor })),
    `${store}|${q}|${sort.value}`,
  );
  const [editing, setEditing] = useState<ProductRow | null>(null);
  const [editingProduct, setEditingProduct] = useState<ProductRow | null>(null);
  const { me } = useSession();
  const canEditCatalog = me.role === 'admin' || me.role === 'hq';
  const [published, setPublished] = useState<ChangeReply | null>(null);
  const currency = storeCurrency(stores, store);

  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <div className="grid-2 wide-left">
        <section className="card" aria-label={t('catalog')}>
          <div className="filters">
            <StoreSelect value={store} onChange={setStore} testId="products-store" />
            <label className="field grow">
              <span>{i18next.t('common.search')}</span>
              <input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t('searchPh')} data-testid="products-search" />
            </label>
          </div>
          <PagedTable
            paged={list}
            sort={sort}
            columns={[
              {
                header: t('product'),
                sort: 'name',
                cell: (p) => (
                  <>
                    <div className="strong">
                      {p.name}
                      {p.active ? null : <span className="tag">{i18next.t('product.inactive')}</span>}
                    </div>
                    <div className="muted small">{p.sku}</div>
                  </>
                ),
              },
              { header: t('barcode'), className: 'mono small', cell: (p) => p.gtins[0] ?? '—' },
              {
                header: t('category'),
                cell: (p) => (
                  <>
                    {p.category}
                    <div className="muted small">{t('tax', { cat: p.tax_category })}</div>
                  </>
                ),
              },
              {
                header: t('price'),
                num: true,
                cell: (p) => (
                  <span data-testid="product-price">
                    {p.price ? fmt(p.price.amount, p.price.currency) : <span className="muted">{t('noPrice')}</span>}
                    {p.unit !== 'each' ? <span className="muted small"> /{p.unit}</span> : null}
                  </span>
                ),
              },
              {
                header: <span className="sr-only">{i18next.t('common.actions')}</span>,
                num: true,
                cell: (p) => (
                  <>
                    <button
                      type="button"
                      className="btn btn-small"
                      onClick={() => {
                        setEditingProduct(null);
                        setEditing(p);
                      }}
                      aria-label={t('changePriceOf', { name: p.name })}
                      data-testid="edit-price"
                    >
                      {t('changePrice')}
                    </button>
                    {canEditCatalog ? (
                      <button
                        type="button"
                        className="btn btn-small"
                        onClick={() => {
                          setEditing(null);
                          setEditingProduct(p);
                        }}
                        aria-label={i18next.t('product.editLabel', { name: p.name })}
                        data-testid="edit-product"
                      >
                        {i18next.t('product.edit')}
                      </button>
                    ) : null}
                  </>
                ),
              },
            ]}
            rowKey={(p) => p.sku}
            rowData={(p) => ({ sku: p.sku })}
            label={t('catalog')}
            testId="products-table"
            rowTestId="product-row"
            empty={t('none')}
            pagerWords={[i18next.t('paged.previous'), i18next.t('paged.next')]}
          />
        </section>
        <div className="stack">
          {editingProduct ? (
            <ProductEditor
              key={`${editingProduct.sku}:${editingProduct.version}`}
              product={editingProduct}
              currency={currency}
              onDone={(r) => {
                setEditingProduct(null);
                setPublished(r);
                list.reload();
              }}
              onCancel={() => setEditingProduct(null)}
            />
          ) : null}
          {editing ? (
            <PriceEditor
              key={editing.sku}
              product={editing}
              store={store}
              currency={currency}
              onDone={(r) => {
                setEditing(null);
                setPublished(r);
                list.reload();
              }}
              onCancel={() => setEditing(null)}
            />
          ) : null}
          <PriceBookImport
            onDone={(r) => {
              setPublished(r);
              list.reload();
            }}
          />
          {published ? <Propagation reply={published} /> : null}
          <Scheduled version={published} />
        </div>
      </div>
      <p className="muted small">
        {t('showing', { store: storeName(stores, store), currency })}
      </p>
    </>
  );
}

/** "2026-12-01T18:30" from a datetime-local field as an ISO time in this browser's zone, or undefined for now. */
function effectiveAt(local: string): string | undefined {
  return local ? new Date(local).toISOString() : undefined;
}

function PriceEditor(props: { product: ProductRow; store: string; currency: string; onDone(r: ChangeReply): void; onCancel(): void }) {
  const { api } = useSession();
  const [text, setText] = useState(props.product.price ? toInput(props.product.price.amount, props.currency) : '');
  const [pick, setPick] = useState<TargetPick>({ mode: 'stores', stores: [props.store], groups: [] });
  const [when, setWhen] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const parsed = parsePrice(text, props.currency);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!parsed.ok) return setError(priceProblem(parsed));
    setBusy(true);
    try {
      props.onDone(await api.post<ChangeReply>('/api/prices', { target: toTarget(pick), prices: [{ sku: props.product.sku, amount: parsed.amount }], effective_at: effectiveAt(when) }));
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-label={t('priceOf', { name: props.product.name })} data-testid="price-editor">
      <h2>{props.product.name}</h2>
      <label className="field">
        <span>{t('newPrice', { currency: props.currency })}</span>
        <input inputMode="decimal" value={text} onChange={(e) => setText(e.target.value)} autoFocus aria-invalid={!parsed.ok} data-testid="price-input" />
      </label>
      <div className="muted small" aria-live="polite">
        {parsed.ok ? `= ${fmt(parsed.amount, props.currency)}` : priceProblem(parsed)}
      </div>
      <TargetPicker value={pick} onChange={setPick} name="price-target" />
      <label className="field">
        <span>{t('takesEffect')}</span>
        <input type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} data-testid="price-when" />
      </label>
      {error ? <Notice kind="error">{error}</Notice> : null}
      <div className="row gap">
        <button className="btn btn-primary" type="submit" disabled={busy || !parsed.ok || pickEmpty(pick)} data-testid="price-save">
          {when ? t('schedule') : t('publishNow')}
        </button>
        <button className="btn" type="button" onClick={props.onCancel}>
          {i18next.t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function PriceBookImport(props: { onDone(r: ChangeReply): void }) {
  const { api, stores } = useSession();
  const [pick, setPick] = useState<TargetPick>({ mode: 'stores', stores: [], groups: [] });
  const targets = resolveStores(pick, stores);
  const [when, setWhen] = useState('');
  const [fileName, setFileName] = useState('');
  const [text, setText] = useState<string | null>(null);
  const [check, setCheck] = useState<PriceBookParse | null>(null);
  const [progress, setProgress] = useState<{ label: string; done: number; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const currencies = [...new Set(targets.map((t) => storeCurrency(stores, t)))];

  // The whole catalog's SKUs, page by page (shown as progress), so unknown SKUs are caught before anything is sent.
  const knownSkus = async (storeId: string): Promise<Set<string>> => {
    const skus = new Set<string>();
    let next: string | null | undefined;
    let pages = 0;
    do {
      const r = await api.get<{ products: ProductRow[]; next_cursor: string | null }>('/api/products', { store_id: storeId, cursor: next ?? undefined, limit: 500 });
      r.products.forEach((p) => skus.add(p.sku));
      next = r.next_cursor;
      pages += 1;
      setProgress({ label: t('readingCatalog'), done: skus.size, total: skus.size + (next ? 500 : 0) });
    } while (next && pages < 4000);
    return skus;
  };

  const runCheck = async () => {
    setError(null);
    setResult(null);
    setCheck(null);
    if (text === null) return setError(t('chooseFile'));
    if (targets.length === 0) return setError(t('chooseStore'));
    if (currencies.length > 1) return setError(t('oneCurrency', { list: currencies.join(t('and')) }));
    try {
      const skus = await knownSkus(targets[0]!);
      setCheck(parsePriceBook(text, currencies[0]!, skus));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setProgress(null);
    }
  };

  const apply = async () => {
    if (!check) return;
    setError(null);
    const rows = check.rows;
    let last: ChangeReply | null = null;
    try {
      for (let i = 0; i < rows.length; i += CHUNK) {
        setProgress({ label: t('publishing'), done: i, total: rows.length });
        last = await api.post<ChangeReply>('/api/prices', {
          target: toTarget(pick),
          prices: rows.slice(i, i + CHUNK).map((r) => ({ sku: r.sku, amount: r.amount })),
          effective_at: effectiveAt(when),
          reason: `price book ${fileName}`.slice(0, 200),
        });
      }
      setProgress({ label: t('publishing'), done: rows.length, total: rows.length });
      setResult(t(when ? 'resultLater' : 'resultNow', { count: rows.length, stores: targets.map((s) => storeName(stores, s)).join(', '), bad: check.bad.length }));
      setCheck(null);
      if (last) props.onDone(last);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setProgress(null);
    }
  };

  return (
    <section className="card" aria-labelledby="import-h" data-testid="import">
      <h2 id="import-h">{t('importTitle')}</h2>
      <p className="muted small">{t('importLead')}</p>
      <label className="field">
        <span>{t('csvFile')}</span>
        <input
          type="file"
          accept=".csv,text/csv"
          data-testid="import-file"
          onChange={async (e) => {
            const f = e.target.files?.[0];
            setCheck(null);
            setResult(null);
            setFileName(f?.name ?? '');
            setText(f ? await f.text() : null);
          }}
        />
      </label>
      <TargetPicker value={pick} onChange={setPick} name="import-target" />
      <label className="field">
        <span>{t('takesEffect')}</span>
        <input type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} data-testid="import-when" />
      </label>
      <button type="button" className="btn" onClick={runCheck} disabled={!!progress} data-testid="import-check">
        {t('checkFile')}
      </button>
      {progress ? <Progress {...progress} testId="import-progress" /> : null}
      {error ? <Notice kind="error">{error}</Notice> : null}
      {check?.fatal ? <Notice kind="error">{check.fatal}</Notice> : null}
      {check && !check.fatal ? (
        <div className="preview" data-testid="import-preview">
          <p>
            <strong data-testid="import-good">{t('nPrices', { count: check.rows.length })}</strong> {t('ready')}
            {check.bad.length ? (
              <>
                , <strong className="neg" data-testid="import-bad-count">{t('willSkip', { count: check.bad.length })}</strong>:
              </>
            ) : (
              '.'
            )}
          </p>
          {check.bad.length ? (
            <table className="table compact bad-rows" data-testid="import-bad">
              <thead>
                <tr>
                  <th scope="col">{t('line')}</th>
                  <th scope="col">{t('row')}</th>
                  <th scope="col">{t('why')}</th>
                </tr>
              </thead>
              <tbody>
                {check.bad.slice(0, 50).map((b) => (
                  <tr key={b.line} data-testid="bad-row">
                    <td>{b.line}</td>
                    <td className="mono small">{b.text}</td>
                    <td>{b.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          <button type="button" className="btn btn-primary" onClick={apply} disabled={!!progress || check.rows.length === 0} data-testid="import-apply">
            {t(when ? 'scheduleN' : 'publishN', { count: check.rows.length })}
          </button>
        </div>
      ) : null}
      {result ? <Notice kind="ok" testId="import-result">{result}</Notice> : null}
    </section>
  );
}

interface ScheduledRow {
  change_id: number;
  kind: string;
  target: { all?: boolean; store_ids?: string[]; groups?: string[] };
  items: number;
  effective_at: string;
  created_by: string | null;
  state: 'pending' | 'published' | 'canceled';
}

/** Changes the hub holds for later: what, for whom, when; each can be cancelled until it is published. */
function Scheduled(props: { version: unknown }) {
  const { api, stores } = useSession();
  const list = useLoad(() => api.get<{ scheduled: ScheduledRow[] }>('/api/scheduled-changes', { state: 'pending', limit: 20 }), [props.version]);
  const [msg, setMsg] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const cancel = async (c: ScheduledRow) => {
    try {
      await api.post(`/api/scheduled-changes/${c.change_id}/cancel`, {});
      setMsg({ kind: 'ok', text: t('cancelled', { id: c.change_id }) });
    } catch (err) {
      setMsg({ kind: 'error', text: errorText(err) });
    }
    list.reload();
  };
  const rows = list.data?.scheduled ?? [];
  const who = (x: ScheduledRow['target']) => (x.all ? t('allStores') : x.store_ids ? x.store_ids.map((s) => storeName(stores, s)).join(', ') : t('groups', { list: (x.groups ?? []).join(', ') }));
  return (
    <section className="card" aria-labelledby="sched-h" data-testid="scheduled">
      <h2 id="sched-h">{t('scheduledTitle')}</h2>
      {msg ? <Notice kind={msg.kind} testId="scheduled-msg">{msg.text}</Notice> : null}
      {rows.length === 0 ? (
        <p className="muted small">{t('nothingScheduled')}</p>
      ) : (
        <table className="table compact">
          <tbody>
            {rows.map((c) => (
              <tr key={c.change_id} data-testid="scheduled-row" data-change={c.change_id}>
                <td>
                  <strong>
                    #{c.change_id} {t(`kind_${c.kind}`, { defaultValue: c.kind })}
                  </strong>{' '}
                  <span className="muted small">
                    {t('items', { count: c.items })} · {who(c.target)}
                  </span>
                  <div className="small">{new Date(c.effective_at).toLocaleString(currentLocale())}</div>
                </td>
                <td className="num">
                  <button type="button" className="btn btn-small" onClick={() => cancel(c)} aria-label={t('cancelX', { id: c.change_id })} data-testid="scheduled-cancel">
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

interface PropagationRow {
  store_id: string;
  cursor: number;
  applied_count: number;
  terminal_count: number;
  terminals: Array<{ terminal_id: string; online: boolean; applied: boolean; change_cursor: number; change_cursor_at: string | null; last_seen_at: string | null }>;
}

/**
 * Where a published change went, live: per store its position in the store's change log and
 * each register's answer (GET /api/propagation), read again whenever a register reports a
 * change applied on the socket ('terminal.applied').
 */
function Propagation(props: { reply: ChangeReply }) {
  const { api, stores, live } = useSession();
  const [rows, setRows] = useState<PropagationRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const started = useMemo(() => Date.now(), [props.reply]);
  const [appliedAt, setAppliedAt] = useState<Record<string, number>>({});
  const refs = useMemo(() => {
    const last = new Map<string, number>();
    for (const c of props.reply.changes) last.set(c.store_id, Math.max(last.get(c.store_id) ?? 0, c.cursor));
    return [...last].map(([s, c]) => `${s}:${c}`).join(',');
  }, [props.reply]);
  useEffect(() => {
    if (props.reply.scheduled || !refs) return;
    let stop = false;
    const read = () =>
      api.get<{ changes: PropagationRow[] }>('/api/propagation', { changes: refs }).then(
        (r) => {
          if (stop) return;
          setRows(r.changes);
          setAppliedAt((prev) => {
            const next = { ...prev };
            for (const c of r.changes) for (const t of c.terminals) if (t.applied && next[t.terminal_id] === undefined) next[t.terminal_id] = Date.now();
            return next;
          });
        },
        (err: unknown) => !stop && setError(errorText(err)),
      );
    void read();
    const off = live.onApplied(() => void read());
    // Registers that come online later report on their own; a slow read every few seconds catches a missed event.
    const timer = setInterval(read, 5000);
    return () => {
      stop = true;
      off();
      clearInterval(timer);
    };
  }, [refs, live]);
  return (
    <section className="card" aria-labelledby="prop-h" data-testid="propagation">
      <h2 id="prop-h">{props.reply.scheduled ? t('scheduled') : t('arriving')}</h2>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {props.reply.scheduled ? (
        <p data-testid="scheduled-info">
          {t('heldUntil', { id: props.reply.scheduled.change_id, when: new Date(props.reply.scheduled.effective_at).toLocaleString(currentLocale()) })}{' '}
          {props.reply.stores.map((s) => storeName(stores, s)).join(', ')}.
        </p>
      ) : (
        <ul className="plain">
          {(rows ?? []).map((c) => (
            <li key={c.store_id} data-testid={`prop-${c.store_id}`}>
              <strong>{storeName(stores, c.store_id)}</strong>{' '}
              <span className="muted small">
                {t('changeOf', { cursor: c.cursor, done: c.applied_count, total: c.terminal_count })}
              </span>
              <ul className="plain indent">
                {c.terminals.length === 0 ? <li className="muted small">{t('noRegisters')}</li> : null}
                {c.terminals.map((term) => {
                  const at = appliedAt[term.terminal_id];
                  return (
                    <li key={term.terminal_id} className="small" data-testid="prop-register" data-terminal={term.terminal_id} data-applied={term.applied ? 'yes' : 'no'}>
                      {term.applied ? <span className="ok">✓</span> : <span className="warn">…</span>} {term.terminal_id}{' '}
                      {term.applied ? (
                        <span className="muted">
                          {t('applied')}
                          {at ? t('within', { s: ((at - started) / 1000).toFixed(1) }) : ''}
                        </span>
                      ) : (
                        <span className="muted">{term.online ? t('receiving', { cursor: term.change_cursor }) : t('offlineAt', { cursor: term.change_cursor })}</span>
                      )}
                    </li>
                  );
                })}
              </ul>
            </li>
          ))}
          {!rows ? <li className="muted small">{t('reading')}</li> : null}
        </ul>
      )}
    </section>
  );
}
