import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, errorText, type StoreRow, type TerminalRow } from '../api';
import { currentLocale } from '../i18n';
import { Notice, PageHeader, timeText, useLoad, useSession } from '../ui';

// The chain's stores: name, receipt lines, currency, time zone, groups, how far each store's
// change log has gone and how many registers it has. Admins and HQ create and edit stores here
// (PATCH /api/stores/:id sends the name and receipt lines to the store's registers) and edit
// each store's tax table: jurisdictions and rates, now or at a time (a versioned tax change).

type Msg = { kind: 'ok' | 'error'; text: string; field?: string } | null;
const msgOf = (err: unknown): Msg => ({ kind: 'error', text: errorText(err), field: err instanceof ApiError ? err.field : undefined });

export function Stores() {
  const { t } = useTranslation();
  const { api, stores, me, reloadStores } = useSession();
  const counts = useLoad(
    () => Promise.all(stores.map(async (s) => [s.store_id, (await api.get<{ terminals: TerminalRow[] }>('/api/terminals', { store_id: s.store_id })).terminals] as const)),
    [stores],
  );
  const scheduled = useLoad(() => api.get<{ scheduled: ScheduledTax[] }>('/api/scheduled-changes', { kind: 'tax', state: 'pending', limit: 200 }), [stores]);
  const byStore = new Map(counts.data ?? []);
  const canEdit = me.role === 'admin' || me.role === 'hq';
  const [editing, setEditing] = useState<string | null>(null);
  const editStore = stores.find((s) => s.store_id === editing) ?? null;
  return (
    <>
      <PageHeader title={t('stores.title')} subtitle={t('stores.subtitle', { count: stores.length })} />
      <section className="card" aria-label={t('stores.title')}>
          <table className="table" data-testid="stores-table">
            <thead>
              <tr>
                <th scope="col">{t('stores.store')}</th>
                <th scope="col">{t('stores.currency')}</th>
                <th scope="col">{t('stores.timeZone')}</th>
                <th scope="col">{t('stores.groups')}</th>
                <th scope="col" className="num">{t('stores.registers')}</th>
                <th scope="col" className="num">{t('stores.published')}</th>
                {canEdit ? <th scope="col"><span className="sr-only">{t('common.actions')}</span></th> : null}
              </tr>
            </thead>
            <tbody>
              {stores.map((s) => {
                const regs = byStore.get(s.store_id) ?? [];
                return (
                  <tr key={s.store_id} data-testid="store-line" data-store={s.store_id} className={editing === s.store_id ? 'selected' : undefined}>
                    <td>
                      <div className="strong">{s.name}</div>
                      <div className="muted small">{[s.store_id, ...(s.receipt_lines ?? [])].join(' · ')}</div>
                    </td>
                    <td>{s.currency}</td>
                    <td>{s.time_zone ?? <span className="muted">{t('common.none')}</span>}</td>
                    <td>{s.groups.length ? s.groups.map((g) => <span key={g} className="tag">{g}</span>) : <span className="muted">{t('common.none')}</span>}</td>
                    <td className="num">
                      <a href="#/terminals">{regs.filter((x) => x.enrolled).length}</a>
                    </td>
                    <td className="num">{s.change_cursor}</td>
                    {canEdit ? (
                      <td>
                        <button type="button" className="btn btn-small" onClick={() => setEditing(s.store_id)} data-testid="store-edit" aria-label={t('stores.editStore', { store: s.name })}>
                          {t('stores.edit')}
                        </button>
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
      </section>
      {canEdit ? (
          <StoreForm
            key={editStore?.store_id ?? 'new'}
            store={editStore}
            hasRegisters={editStore ? (byStore.get(editStore.store_id) ?? []).length > 0 : false}
            onClose={() => setEditing(null)}
            onDone={reloadStores}
          />
      ) : null}
      <section className="card" aria-labelledby="tax-h">
        <h2 id="tax-h">{t('stores.taxTables')}</h2>
        <p className="muted small">{t('stores.taxLead')}</p>
        {stores.map((s) => (
          <TaxTableView
            key={s.store_id}
            store={s}
            canEdit={canEdit || me.store_ids.includes(s.store_id)}
            scheduled={(scheduled.data?.scheduled ?? []).filter((c) => (c.target.store_ids ?? []).includes(s.store_id))}
            onSaved={async () => {
              await reloadStores();
              scheduled.reload();
            }}
          />
        ))}
      </section>
    </>
  );
}

interface ScheduledTax {
  change_id: number;
  effective_at: string;
  created_by: string | null;
  target: { store_ids?: string[] };
}

/** IANA zones the browser knows, for the time zone field's suggestions. */
function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  try {
    return intl.supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
}

/** Creates a store (store null) or edits one: only the fields changed are sent. */
function StoreForm(props: { store: StoreRow | null; hasRegisters: boolean; onClose(): void; onDone(): Promise<void> }) {
  const { t } = useTranslation();
  const { api } = useSession();
  const s = props.store;
  const [id, setId] = useState('');
  const [name, setName] = useState(s?.name ?? '');
  const [currency, setCurrency] = useState(s?.currency ?? 'USD');
  const [groups, setGroups] = useState((s?.groups ?? []).join(', '));
  const [lines, setLines] = useState((s?.receipt_lines ?? []).join('\n'));
  const [zone, setZone] = useState(s?.time_zone ?? '');
  const [msg, setMsg] = useState<Msg>(null);
  // One save at a time: a second click while the first is on its way does nothing.
  const [busy, setBusy] = useState(false);
  const inFlight = useRef(false);
  const zones = useMemo(timeZones, []);
  const top = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (s) top.current?.scrollIntoView({ block: 'nearest' });
  }, [s]);
  const bad = (f: string) => (msg?.kind === 'error' && msg.field !== undefined && (msg.field === f || msg.field.startsWith(`${f}.`)) ? true : undefined);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    setMsg(null);
    const receipt_lines = lines.split('\n').map((l) => l.trim()).filter(Boolean);
    const groupList = groups.split(',').map((g) => g.trim()).filter(Boolean);
    try {
      if (!s) {
        await api.post('/api/stores', {
          store_id: id.trim(), name: name.trim(), currency: currency.trim().toUpperCase(), groups: groupList, receipt_lines, ...(zone.trim() ? { time_zone: zone.trim() } : {}),
        });
        setMsg({ kind: 'ok', text: t('stores.created', { store: id.trim() }) });
        setId('');
        setName('');
        setLines('');
      } else {
        const body: Record<string, unknown> = {};
        if (name.trim() !== s.name) body.name = name.trim();
        if (currency.trim().toUpperCase() !== s.currency) body.currency = currency.trim().toUpperCase();
        if (groupList.join(',') !== s.groups.join(',')) body.groups = groupList;
        if (receipt_lines.join('\n') !== (s.receipt_lines ?? []).join('\n')) body.receipt_lines = receipt_lines;
        if (zone.trim() && zone.trim() !== (s.time_zone ?? '')) body.time_zone = zone.trim();
        if (Object.keys(body).length === 0) return setMsg({ kind: 'ok', text: t('stores.unchanged') });
        const r = await api.patch<{ change: { cursor: number } | null }>(`/api/stores/${encodeURIComponent(s.store_id)}`, body);
        setMsg({ kind: 'ok', text: r.change ? t('stores.savedSent', { store: name.trim() }) : t('stores.saved', { store: name.trim() }) });
      }
      await props.onDone();
    } catch (err) {
      setMsg(msgOf(err));
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };
  return (
    <form className="card store-form" onSubmit={submit} aria-labelledby="store-form-h" data-testid="store-form" ref={top}>
      <div className="row between">
        <h2 id="store-form-h">{s ? t('stores.editTitle', { store: s.name }) : t('stores.newStore')}</h2>
        {s ? (
          <button type="button" className="btn btn-small" onClick={props.onClose} data-testid="store-new">
            {t('stores.newStore')}
          </button>
        ) : null}
      </div>
      <div className="store-form-grid">
        <div>
          {s ? null : (
            <label className="field">
              <span>{t('stores.storeId')}</span>
              <input value={id} onChange={(e) => setId(e.target.value)} required placeholder="store-042" aria-invalid={bad('store_id')} data-testid="store-id" />
            </label>
          )}
          <label className="field">
            <span>{t('stores.name')}</span>
            <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={64} aria-invalid={bad('name')} data-testid="store-name" />
          </label>
          <div className="row gap">
            <label className="field narrow">
              <span>{t('stores.currencyIso')}</span>
              <input value={currency} onChange={(e) => setCurrency(e.target.value)} required maxLength={3} aria-invalid={bad('currency')} disabled={props.hasRegisters} data-testid="store-currency" />
            </label>
            <label className="field grow">
              <span>{t('stores.timeZone')}</span>
              <input value={zone} onChange={(e) => setZone(e.target.value)} list="time-zones" placeholder="Europe/Berlin" aria-invalid={bad('time_zone')} data-testid="store-zone" />
              <datalist id="time-zones">
                {zones.map((z) => (
                  <option key={z} value={z} />
                ))}
              </datalist>
            </label>
          </div>
          {props.hasRegisters ? <p className="muted small">{t('stores.currencyLocked')}</p> : null}
          <label className="field">
            <span>{t('stores.groupsComma')}</span>
            <input value={groups} onChange={(e) => setGroups(e.target.value)} placeholder="north, flagship" aria-invalid={bad('groups')} data-testid="store-groups" />
          </label>
        </div>
        <div>
          <label className="field">
            <span>{t('stores.receiptLines')}</span>
            <textarea value={lines} onChange={(e) => setLines(e.target.value)} rows={6} aria-invalid={bad('receipt_lines')} placeholder={'1 High Street\nVAT GB123456789'} data-testid="store-lines" />
          </label>
          {s ? <p className="muted small">{t('stores.sentNote')}</p> : null}
        </div>
      </div>
      {msg ? (
        <Notice kind={msg.kind} testId="store-msg">
          {msg.text}
        </Notice>
      ) : null}
      <button type="submit" className="btn btn-primary" disabled={busy} aria-busy={busy} data-testid="store-save">
        {busy ? t('common.saving') : s ? t('stores.saveStore') : t('stores.create')}
      </button>
    </form>
  );
}

interface TaxRateView {
  code: string;
  jurisdiction: string;
  label?: string;
  rate_ppm: number;
  inclusive: boolean;
  compound?: boolean;
  categories: string[];
  exempt_categories?: string[];
}
interface DraftRate {
  code: string;
  jurisdiction: string;
  label: string;
  rate: string;
  inclusive: boolean;
  categories: string;
  exempt: string;
  compound: boolean;
}
const toDraft = (r: TaxRateView): DraftRate => ({
  code: r.code, jurisdiction: r.jurisdiction, label: r.label ?? '', rate: ratePercent(r.rate_ppm).replace(' %', ''), inclusive: r.inclusive,
  categories: r.categories.join(', '), exempt: (r.exempt_categories ?? []).join(', '), compound: r.compound ?? false,
});
const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

function TaxTableView(props: { store: StoreRow; canEdit: boolean; scheduled: ScheduledTax[]; onSaved(): Promise<void> }) {
  const { t } = useTranslation();
  const { api } = useSession();
  const s = props.store;
  const rates = (s.tax as { rates?: TaxRateView[] }).rates ?? [];
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<DraftRate[]>([]);
  const [when, setWhen] = useState('');
  const [msg, setMsg] = useState<Msg>(null);
  // One request at a time: a double click must not publish two tax versions.
  const [busy, setBusy] = useState<'save' | number | null>(null);
  const inFlight = useRef(false);
  const set = (i: number, patch: Partial<DraftRate>) => setDraft(draft.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  const start = () => {
    setDraft(rates.map(toDraft));
    setEditing(true);
    setMsg(null);
  };
  const save = async (e: FormEvent) => {
    e.preventDefault();
    const ppm = draft.map((d) => parseRate(d.rate));
    const bad = ppm.findIndex((x) => x === null);
    if (bad >= 0) return setMsg({ kind: 'error', text: t('stores.badRate', { text: draft[bad]!.rate }), field: `tax.rates.${bad}.rate_ppm` });
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy('save');
    try {
      const table = {
        ...s.tax,
        rates: draft.map((d, i) => ({
          code: d.code.trim(), jurisdiction: d.jurisdiction.trim(), ...(d.label.trim() ? { label: d.label.trim() } : {}), rate_ppm: ppm[i]!, inclusive: d.inclusive,
          compound: d.compound, categories: list(d.categories), exempt_categories: list(d.exempt),
        })),
      };
      await api.put(`/api/stores/${encodeURIComponent(s.store_id)}/tax`, { tax: table, ...(when ? { effective_at: new Date(when).toISOString() } : {}), reason: 'changed in the HQ console' });
      setMsg({ kind: 'ok', text: when ? t('stores.taxScheduled', { when: timeText(new Date(when).toISOString()) }) : t('stores.taxSaved') });
      setEditing(false);
      setWhen('');
      await props.onSaved();
    } catch (err) {
      setMsg(msgOf(err));
    } finally {
      inFlight.current = false;
      setBusy(null);
    }
  };
  const cancelScheduled = async (id: number) => {
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy(id);
    try {
      await api.post(`/api/scheduled-changes/${id}/cancel`, {});
      setMsg({ kind: 'ok', text: t('stores.scheduleCanceled') });
      await props.onSaved();
    } catch (err) {
      setMsg(msgOf(err));
    } finally {
      inFlight.current = false;
      setBusy(null);
    }
  };
  const badRow = (i: number, f: string) => (msg?.kind === 'error' && msg.field !== undefined && msg.field.startsWith(`tax.rates.${i}.${f}`) ? true : undefined);
  return (
    <form className="tax-store" onSubmit={save} aria-label={t('stores.taxOf', { store: s.name })} data-testid={`tax-${s.store_id}`}>
      <div className="row between">
        <h3>{s.name}</h3>
        {!editing && props.canEdit ? (
          <button type="button" className="btn btn-small" onClick={start} data-testid="tax-edit">
            {t('stores.changeRates')}
          </button>
        ) : null}
      </div>
      {!editing && rates.length === 0 ? (
        <p className="muted">{t('stores.noTax')}</p>
      ) : (
        <table className="table compact" data-testid="tax-table">
          <thead>
            <tr>
              <th scope="col">{t('stores.tax')}</th>
              <th scope="col">{t('stores.jurisdiction')}</th>
              <th scope="col" className="num">{t('stores.rate')}</th>
              <th scope="col">{t('stores.appliesTo')}</th>
              <th scope="col">{t('stores.kind')}</th>
              {editing ? <th scope="col"><span className="sr-only">{t('common.actions')}</span></th> : null}
            </tr>
          </thead>
          <tbody>
            {editing
              ? draft.map((d, i) => (
                  <tr key={i} data-testid="tax-draft-row">
                    <td>
                      <input className="cell" value={d.label} onChange={(e) => set(i, { label: e.target.value })} aria-label={t('stores.labelOf', { n: i + 1 })} placeholder={t('stores.labelPh')} size={12} data-testid="tax-label-input" />
                      <input className="cell small" value={d.code} onChange={(e) => set(i, { code: e.target.value })} aria-label={t('stores.codeOf', { n: i + 1 })} aria-invalid={badRow(i, 'code')} placeholder="US-NY-STATE" size={12} required data-testid="tax-code-input" />
                    </td>
                    <td>
                      <input className="cell" value={d.jurisdiction} onChange={(e) => set(i, { jurisdiction: e.target.value })} aria-label={t('stores.jurisdictionOf', { n: i + 1 })} aria-invalid={badRow(i, 'jurisdiction')} placeholder="US-NY" size={8} required data-testid="tax-jurisdiction-input" />
                    </td>
                    <td className="num" data-testid="tax-rate">
                      <label className="inline-rate">
                        <span className="sr-only">{t('stores.rateOf', { tax: d.label || d.code || i + 1 })}</span>
                        <input value={d.rate} onChange={(e) => set(i, { rate: e.target.value })} inputMode="decimal" size={7} aria-invalid={badRow(i, 'rate_ppm')} data-testid="tax-rate-input" /> %
                      </label>
                    </td>
                    <td>
                      <input className="cell" value={d.categories} onChange={(e) => set(i, { categories: e.target.value })} aria-label={t('stores.categoriesOf', { n: i + 1 })} aria-invalid={badRow(i, 'categories')} placeholder="*" size={14} data-testid="tax-categories-input" />
                      <input className="cell small" value={d.exempt} onChange={(e) => set(i, { exempt: e.target.value })} aria-label={t('stores.exemptOf', { n: i + 1 })} placeholder={t('stores.exemptPh')} size={14} />
                    </td>
                    <td>
                      <select value={d.inclusive ? 'in' : 'ex'} onChange={(e) => set(i, { inclusive: e.target.value === 'in' })} aria-label={t('stores.kindOf', { n: i + 1 })}>
                        <option value="ex">{t('stores.exclusive')}</option>
                        <option value="in">{t('stores.inclusive')}</option>
                      </select>
                    </td>
                    <td>
                      <button type="button" className="btn btn-small" onClick={() => setDraft(draft.filter((_, j) => j !== i))} aria-label={t('stores.removeOf', { n: i + 1 })} data-testid="tax-remove">
                        ×
                      </button>
                    </td>
                  </tr>
                ))
              : rates.map((r) => (
                  <tr key={r.code}>
                    <td>
                      {r.label ?? r.code}
                      <div className="muted small">{r.code}</div>
                    </td>
                    <td>{r.jurisdiction}</td>
                    <td className="num" data-testid="tax-rate">
                      {ratePercent(r.rate_ppm)}
                    </td>
                    <td>
                      {r.categories.join(', ')}
                      {r.exempt_categories?.length ? <div className="muted small">{t('stores.except', { list: r.exempt_categories.join(', ') })}</div> : null}
                    </td>
                    <td>{r.inclusive ? t('stores.inclusive') : t('stores.exclusive')}</td>
                  </tr>
                ))}
          </tbody>
        </table>
      )}
      {props.scheduled.map((c) => (
        <div key={c.change_id} className="row gap scheduled-tax" data-testid="tax-scheduled">
          <span>{t('stores.scheduledFor', { when: timeText(c.effective_at) })}</span>
          {props.canEdit ? (
            <button type="button" className="btn btn-small" disabled={busy !== null} aria-busy={busy === c.change_id} onClick={() => void cancelScheduled(c.change_id)} data-testid="tax-scheduled-cancel">
              {busy === c.change_id ? t('common.canceling') : t('common.cancel')}
            </button>
          ) : null}
        </div>
      ))}
      {editing ? (
        <div className="row gap tax-actions">
          <button
            type="button"
            className="btn"
            onClick={() => setDraft([...draft, { code: '', jurisdiction: draft[0]?.jurisdiction ?? '', label: '', rate: '', inclusive: draft[0]?.inclusive ?? false, categories: '*', exempt: '', compound: false }])}
            data-testid="tax-add"
          >
            {t('stores.addRate')}
          </button>
          <label className="field">
            <span>{t('stores.takesEffect')}</span>
            <input type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} data-testid="tax-when" />
          </label>
          <button type="submit" className="btn btn-primary" disabled={busy !== null} aria-busy={busy === 'save'} data-testid="tax-save">
            {busy === 'save' ? t('common.saving') : when ? t('stores.schedule') : t('stores.saveSend')}
          </button>
          <button type="button" className="btn" onClick={() => setEditing(false)}>
            {t('common.cancel')}
          </button>
        </div>
      ) : null}
      {msg ? <Notice kind={msg.kind} testId="tax-msg">{msg.text}</Notice> : null}
    </form>
  );
}

/** "8.875" (percent, up to 4 decimals) → 88,750 ppm, or null. */
export function parseRate(text: string): number | null {
  const m = /^(\d{1,3})(?:[.,](\d{1,4}))?$/.exec(text.trim().replace(/\s*%$/, ''));
  if (!m) return null;
  const ppm = Number(m[1]) * 10_000 + Number((m[2] ?? '').padEnd(4, '0'));
  return ppm <= 1_000_000 ? ppm : null;
}

/** 88,750 ppm → "8.875 %" in English, "8,875 %" in German (exact: integer arithmetic on the ppm; the locale gives the decimal mark). */
export function ratePercent(ppm: number, locale = currentLocale()): string {
  const whole = Math.floor(ppm / 10_000);
  const frac = String(ppm % 10_000).padStart(4, '0').replace(/0+$/, '');
  const mark = new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
  return `${whole}${frac ? `${mark}${frac}` : ''} %`;
}
