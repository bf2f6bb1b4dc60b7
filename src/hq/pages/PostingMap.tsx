import { useEffect, useMemo, useState, type FormEvent } from 'react';
import i18next from 'i18next';
import { errorText } from '../api';
import { Empty, Notice, timeText, useLoad, useSession } from '../ui';

// The posting map (chart of accounts and where each event posts), versioned in the hub
// (docs/books.md "The posting map"). HQ edits a copy of the current version: account names
// and new accounts, and for every place the map names an account, which one (a keyed list,
// such as revenue by category, can take new keys). Saving sends the whole chart with a note;
// the hub validates it and either saves a new version or refuses naming what has no account.
// No version is ever edited: saving makes the next one.

const t = (key: string, opts?: Record<string, unknown>): string => i18next.t(`books.map_${key}`, opts ?? {});

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
interface Account {
  code: string;
  name: string;
  type: string;
  ledger_name?: string;
  qbo_name?: string;
  xero_code?: string;
}
interface Chart {
  accounts: Account[];
  mapping: { [k: string]: Json };
  [k: string]: Json | Account[] | undefined;
}
interface MapVersion {
  version: number;
  note: string;
  created_by: string;
  created_at: string;
  chart: Chart;
  unmapped: string[];
  to_suspense: string[];
}
interface VersionRow {
  version: number;
  note: string;
  created_by: string;
  created_at: string;
}

const TYPES = ['asset', 'liability', 'equity', 'revenue', 'contra-revenue', 'expense'];

/** Every place in the mapping that holds a value: its path and value. */
function leaves(o: Json, path: string[] = []): Array<{ path: string[]; value: Json }> {
  if (o !== null && typeof o === 'object' && !Array.isArray(o)) return Object.entries(o).flatMap(([k, v]) => leaves(v, [...path, k]));
  return [{ path, value: o }];
}

/** Objects keyed by a name (by_category, by_processor, …): a key can be added there. */
function keyedPaths(o: Json, path: string[] = []): string[][] {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return [];
  const here = /^by_/.test(path[path.length - 1] ?? '') ? [path] : [];
  return [...here, ...Object.entries(o).flatMap(([k, v]) => keyedPaths(v, [...path, k]))];
}

function setAt(root: { [k: string]: Json }, path: readonly string[], value: Json | undefined): { [k: string]: Json } {
  const copy = structuredClone(root);
  let cur = copy as { [k: string]: Json };
  for (const k of path.slice(0, -1)) cur = cur[k] as { [k: string]: Json };
  if (value === undefined) delete cur[path[path.length - 1]!];
  else cur[path[path.length - 1]!] = value;
  return copy;
}

