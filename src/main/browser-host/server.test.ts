import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import WebSocket from 'ws';
import { startBrowserHost, type BrowserHost } from './server';
import type { RegisterHandler } from '../../core/register-api';

const bundle = { js: 'void 0', css: '', html: '<!doctype html><title>t</title>' };
const calls: string[] = [];
const handler: RegisterHandler = {
  async handle(name, params) {
    calls.push(name);
    if (name === 'session.current') return { cashier: null, shift: null };
    return params;
  },
  subscribe: () => () => {},
};

/** Sends raw bytes over TCP (no client library tidies the request line) and returns the reply. */
export function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let reply = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (reply += d));
    socket.on('end', () => resolve(reply));
    socket.on('close', () => resolve(reply));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error(`no reply to ${JSON.stringify(text.slice(0, 40))}`)));
  });
}

function connect(url: string, origin: string): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { origin });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(-1));
  });
}

describe('browser host', () => {
  let host: BrowserHost;
  afterEach(async () => {
    await host?.close();
    calls.length = 0;
  });

  it('serves the page only with the launch token and only on loopback', async () => {
    host = await startBrowserHost({ handler, bundle });
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    expect((await fetch(`http://127.0.0.1:${host.port}/`)).status).toBe(403);
    expect((await fetch(`http://127.0.0.1:${host.port}/?token=wrong`)).status).toBe(403);
    const ok = await fetch(host.url);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('refuses a WebSocket without the token or from another origin, and validates every call', async () => {
    host = await startBrowserHost({ handler, bundle });
    const origin = `http://127.0.0.1:${host.port}`;
    expect(await connect(`ws://127.0.0.1:${host.port}/ws`, origin)).toBe(403);
    expect(await connect(`ws://127.0.0.1:${host.port}/ws?token=${host.token}`, 'http://evil.example')).toBe(403);
    const ws = (await connect(`ws://127.0.0.1:${host.port}/ws?token=${host.token}`, origin)) as WebSocket;
    const replies: unknown[] = [];
    ws.on('message', (m) => replies.push(JSON.parse(String(m))));
    ws.send(JSON.stringify({ kind: 'call', id: 1, name: 'session.current', params: {} }));
    ws.send(JSON.stringify({ kind: 'call', id: 2, name: 'session.signIn', params: { cashier_id: '1', pin: 'abc' } }));
    ws.send(JSON.stringify({ kind: 'call', id: 3, name: 'shell.exec', params: {} }));
    await new Promise((r) => setTimeout(r, 300));
    ws.close();
    expect(replies).toContainEqual({ kind: 'result', id: 1, ok: true, result: { cashier: null, shift: null } });
    expect(replies).toContainEqual(expect.objectContaining({ id: 2, ok: false, error: expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringContaining('pin') }) }));
    expect(replies).toContainEqual(expect.objectContaining({ id: -1, ok: false }));
    expect(calls).toEqual(['session.current']); // the bad calls never reached the register
  });

  // Issue 9, item 1: request targets that Node's parser accepts but `new URL()` throws on.
  it('answers 400 to a request or upgrade whose target is not a URL, and keeps serving', async () => {
    host = await startBrowserHost({ handler, bundle });
    const h = `Host: 127.0.0.1:${host.port}\r\n`;
    const upgrade = `Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://127.0.0.1:${host.port}\r\n`;
    for (const target of ['//a:xx', 'http://[', '//[::1', 'http://a b', '//a:99999999']) {
      expect(await rawRequest(host.port, `GET ${target} HTTP/1.1\r\n${h}Connection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
      expect(await rawRequest(host.port, `GET ${target} HTTP/1.1\r\n${h}${upgrade}\r\n`)).toMatch(/^HTTP\/1\.1 (400|403)/);
    }
    expect(await rawRequest(host.port, `GET / HTTP/1.1\r\n${h}Connection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 403/);
    expect((await fetch(host.url)).status).toBe(200);
  });
});
