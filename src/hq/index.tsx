import { createRoot } from 'react-dom/client';
import { App } from './App';
import './styles.css';

// The HQ console: browser only, served by the hub at /hq/, talking to its HTTP API and socket.
createRoot(document.getElementById('root')!).render(<App />);
