import { useCallback, useEffect, useMemo, useRef, useState, type ComponentType } from 'react';
import { ApiError, createApi, errorText, type Api, type Me, type SessionReply, type StoreRow } from './api';
import { connectLive, type Live, type LiveState } from './live';
import { SessionContext, type Session } from './ui';
import { useTranslation } from 'react-i18next';
import { SignIn } from './pages/SignIn';
import { LANGUAGES, setLanguage, type Language } from './i18n';
import { Dashboard } from './pages/Dashboard';
import { Sales } from './pages/Sales';
import { Products } from './pages/Products';
import { Promotions } from './pages/Promotions';
import { Stock } from './pages/Stock';
import { Stores } from './pages/Stores';
import { Terminals } from './pages/Terminals';
import { Alerts } from './pages/Alerts';
import { Review } from './pages/Review';
import { Integrity } from './pages/Integrity';
import { Books } from './pages/Books';
import { Channels } from './pages/Channels';
import { Users } from './pages/Users';
import { Customers, GiftCards } from './pages/Loyalty';

// The console's shell: sign-in, then a side navigation with one page per area. The page is
// in the URL's hash (#/sales), so Back, bookmarks and reloads land where the person was.

const PAGES = [
  { id: 'dashboard', label: 'Dashboard', key: '1', C: Dashboard },
  { id: 'sales', label: 'Sales', key: '2', C: Sales },
  { id: 'products', label: 'Products & prices', key: '3', C: Products },
  { id: 'promotions', label: 'Promotions', key: '', C: Promotions },
  { id: 'stock', label: 'Stock', key: '4', C: Stock },
  { id: 'stores', label: 'Stores', key: '5', C: Stores },
  { id: 'terminals', label: 'Registers', key: '6', C: Terminals },
  { id: 'alerts', label: 'Alerts', key: '7', C: Alerts },
  { id: 'review', label: 'Review', key: '', C: Review },
  { id: 'integrity', label: 'Integrity', key: '', C: Integrity },
  { id: 'books', label: 'Books', key: '8', C: Books },
  { id: 'channels', label: 'Channels', key: '9', C: Channels },
  // The digits are taken, so letters: G is in "Gift cards" and "Gutscheine", U in "Customers"
  // and "Kunden". Browsers keep some Alt letters for their menus (Chrome D E F; Firefox F E V S
  // B T H in English, D B A C L X H in German; Opera P), so C and K were not safe.
  { id: 'customers', label: 'Customers', key: 'u', C: Customers },
  { id: 'cards', label: 'Gift cards', key: 'g', C: GiftCards },
  { id: 'users', label: 'Users', key: '0', C: Users, admin: true },
] as const satisfies ReadonlyArray<{ id: string; label: string; key: string; C: ComponentType; admin?: boolean }>;
type PageId = (typeof PAGES)[number]['id'];

