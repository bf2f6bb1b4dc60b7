import http from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  dispatch,
  MAX_WIRE_BYTES,
  parseRequest,
  toErrorData,
  type RegisterHandler,
  type WireEvent,
  type WireResponse,
} from '../../core/register-api';
import { bundleRenderer, CSP, type RendererBundle } from './bundle';

// Serves the cashier UI to a plain browser (development, e2e) and carries RegisterApi messages
// over a WebSocket. Bound to 127.0.0.1 only. Every launch makes a random token; the page URL
// carries it and the WebSocket must present it, so another local web page cannot drive the
// register. The Host and Origin headers are checked too (DNS rebinding).

export interface BrowserHostOptions {
  handler: RegisterHandler;
  port?: number;
  /** Pre-built bundle (tests reuse one); otherwise bundled at start. */
  bundle?: RendererBundle;
  token?: string;
  /** Max simultaneous windows (bounded). */
  maxClients?: number;
}

export interface BrowserHost {
  url: string;
  port: number;
  token: string;
  clients(): number;
  close(): Promise<void>;
}

const MAX_PENDING_SEND_BYTES = 4 * 1024 * 1024;

/**
 * The request target as a URL, or null when it cannot be one. Node's HTTP parser accepts
 * targets such as `//a:xx` or `http://[` that `new URL()` throws on; a throw inside a request
 * or upgrade listener would end the register's process, so any local program could stop the
 * till with one line. Parse once here and answer 400 instead.
 */
export function requestTarget(raw: string | undefined, port: number): URL | null {
  try {
    return new URL(raw ?? '/', `http://127.0.0.1:${port}`);
  } catch {
    return null;
  }
}

export async function startBrowserHost(opts: BrowserHostOptions): Promise<BrowserHost> {
  const bundle = opts.bundle ?? (await bundleRenderer());
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const maxClients = opts.maxClients ?? 8;
  let port = 0;

  const hostOk = (host: string | undefined) => host === `127.0.0.1:${port}` || host === `localhost:${port}`;
  const tokenOk = (given: string | null) => {
    if (!given) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  const server = http.createServer((req, res) => {
    try {
      serve(req, res);
    } catch (err) {
      // A bug in one request must not stop the till: answer it and keep serving.
      if (!res.headersSent) res.writeHead(500);
      res.end();
      process.emitWarning(`browser host: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  const serve = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const headers = {
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      'Cross-Origin-Opener-Policy': 'same-origin',
    };
    if (!hostOk(req.headers.host)) {
      res.writeHead(421, headers).end('wrong host');
      return;
    }
    const url = requestTarget(req.url, port);
    if (!url) {
      res.writeHead(400, headers).end('bad request target');
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405, headers).end();
      return;
    }
    if (url.pathname === '/') {
      // The page itself is harmless without the token (the socket refuses), but do not even
      // serve it to a caller that lacks it.
      if (!tokenOk(url.searchParams.get('token'))) {
        res.writeHead(403, { ...headers, 'Content-Type': 'text/plain' }).end('missing or wrong launch token');
        return;
      }
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html; charset=utf-8' }).end(bundle.html);
    } else if (url.pathname === '/app.js') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript; charset=utf-8' }).end(bundle.js);
    } else if (url.pathname === '/app.css') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/css; charset=utf-8' }).end(bundle.css);
    } else {
      res.writeHead(404, headers).end();
    }
  };
  // A malformed request line or header is answered 400 by Node; a socket error after that is
  // the client's problem, never the register's.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WIRE_BYTES });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const url = requestTarget(req.url, port);
    if (!url) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    const origin = req.headers.origin;
    const originOk = origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
    if (url.pathname !== '/ws' || !hostOk(req.headers.host) || !originOk || !tokenOk(url.searchParams.get('token')) || wss.clients.size >= maxClients) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const send = (ws: WebSocket, msg: WireResponse | WireEvent) => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_PENDING_SEND_BYTES) {
      ws.close(1013, 'client too slow');
      return;
    }
    ws.send(JSON.stringify(msg));
  };

  wss.on('connection', (ws: WebSocket) => {
    const unsubscribe = opts.handler.subscribe((stream, data) => send(ws, { kind: 'event', stream, data }));
    ws.on('message', (raw, isBinary) => {
      if (isBinary) {
        ws.close(1003, 'text frames only');
        return;
      }
      const text = raw.toString();
      let req;
      try {
        req = parseRequest(text);
      } catch (err) {
        // Without a valid id we cannot answer a specific call; report it on id -1.
        send(ws, { kind: 'result', id: -1, ok: false, error: toErrorData(err) });
        return;
      }
      void dispatch(opts.handler, req).then((res) => send(ws, res));
    });
    ws.on('close', unsubscribe);
    ws.on('error', () => ws.terminate());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    clients: () => wss.clients.size,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
