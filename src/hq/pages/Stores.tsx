import { useState, type FormEvent } from 'react';
import { errorText, type StoreRow, type TerminalRow } from '../api';
import { Notice, PageHeader, useLoad, useSession } from '../ui';

// The chain's stores: currency, groups, how far each store's change log has gone and how many
// registers it has; admins and HQ create stores here.

export function Stores() {
  const { api, stores, me, reloadStores } = useSession();
  const counts = useLoad(
    () => Promise.all(stores.map(async (s) => [s.store_id, (await api.get<{ terminals: TerminalRow[] }>('/api/terminals', { store_id: s.store_id })).terminals] as const)),
    [stores],
  );
  const byStore = new Map(counts.data ?? []);
  const canCreate = me.role === 'admin' || me.role === 'hq';
  return (
    <>
      <PageHeader title="Stores" subtitle={`${stores.length} stores`} />
      <div className="grid-2 wide-left">
        <section className="card" aria-label="Stores">
          <table className="table" data-testid="stores-table">
            <thead>
              <tr>
                <th scope="col">Store</th>
                <th scope="col">Currency</th>
                <th scope="col">Groups</th>
                <th scope="col" className="num">Registers</th>
                <th scope="col" className="num">Changes published</th>
              </tr>
            </thead>
            <tbody>
              {stores.map((s) => {
                const t = byStore.get(s.store_id) ?? [];
                return (
                  <tr key={s.store_id} data-testid="store-line">
                    <td>
                      <div className="strong">{s.name}</div>
                      <div className="muted small">{s.store_id}</div>
                    </td>
                    <td>{s.currency}</td>
                    <td>{s.groups.length ? s.groups.map((g) => <span key={g} className="tag">{g}</span>) : <span className="muted">—</span>}</td>
                    <td className="num">
                      <a href="#/terminals">{t.filter((x) => x.enrolled).length}</a>
                    </td>
                    <td className="num">{s.change_cursor}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
        {canCreate ? <CreateStore onDone={reloadStores} /> : null}
      </div>
      <section className="card" aria-labelledby="tax-h">
        <h2 id="tax-h">Tax tables</h2>
        <p className="muted small">A change is versioned and sent to the store's registers like a price: the next sale is charged at the new rate.</p>
        {stores.map((s) => (
          <TaxTableView key={s.store_id} store={s} onSaved={reloadStores} />
        ))}
      </section>
    </>
  );
}

function TaxTableView(props: { store: StoreRow; onSaved(): Promise<void> }) {
  const { api } = useSession();
  const s = props.store;
  const rates = (s.tax as { rates?: TaxRateView[] }).rates ?? [];
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<string[]>([]);
  const [when, setWhen] = useState('');
  const [msg, setMsg] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const start = () => {
    setDraft(rates.map((r) => ratePercent(r.rate_ppm).replace(' %', '')));
    setEditing(true);
    setMsg(null);
  };
  const save = async (e: FormEvent) => {
    e.preventDefault();
    const ppm = draft.map(parseRate);
    const bad = ppm.findIndex((x) => x === null);
    if (bad >= 0) return setMsg({ kind: 'error', text: `"${draft[bad]}" is not a rate in percent (e.g. 8.875)` });
    try {
      const table = { ...s.tax, rates: rates.map((r, i) => ({ ...r, rate_ppm: ppm[i]! })) };
      await api.put(`/api/stores/${encodeURIComponent(s.store_id)}/tax`, { tax: table, ...(when ? { effective_at: new Date(when).toISOString() } : {}), reason: 'changed in the HQ console' });
      setMsg({ kind: 'ok', text: when ? `Scheduled for ${new Date(when).toLocaleString()}.` : "Saved and sent to the store's registers." });
      setEditing(false);
      await props.onSaved();
    } catch (err) {
      setMsg({ kind: 'error', text: errorText(err) });
    }
  };
  return (
    <form className="tax-store" onSubmit={save} aria-label={`Tax table of ${s.name}`} data-testid={`tax-${s.store_id}`}>
      <div className="row between">
        <h3>{s.name}</h3>
        {!editing && rates.length ? (
          <button type="button" className="btn btn-small" onClick={start} data-testid="tax-edit">
            Change rates
          </button>
        ) : null}
      </div>
      {rates.length === 0 ? (
        <p className="muted">No tax table.</p>
      ) : (
        <table className="table compact" data-testid="tax-table">
          <thead>
            <tr>
              <th scope="col">Tax</th>
              <th scope="col">Jurisdiction</th>
              <th scope="col" className="num">Rate</th>
              <th scope="col">Applies to</th>
              <th scope="col">Kind</th>
            </tr>
          </thead>
          <tbody>
            {rates.map((r, i) => (
              <tr key={r.code}>
                <td>
                  {r.label ?? r.code}
                  <div className="muted small">{r.code}</div>
                </td>
                <td>{r.jurisdiction}</td>
                <td className="num" data-testid="tax-rate">
                  {editing ? (
                    <label className="inline-rate">
                      <span className="sr-only">Rate of {r.label ?? r.code} in percent</span>
                      <input value={draft[i] ?? ''} onChange={(e) => setDraft(draft.map((d, j) => (j === i ? e.target.value : d)))} inputMode="decimal" size={7} data-testid="tax-rate-input" /> %
                    </label>
                  ) : (
                    ratePercent(r.rate_ppm)
                  )}
                </td>
                <td>
                  {r.categories.join(', ')}
                  {r.exempt_categories?.length ? <div className="muted small">except {r.exempt_categories.join(', ')}</div> : null}
                </td>
                <td>{r.inclusive ? 'included in price' : 'added at the till'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing ? (
        <div className="row gap tax-actions">
          <label className="field">
            <span>Takes effect (empty: now)</span>
            <input type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} />
          </label>
          <button type="submit" className="btn btn-primary" data-testid="tax-save">
            {when ? 'Schedule' : 'Save and send'}
          </button>
          <button type="button" className="btn" onClick={() => setEditing(false)}>
            Cancel
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

interface TaxRateView {
  code: string;
  jurisdiction: string;
  label?: string;
  rate_ppm: number;
  inclusive: boolean;
  categories: string[];
  exempt_categories?: string[];
}

/** 88,750 ppm → "8.875 %" (exact: integer arithmetic on the ppm). */
export function ratePercent(ppm: number): string {
  const whole = Math.floor(ppm / 10_000);
  const frac = String(ppm % 10_000).padStart(4, '0').replace(/0+$/, '');
  return `${whole}${frac ? `.${frac}` : ''} %`;
}

function CreateStore(props: { onDone(): Promise<void> }) {
  const { api } = useSession();
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [currency, setCurrency] = useState('USD');
  const [groups, setGroups] = useState('');
  const [msg, setMsg] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setMsg(null);
    try {
      await api.post('/api/stores', { store_id: id.trim(), name: name.trim(), currency: currency.trim().toUpperCase(), groups: groups.split(',').map((g) => g.trim()).filter(Boolean) });
      setMsg({ kind: 'ok', text: `Store ${id.trim()} created.` });
      setId('');
      setName('');
      await props.onDone();
    } catch (err) {
      setMsg({ kind: 'error', text: errorText(err) });
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="new-store-h">
      <h2 id="new-store-h">New store</h2>
      <label className="field">
        <span>Store id</span>
        <input value={id} onChange={(e) => setId(e.target.value)} required placeholder="store-042" />
      </label>
      <label className="field">
        <span>Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} required />
      </label>
      <label className="field">
        <span>Currency (ISO 4217)</span>
        <input value={currency} onChange={(e) => setCurrency(e.target.value)} required maxLength={3} />
      </label>
      <label className="field">
        <span>Groups (comma separated)</span>
        <input value={groups} onChange={(e) => setGroups(e.target.value)} placeholder="north, flagship" />
      </label>
      {msg ? <Notice kind={msg.kind}>{msg.text}</Notice> : null}
      <button type="submit" className="btn btn-primary">
        Create store
      </button>
    </form>
  );
}
