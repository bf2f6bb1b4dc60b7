import { useId, useState, type FormEvent } from 'react';
import { errorText, type Role, type UserRow } from '../api';
import { useTranslation } from 'react-i18next';
import i18next from 'i18next';
import { Notice, PageHeader, timeText, useLoad, useSession } from '../ui';
import { ROLES } from '../../core/access';

// The people of the chain (admins only): who may sign in, with which role and stores. Less
// access (disabled, other role or stores, new password) ends the user's open sessions at once.

const roleLabel = (r: Role) => i18next.t(`role.${r}`);

export function Users() {
  const { api, me } = useSession();
  const { t } = useTranslation();
  const users = useLoad(() => api.get<{ users: UserRow[] }>('/api/users').then((r) => r.users), []);
  const [editing, setEditing] = useState<string | null>(null);
  const [msg, setMsg] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const act = async (what: () => Promise<unknown>, ok: string) => {
    setMsg(null);
    try {
      await what();
      setMsg({ kind: 'ok', text: ok });
      users.reload();
      return true;
    } catch (err) {
      setMsg({ kind: 'error', text: errorText(err) });
      return false;
    }
  };
  const list = users.data ?? [];
  return (
    <>
      <PageHeader title={t('users.title')} subtitle={t('users.subtitle', { count: list.length, enabled: list.filter((u) => !u.disabled).length })} />
      {msg ? <Notice kind={msg.kind} testId="users-msg">{msg.text}</Notice> : null}
      {users.error ? <Notice kind="error">{users.error}</Notice> : null}
      <div className="grid-2 wide-left">
        <section className="card" aria-label={t('users.title')}>
          <table className="table" data-testid="users-table">
            <thead>
              <tr>
                <th scope="col">{t('users.user')}</th>
                <th scope="col">{t('users.role')}</th>
                <th scope="col">{t('users.signIn')}</th>
                <th scope="col" className="num">{t('users.sessions')}</th>
                <th scope="col">
                  <span className="sr-only">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((u) =>
                editing === u.user_id ? (
                  <tr key={u.user_id} data-testid="user-row" data-user={u.user_id}>
                    <td colSpan={5}>
                      <EditUser user={u} self={u.user_id === me.user_id} onCancel={() => setEditing(null)} act={act} onDone={() => setEditing(null)} />
                    </td>
                  </tr>
                ) : (
                  <tr key={u.user_id} data-testid="user-row" data-user={u.user_id} className={u.disabled ? 'muted' : undefined}>
                    <td>
                      <div className="strong">{u.name}</div>
                      <div className="muted small">{u.user_id}</div>
                    </td>
                    <td>
                      {roleLabel(u.role)}
                      {u.role === 'store_manager' ? <div className="muted small">{u.store_ids.join(', ')}</div> : null}
                    </td>
                    <td data-testid="user-state">
                      {u.disabled ? (
                        <span className="pill pill-bad">{t('users.disabled')}</span>
                      ) : u.has_password ? (
                        <span className="pill pill-ok">{t('users.password')}</span>
                      ) : (
                        <span className="pill pill-off">{t('users.tokenOnly')}</span>
                      )}
                      <div className="muted small">{u.password_changed_at ? t('users.passwordSet', { when: timeText(u.password_changed_at) }) : t('users.tokens', { count: u.tokens })}</div>
                    </td>
                    <td className="num">{u.sessions}</td>
                    <td className="num">
                      <button type="button" className="btn btn-small" onClick={() => setEditing(u.user_id)} data-testid="user-edit" aria-label={t('users.changeUser', { user: u.user_id })}>
                        {t('common.change')}
                      </button>
                    </td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        </section>
        <CreateUser act={act} />
      </div>
    </>
  );
}

type Act = (what: () => Promise<unknown>, ok: string) => Promise<boolean>;

function StoresPicker(props: { value: string[]; onChange(v: string[]): void; testId: string }) {
  const { stores } = useSession();
  return (
    <fieldset className="targets" data-testid={props.testId}>
      <legend>{i18next.t('users.storesTheyManage')}</legend>
      {stores.map((s) => (
        <label key={s.store_id} className="check">
          <input
            type="checkbox"
            checked={props.value.includes(s.store_id)}
            onChange={(e) => props.onChange(e.target.checked ? [...props.value, s.store_id] : props.value.filter((x) => x !== s.store_id))}
            data-testid={`${props.testId}-${s.store_id}`}
          />
          {s.name} ({s.store_id})
        </label>
      ))}
    </fieldset>
  );
}

function RoleSelect(props: { value: Role; onChange(r: Role): void; testId: string }) {
  const id = useId();
  return (
    <label className="field" htmlFor={id}>
      <span>{i18next.t('users.role')}</span>
      <select id={id} value={props.value} onChange={(e) => props.onChange(e.target.value as Role)} data-testid={props.testId}>
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {roleLabel(r)}
          </option>
        ))}
      </select>
    </label>
  );
}

