import { createRoot } from 'react-dom/client';
import { App } from './App';
import './styles.css';

// The handheld's page. The register itself runs in a worker (worker.js); this page draws it.
// The service worker keeps the app's files so the page opens offline.
const params = new URL(location.href).searchParams;
const monitor = params.get('monitor_ms');
const workerUrl = `/handheld/worker.js${monitor ? `?monitor_ms=${encodeURIComponent(monitor)}` : ''}`;

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/handheld/sw.js', { scope: '/handheld/' }).catch(() => {
    // Without it the page still works online; it just cannot open offline.
  });
}

createRoot(document.getElementById('root')!).render(<App workerUrl={workerUrl} />);
