import { z } from 'zod';
import type { RouteModule } from '../app';
import { handheldBundle, type HandheldBundle } from '../handheld-page';

// The handheld register's files (docs/handheld.md), public like any web app's assets: the
// device enrolls with a one-time code and then speaks the register protocol with its own
// credential; nothing here carries a store's data.

const FILES: { url: string; summary: string; type: string; body(b: HandheldBundle): string | Buffer; csp?: boolean }[] = [
  { url: '/handheld/', summary: 'The handheld register (HTML)', type: 'text/html; charset=utf-8', body: (b) => b.html, csp: true },
  { url: '/handheld/app.js', summary: "The handheld's page script", type: 'text/javascript; charset=utf-8', body: (b) => b.app },
  { url: '/handheld/app.css', summary: "The handheld's styles", type: 'text/css; charset=utf-8', body: (b) => b.css },
  { url: '/handheld/worker.js', summary: "The handheld's register worker (engine, journal, sync)", type: 'text/javascript; charset=utf-8', body: (b) => b.worker, csp: true },
  { url: '/handheld/sw.js', summary: "The handheld's service worker (offline start)", type: 'text/javascript; charset=utf-8', body: (b) => b.sw, csp: true },
  { url: '/handheld/sqlite3.wasm', summary: 'SQLite compiled to WebAssembly', type: 'application/wasm', body: (b) => b.wasm },
  { url: '/handheld/zxing_reader.wasm', summary: 'ZXing barcode reader compiled to WebAssembly', type: 'application/wasm', body: (b) => b.zxing },
  { url: '/handheld/manifest.webmanifest', summary: 'Web app manifest', type: 'application/manifest+json', body: (b) => b.manifest },
  { url: '/handheld/icon.svg', summary: 'App icon', type: 'image/svg+xml', body: (b) => b.icon },
];

export const handheldRoutes: RouteModule = (app) => {
  for (const f of FILES) {
    app.get(f.url, {
      config: { rateLimit: false },
      schema: { tags: ['system'], summary: f.summary, response: { 200: { description: f.summary, content: { [f.type.split(';')[0]!]: { schema: z.string() } } } } },
      handler: async (_req, reply) => {
        const b = await handheldBundle();
        if (f.csp) reply.header('content-security-policy', b.csp);
        // no-cache: revalidate each time, so a phone gets a new version as soon as it is online.
        reply.header('cache-control', 'no-cache').header('service-worker-allowed', '/handheld/').type(f.type);
        // The WebAssembly module is bytes; the rest is text.
        return f.body(b) as string;
      },
    });
  }
};
