import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { App } from './App';
import { createApi } from './api/client';
import { initI18n } from './i18n';
import './styles.css';

// The cashier window: browser only. Talks to the register main process through one API.
async function boot(): Promise<void> {
  const api = createApi();
  const root = createRoot(document.getElementById('root')!);
  const [store, sale] = await Promise.all([api.call('store.info', {}), api.call('sale.get', {})]);
  const i18n = initI18n(store.language);
  document.documentElement.lang = store.language;
  root.render(
    <I18nextProvider i18n={i18n}>
      <App api={api} initialStore={store} initialSale={sale} bridge={'onConnection' in api ? (api as never) : undefined} />
    </I18nextProvider>,
  );
}

void boot().catch((err) => {
  document.body.textContent = `Tillstream could not start: ${err instanceof Error ? err.message : String(err)}`;
});