function CreateUser(props: { act: Act }) {
  const { api } = useSession();
  const id = useId();
  const [userId, setUserId] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('store_manager');
  const [storeIds, setStoreIds] = useState<string[]>([]);
  const [password, setPassword] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await props.act(
      () => api.post('/api/users', { user_id: userId.trim(), name: name.trim() || userId.trim(), role, store_ids: role === 'store_manager' ? storeIds : [], password }),
      i18next.t('users.created', { user: userId.trim() }),
    );
    if (ok) {
      setUserId('');
      setName('');
      setPassword('');
      setStoreIds([]);
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{i18next.t('users.newUser')}</h2>
      <label className="field" htmlFor={`${id}-u`}>
        <span>{i18next.t('users.userName')}</span>
        <input id={`${id}-u`} required maxLength={64} pattern="[A-Za-z0-9][A-Za-z0-9._@\-]{0,63}" value={userId} onChange={(e) => setUserId(e.target.value)} data-testid="new-user-id" />
      </label>
      <label className="field" htmlFor={`${id}-n`}>
        <span>{i18next.t('users.fullName')}</span>
        <input id={`${id}-n`} maxLength={200} value={name} onChange={(e) => setName(e.target.value)} data-testid="new-user-name" />
      </label>
      <RoleSelect value={role} onChange={setRole} testId="new-user-role" />
      {role === 'store_manager' ? <StoresPicker value={storeIds} onChange={setStoreIds} testId="new-user-stores" /> : null}
      <label className="field" htmlFor={`${id}-p`}>
        <span>{i18next.t('users.firstPassword')}</span>
        <input id={`${id}-p`} type="password" autoComplete="new-password" required minLength={10} maxLength={256} value={password} onChange={(e) => setPassword(e.target.value)} data-testid="new-user-password" />
      </label>
      <button className="btn btn-primary" type="submit" data-testid="new-user-save">
        {i18next.t('users.create')}
      </button>
    </form>
  );
}

function EditUser(props: { user: UserRow; self: boolean; act: Act; onCancel(): void; onDone(): void }) {
  const { api } = useSession();
  const u = props.user;
  const id = useId();
  const [name, setName] = useState(u.name);
  const [role, setRole] = useState<Role>(u.role);
  const [storeIds, setStoreIds] = useState<string[]>(u.store_ids);
  const [password, setPassword] = useState('');
  const path = `/api/users/${encodeURIComponent(u.user_id)}`;
  const save = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await props.act(() => api.patch(path, { name: name.trim(), role, ...(role === 'store_manager' ? { store_ids: storeIds } : {}) }), i18next.t('users.changed', { user: u.user_id }));
    if (ok) props.onDone();
  };
  const reset = async () => {
    const ok = await props.act(() => api.put(`${path}/password`, { password }), i18next.t('users.passwordSetMsg', { user: u.user_id }));
    if (ok) props.onDone();
  };
  const toggle = async () => {
    const ok = await props.act(() => api.patch(path, { disabled: !u.disabled }), i18next.t(u.disabled ? 'users.enabledMsg' : 'users.disabledMsg', { user: u.user_id }));
    if (ok) props.onDone();
  };
  return (
    <form onSubmit={save} className="edit-user" aria-label={i18next.t('users.changeUser', { user: u.user_id })} data-testid="user-form">
      <div className="row gap wrap">
        <label className="field grow" htmlFor={`${id}-n`}>
          <span>{i18next.t('users.fullName')}</span>
          <input id={`${id}-n`} maxLength={200} required value={name} onChange={(e) => setName(e.target.value)} data-testid="edit-user-name" />
        </label>
        <RoleSelect value={role} onChange={setRole} testId="edit-user-role" />
      </div>
      {role === 'store_manager' ? <StoresPicker value={storeIds} onChange={setStoreIds} testId="edit-user-stores" /> : null}
      <div className="row gap wrap">
        <button className="btn btn-primary btn-small" type="submit" data-testid="edit-user-save">
          {i18next.t('common.save')}
        </button>
        <button className="btn btn-small" type="button" onClick={props.onCancel}>
          {i18next.t('common.cancel')}
        </button>
        <span className="grow" />
        <button className={`btn btn-small ${u.disabled ? '' : 'btn-danger'}`} type="button" onClick={() => void toggle()} disabled={props.self} data-testid="user-toggle">
          {i18next.t(u.disabled ? 'users.enable' : 'users.disable')}
        </button>
      </div>
      <div className="row gap wrap tax-actions">
        <label className="field grow" htmlFor={`${id}-p`}>
          <span>{i18next.t('users.newPassword')}</span>
          <input id={`${id}-p`} type="password" autoComplete="new-password" minLength={10} maxLength={256} value={password} onChange={(e) => setPassword(e.target.value)} data-testid="reset-password" />
        </label>
        <button className="btn btn-small" type="button" disabled={password.length < 10} onClick={() => void reset()} data-testid="reset-password-save">
          {i18next.t('users.setPassword')}
        </button>
      </div>
    </form>
  );
}