function pageFromHash(): PageId {
  const h = location.hash.replace(/^#\/?/, '').split('?')[0];
  return (PAGES.find((p) => p.id === h)?.id ?? 'dashboard') as PageId;
}

export function App() {
  const [session, setSession] = useState<{ api: Api; me: Me; live: Live } | null>(null);
  const [stores, setStores] = useState<StoreRow[]>([]);
  const [page, setPage] = useState<PageId>(pageFromHash);
  const [liveState, setLiveState] = useState<LiveState>('connecting');
  const [openAlerts, setOpenAlerts] = useState(0);
  const [booting, setBooting] = useState(true);
  // On a tablet the navigation is a bar with a menu button; the menu closes when a page is chosen.
  const [navOpen, setNavOpen] = useState(false);
  const { t, i18n } = useTranslation();
  // The CSRF token of this browser's session (the hub binds it to the session); read at each call.
  const csrf = useRef('');
  const api = useMemo(() => createApi(() => csrf.current), []);

  const start = useCallback(
    async (reply: SessionReply) => {
      csrf.current = reply.csrf_token;
      if (!reply.user) return;
      const { stores } = await api.get<{ stores: StoreRow[] }>('/api/stores');
      setStores(stores);
      setSession({ api, me: reply.user, live: connectLive() });
    },
    [api],
  );

  // A reload keeps the session: the cookie is still there, and the hub says whose it is.
  useEffect(() => {
    api
      .get<SessionReply>('/api/session')
      .then(start)
      .catch(() => {})
      .finally(() => setBooting(false));
  }, [api, start]);

  const signIn = useCallback(
    async (user_id: string, password: string) => {
      if (!csrf.current) csrf.current = (await api.get<SessionReply>('/api/session')).csrf_token;
      const post = () => api.post<SessionReply>('/api/session', { user_id, password });
      // A token from before (another tab signed out, the hub restarted with new cookies): fetch
      // a fresh one and try once more.
      const reply = await post().catch(async (err: unknown) => {
        if (!(err instanceof ApiError && err.code === 'CSRF')) throw err;
        csrf.current = (await api.get<SessionReply>('/api/session')).csrf_token;
        return post();
      });
      await start(reply);
    },
    [api, start],
  );

  useEffect(() => {
    const on = () => {
      setPage(pageFromHash());
      setNavOpen(false);
    };
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);

  useEffect(() => {
    if (!session) return;
    const off = session.live.onState((s) => setLiveState(s));
    const count = () =>
      session.api
        .get<{ open_count: number }>('/api/alerts', { state: 'open', limit: 1 })
        .then((r) => setOpenAlerts(r.open_count))
        .catch(() => {});
    void count();
    const offAlert = session.live.onAlert(() => void count());
    const timer = setInterval(count, 15_000);
    return () => {
      off();
      offAlert();
      clearInterval(timer);
    };
  }, [session]);

  // Alt+1 … Alt+0, Alt+U and Alt+G go to a page from anywhere (shown in the navigation). Shift
  // is not part of any (Alt+Shift+letter is the browser's), so it does not match; Caps Lock
  // does not matter.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
      const p = PAGES.find((x) => x.key !== '' && x.key === e.key.toLowerCase());
      if (p) {
        e.preventDefault();
        location.hash = `#/${p.id}`;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const value: Session | null = useMemo(
    () =>
      session && {
        ...session,
        stores,
        reloadStores: async () => setStores((await session.api.get<{ stores: StoreRow[] }>('/api/stores')).stores),
      },
    [session, stores],
  );

  const languageSwitch = (
    <label className="lang">
      <span className="sr-only">{t('language.label')}</span>
      <select value={i18n.language} onChange={(e) => setLanguage(e.target.value as Language)} data-testid="language" aria-label={t('language.label')}>
        {LANGUAGES.map((l) => (
          <option key={l.id} value={l.id}>
            {l.label}
          </option>
        ))}
      </select>
    </label>
  );
  if (booting) return <div className="boot">{t('shell.booting')}</div>;
  if (!value) return <SignIn languageSwitch={languageSwitch} onSignIn={(u, p) => signIn(u, p).catch((err: unknown) => Promise.reject(new Error(errorText(err))))} />;

  const pages = PAGES.filter((p) => !('admin' in p) || value.me.role === 'admin');
  const Current = (pages.find((p) => p.id === page) ?? pages[0]!).C;
  const signOut = async () => {
    await api.del('/api/session').catch(() => {});
    value.live.close();
    // A fresh token for the next sign-in (the old one was bound to the ended session), before
    // the form is shown.
    csrf.current = (await api.get<SessionReply>('/api/session').catch(() => ({ csrf_token: '' }))).csrf_token;
    setSession(null);
  };
  return (
    <SessionContext.Provider value={value}>
      <div className="shell">
        <nav className={`side${navOpen ? ' open' : ''}`} aria-label={t('nav.console')}>
          <div className="side-bar">
            <div className="brand">
              <span className="logo" aria-hidden="true">◆</span> Tillstream <span className="brand-hq">HQ</span>
            </div>
            <span className="side-current">{t(`nav.${page}`)}</span>
            {openAlerts > 0 ? (
              <a href="#/alerts" className="badge side-badge" aria-label={t('nav.openAlerts', { count: openAlerts })}>
                {openAlerts}
              </a>
            ) : null}
            <button type="button" className="nav-toggle" aria-expanded={navOpen} aria-controls="side-menu" onClick={() => setNavOpen((o) => !o)} data-testid="nav-toggle">
              <span aria-hidden="true">☰</span> {t('nav.menu')}
            </button>
          </div>
          <ul id="side-menu">
            {pages.map((p) => (
              <li key={p.id}>
                <a href={`#/${p.id}`} onClick={() => setNavOpen(false)} className={p.id === page ? 'on' : ''} aria-current={p.id === page ? 'page' : undefined} aria-keyshortcuts={p.key ? `Alt+${p.key.toUpperCase()}` : undefined} data-testid={`nav-${p.id}`}>
                  <span>{t(`nav.${p.id}`)}</span>
                  {p.id === 'alerts' && openAlerts > 0 ? (
                    <span className="badge" aria-label={t('nav.openAlerts', { count: openAlerts })} data-testid="open-alerts">
                      {openAlerts}
                    </span>
                  ) : p.key ? (
                    <kbd aria-hidden="true">Alt {p.key.toUpperCase()}</kbd>
                  ) : null}
                </a>
              </li>
            ))}
          </ul>
          <div className="side-foot">
            <div className={`live live-${liveState}`} data-testid="live-state" role="status">
              <span className="dot" aria-hidden="true" /> {t(liveState === 'live' ? 'shell.live' : liveState === 'connecting' ? 'shell.connecting' : liveState === 'refused' ? 'shell.refused' : 'shell.reconnecting')}
            </div>
            <div className="who">
              <div>
                <strong title={value.me.user_id}>{value.me.name}</strong>
                <div className="muted">{value.me.role === 'store_manager' ? t('shell.storeManager', { stores: value.me.store_ids.join(', ') }) : t(`role.${value.me.role}`)}</div>
              </div>
              <button type="button" className="btn btn-ghost btn-small" onClick={() => void signOut()} data-testid="sign-out">
                {t('shell.signOut')}
              </button>
            </div>
            {languageSwitch}
          </div>
        </nav>
        {/* A new language draws the page again, so every date and amount takes the new locale. */}
        <main className="main" id="main" key={i18n.language}>
          <Current />
        </main>
      </div>
    </SessionContext.Provider>
  );
}
