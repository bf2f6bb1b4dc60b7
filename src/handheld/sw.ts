// The handheld's service worker: keeps the app's own files (page, scripts, styles, the SQLite
// WebAssembly module, manifest, icon) so the register opens with no network. Network first,
// so a new version arrives when online; the cache when the network is gone. Sales never pass
// through here: they live in the journal (OPFS) and go to the hub over socket.io.

// The parts of the service worker scope used here (the project's TypeScript lib is the DOM's).
interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  request: Request;
  respondWith(r: Promise<Response> | Response): void;
}
interface SwScope {
  location: Location;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  addEventListener(type: 'install' | 'activate', l: (ev: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', l: (ev: FetchEvent) => void): void;
}
const sw = self as unknown as SwScope;

const CACHE = 'tillstream-handheld-v2';
const SHELL = ['/handheld/', '/handheld/app.js', '/handheld/app.css', '/handheld/worker.js', '/handheld/sqlite3.wasm', '/handheld/zxing_reader.wasm', '/handheld/manifest.webmanifest', '/handheld/icon.svg'];

sw.addEventListener('install', (ev) => {
  ev.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => sw.skipWaiting()));
});

sw.addEventListener('activate', (ev) => {
  ev.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => sw.clients.claim()),
  );
});

sw.addEventListener('fetch', (ev) => {
  const url = new URL(ev.request.url);
  if (ev.request.method !== 'GET' || url.origin !== sw.location.origin || !url.pathname.startsWith('/handheld/')) return;
  // The page and the worker are cached without their query (?code=…, ?monitor_ms=…).
  const key = url.pathname;
  ev.respondWith(
    fetch(ev.request)
      .then(async (res) => {
        if (res.ok && SHELL.includes(key)) await (await caches.open(CACHE)).put(key, res.clone());
        return res;
      })
      .catch(async () => (await caches.match(key)) ?? Response.error()),
  );
});