export function PostingMap() {
  const { api } = useSession();
  const current = useLoad(() => api.get<MapVersion>('/api/books/map'), []);
  const versions = useLoad(() => api.get<{ versions: VersionRow[] }>('/api/books/map/versions', { limit: 20 }), []);
  const [draft, setDraft] = useState<Chart | null>(null);
  const [note, setNote] = useState('');
  const [result, setResult] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const [filter, setFilter] = useState('');
  const [newAcct, setNewAcct] = useState<Account>({ code: '', name: '', type: 'revenue' });
  const [newKey, setNewKey] = useState<{ path: string; key: string; code: string }>({ path: '', key: '', code: '' });

  useEffect(() => {
    if (current.data) setDraft(structuredClone(current.data.chart));
  }, [current.data]);

  const codes = useMemo(() => new Set((draft?.accounts ?? []).map((a) => a.code)), [draft]);
  if (current.error) return <Notice kind="error">{current.error}</Notice>;
  if (!current.data || !draft) return <Empty>{i18next.t('paged.loading')}</Empty>;
  const cur = current.data;
  const changed = JSON.stringify(draft) !== JSON.stringify(cur.chart);
  const mapLeaves = leaves(draft.mapping).filter((l) => !filter || l.path.join('.').includes(filter.toLowerCase()));
  const keyed = keyedPaths(draft.mapping);
  const label = (a: Account) => `${a.code} · ${a.name}`;

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setSaving(true);
    setResult(null);
    try {
      const r = await api.put<{ version: number; unchanged: boolean; to_suspense: string[] }>('/api/books/map', { chart: draft, ...(note.trim() ? { note: note.trim() } : {}) });
      setResult({ kind: 'ok', text: r.unchanged ? t('unchanged') : t('saved', { version: r.version }) });
      setNote('');
      current.reload();
      versions.reload();
    } catch (err) {
      setResult({ kind: 'error', text: errorText(err) });
    } finally {
      setSaving(false);
    }
  };

  const addAccount = (e: FormEvent) => {
    e.preventDefault();
    if (!newAcct.code.trim() || !newAcct.name.trim()) return;
    setDraft({ ...draft, accounts: [...draft.accounts, { code: newAcct.code.trim(), name: newAcct.name.trim(), type: newAcct.type }] });
    setNewAcct({ code: '', name: '', type: newAcct.type });
  };
  const addKey = (e: FormEvent) => {
    e.preventDefault();
    if (!newKey.path || !newKey.key.trim() || !newKey.code) return;
    setDraft({ ...draft, mapping: setAt(draft.mapping, [...newKey.path.split('.'), newKey.key.trim()], newKey.code) });
    setNewKey({ ...newKey, key: '' });
  };

  return (
    <>
      <section className="card" aria-labelledby="map-h" data-testid="map-current">
        <h2 id="map-h">{t('title', { version: cur.version })}</h2>
        <p className="muted small">
          {t('savedBy', { who: cur.created_by, when: timeText(cur.created_at) })}
          {/* The note is what its author wrote (data), in whatever language they wrote it. */}
          {cur.note ? <> — <span data-data>{cur.note}</span></> : null}
        </p>
        {cur.unmapped.length > 0 ? (
          <Notice kind="error" testId="map-unmapped">
            {t('unmapped', { n: cur.unmapped.length })}
            <ul>{cur.unmapped.map((u) => <li key={u}>{u}</li>)}</ul>
          </Notice>
        ) : (
          <Notice kind="ok" testId="map-complete">{t('complete')}</Notice>
        )}
        {cur.to_suspense.length > 0 ? (
          <p className="muted small" data-testid="map-suspense">
            {t('toSuspense')}: {cur.to_suspense.join(' · ')}
          </p>
        ) : null}
      </section>

      <form className="card" onSubmit={(e) => void save(e)} aria-labelledby="map-edit-h" data-testid="map-editor">
        <div className="row gap between">
          <h2 id="map-edit-h">{t('edit')}</h2>
          <div className="row gap">
            <input value={note} onChange={(e) => setNote(e.target.value)} placeholder={t('notePlaceholder')} maxLength={500} aria-label={t('note')} data-testid="map-note" />
            <button type="button" className="btn" disabled={!changed || saving} onClick={() => { setDraft(structuredClone(cur.chart)); setResult(null); }} data-testid="map-reset">
              {t('reset')}
            </button>
            <button type="submit" className="btn btn-primary" disabled={!changed || saving} data-testid="map-save">
              {saving ? t('saving') : t('save')}
            </button>
          </div>
        </div>
        {result ? <Notice kind={result.kind} testId="map-result">{result.text}</Notice> : null}

        <h3>{t('mapping')}</h3>
        <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder={t('filter')} aria-label={t('filter')} data-testid="map-filter" />
        <table className="table" data-testid="map-mapping">
          <thead>
            <tr>
              <th>{t('where')}</th>
              <th>{t('account')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {mapLeaves.map((l) => {
              const key = l.path.join('.');
              const isCode = typeof l.value === 'string' && codes.has(l.value);
              const inKeyed = /^by_/.test(l.path[l.path.length - 2] ?? '');
              return (
                <tr key={key} data-testid="map-row" data-path={key}>
                  <td><code>{key}</code></td>
                  <td>
                    {isCode || inKeyed ? (
                      <select value={String(l.value)} onChange={(e) => setDraft({ ...draft, mapping: setAt(draft.mapping, l.path, e.target.value) })} aria-label={key} data-testid="map-account">
                        {!codes.has(String(l.value)) ? <option value={String(l.value)}>{String(l.value)} ?</option> : null}
                        {draft.accounts.map((a) => <option key={a.code} value={a.code}>{label(a)}</option>)}
                      </select>
                    ) : key === 'refund_mode' ? (
                      <select value={String(l.value)} onChange={(e) => setDraft({ ...draft, mapping: setAt(draft.mapping, l.path, e.target.value) })} aria-label={key}>
                        <option value="returns_account">returns_account</option>
                        <option value="reverse_revenue">reverse_revenue</option>
                      </select>
                    ) : (
                      <input value={String(l.value ?? '')} onChange={(e) => setDraft({ ...draft, mapping: setAt(draft.mapping, l.path, e.target.value) })} aria-label={key} />
                    )}
                  </td>
                  <td>
                    {inKeyed ? (
                      <button type="button" className="btn btn-small" onClick={() => setDraft({ ...draft, mapping: setAt(draft.mapping, l.path, undefined) })} data-testid="map-remove">
                        {t('remove')}
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </form>

      <form className="card row gap wrap" onSubmit={addKey} aria-label={t('addKey')} data-testid="map-add-key">
        <strong>{t('addKey')}</strong>
        <select value={newKey.path} onChange={(e) => setNewKey({ ...newKey, path: e.target.value })} aria-label={t('list')} data-testid="map-key-list">
          <option value="">{t('list')}</option>
          {keyed.map((p) => <option key={p.join('.')} value={p.join('.')}>{p.join('.')}</option>)}
        </select>
        <input value={newKey.key} onChange={(e) => setNewKey({ ...newKey, key: e.target.value })} placeholder={t('keyPlaceholder')} maxLength={100} aria-label={t('key')} data-testid="map-key-name" />
        <select value={newKey.code} onChange={(e) => setNewKey({ ...newKey, code: e.target.value })} aria-label={t('account')} data-testid="map-key-account">
          <option value="">{t('account')}</option>
          {draft.accounts.map((a) => <option key={a.code} value={a.code}>{label(a)}</option>)}
        </select>
        <button type="submit" className="btn" disabled={!newKey.path || !newKey.key.trim() || !newKey.code} data-testid="map-key-add">{t('add')}</button>
      </form>

      <section className="card" aria-labelledby="map-acct-h">
        <h2 id="map-acct-h">{t('accounts', { n: draft.accounts.length })}</h2>
        <table className="table" data-testid="map-accounts">
          <thead>
            <tr>
              <th>{t('code')}</th>
              <th>{t('name')}</th>
              <th>{t('type')}</th>
              <th>{t('ledgerName')}</th>
            </tr>
          </thead>
          <tbody>
            {draft.accounts.map((a, i) => (
              <tr key={a.code} data-testid="map-account-row" data-code={a.code}>
                <td><code>{a.code}</code></td>
                <td>
                  <input value={a.name} maxLength={100} onChange={(e) => setDraft({ ...draft, accounts: draft.accounts.map((x, k) => (k === i ? { ...x, name: e.target.value } : x)) })} aria-label={`${a.code} ${t('name')}`} data-testid="map-account-name" />
                </td>
                <td>{a.type}</td>
                <td className="muted small">{a.ledger_name ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <form className="row gap wrap" onSubmit={addAccount} data-testid="map-add-account">
          <input value={newAcct.code} onChange={(e) => setNewAcct({ ...newAcct, code: e.target.value })} placeholder={t('code')} maxLength={20} aria-label={t('code')} data-testid="map-new-code" />
          <input value={newAcct.name} onChange={(e) => setNewAcct({ ...newAcct, name: e.target.value })} placeholder={t('name')} maxLength={100} aria-label={t('name')} data-testid="map-new-name" />
          <select value={newAcct.type} onChange={(e) => setNewAcct({ ...newAcct, type: e.target.value })} aria-label={t('type')} data-testid="map-new-type">
            {TYPES.map((x) => <option key={x} value={x}>{x}</option>)}
          </select>
          <button type="submit" className="btn" disabled={!newAcct.code.trim() || !newAcct.name.trim() || codes.has(newAcct.code.trim())} data-testid="map-new-add">{t('addAccount')}</button>
        </form>
      </section>

      <section className="card" aria-labelledby="map-v-h" data-testid="map-versions">
        <h2 id="map-v-h">{t('versions')}</h2>
        {versions.error ? <Notice kind="error">{versions.error}</Notice> : null}
        <table className="table">
          <thead>
            <tr>
              <th>{t('version')}</th>
              <th>{t('note')}</th>
              <th>{t('by')}</th>
              <th>{t('when')}</th>
            </tr>
          </thead>
          <tbody>
            {(versions.data?.versions ?? []).map((v) => (
              <tr key={v.version} data-testid="map-version-row">
                <td>{v.version}</td>
                <td>{v.note}</td>
                <td>{v.created_by}</td>
                <td>{timeText(v.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
