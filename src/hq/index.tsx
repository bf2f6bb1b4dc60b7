import { createRoot } from 'react-dom/client';
import { App } from './App';
import { initI18n } from './i18n';
import './styles.css';

// The HQ console: browser only, served by the hub at /hq/, talking to its HTTP API and socket.
initI18n();
createRoot(document.getElementById('root')!).render(<App />);
