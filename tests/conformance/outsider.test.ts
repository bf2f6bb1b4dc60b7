import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

// An outside implementer's test: it imports NOTHING from src/ (a test below checks that).
// Everything it knows comes from docs/sync-protocol.md, docs/hub.md, the published JSON
// Schemas (docs/schemas/) and the conformance vectors (conformance/vectors/). It starts a real
// hub as a child process (`node bin/tillstream.mjs hub --port 0`, embedded PGlite), enrolls a
// terminal over the documented HTTP API with the admin token, builds a sale by the documented
// arithmetic, validates it against the published schema, hashes it by the documented rules,
// pushes it and sees it applied; then runs every hub scenario of the conformance kit.

const SCHEMAS = 'docs/schemas/v1';
const VECTORS = 'conformance/vectors';
const ADMIN = `conformance-admin-${randomBytes(12).toString('hex')}`;
// JSON from files and the wire: its shape is what the published schemas check.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Wire = any;
const json = (p: string): Wire => JSON.parse(readFileSync(p, 'utf8'));

// ---- docs/sync-protocol.md §3: canonical JSON and the hash -------------------------------

function canonical(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`not a safe integer: ${v}`);
    return Object.is(v, -0) ? '0' : String(v);
  }
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object') {
    // Keys compared by UTF-16 code units: JavaScript's default string order.
    const keys = Object.keys(v as object).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  throw new Error(`cannot hash ${typeof v}`);
}

const ENVELOPE = ['version', 'terminal_id', 'store_id', 'seq', 'event_id', 'type', 'occurred_at', 'payload'] as const;
function hashOf(prevHash: string, event: Record<string, unknown>): string {
  const body: Record<string, unknown> = {};
  for (const k of ENVELOPE) body[k] = event[k];
  return createHash('sha256').update(Buffer.from(`${prevHash}\n${canonical(body)}`, 'utf8')).digest('hex');
}

// ---- docs/sync-protocol.md "Arithmetic rules": build a sale ------------------------------

/** round(n / d) half up, for n ≥ 0. */
const divRound = (n: bigint, d: bigint): number => Number((2n * n + d) / (2n * d));

interface Item { sku: string; description: string; price: number; units: number; scale: number; unit: 'each' | 'kg'; taxPpm: number }

function buildSale(store: string, terminal: string, items: Item[], cashTendered: number) {
  const lines = items.map((it, i) => {
    const gross = divRound(BigInt(it.price) * BigInt(it.units), 10n ** BigInt(it.scale));
    const net = gross; // no discounts
    const tax = divRound(BigInt(net) * BigInt(it.taxPpm), 1_000_000n); // exclusive, base = net
    return {
      line_id: `L${i + 1}`, sku: it.sku, description: it.description, category: 'grocery', tax_category: 'general',
      quantity: { units: it.units, scale: it.scale }, unit: it.unit, unit_price: it.price,
      gross, discounts: [], net,
      taxes: [{ code: 'US-NY-STATE', jurisdiction: 'US-NY', rate_ppm: it.taxPpm, inclusive: false, compound: false, base: net, amount: tax }],
      total: net + tax,
    };
  });
  const sum = (f: (l: (typeof lines)[number]) => number) => lines.reduce((s, l) => s + f(l), 0);
  const total = sum((l) => l.total);
  const taxTotal = sum((l) => l.taxes[0]!.amount);
  return {
    sale_id: randomUUID(), store_id: store, terminal_id: terminal, shift_id: randomUUID(), cashier_id: 'outsider-1',
    currency: 'USD', price_book_version: 0, lines,
    totals: { subtotal: sum((l) => l.gross), discount_total: 0, tax_total: taxTotal, total, rounding: 0 },
    tax_breakdown: [{ code: 'US-NY-STATE', jurisdiction: 'US-NY', rate_ppm: items[0]!.taxPpm, inclusive: false, base: sum((l) => l.taxes[0]!.base), amount: taxTotal }],
    tenders: [{ tender_id: 'T1', kind: 'cash', amount: total, tendered: cashTendered, change: cashTendered - total }],
    change_due: cashTendered - total,
    completed_at: new Date().toISOString(),
  };
}

// ---- the hub as a child process ------------------------------------------------------------

let hub: ChildProcess;
let url = '';
let dataDir = '';

async function startHub(): Promise<void> {
  dataDir = mkdtempSync(path.join(tmpdir(), 'conformance-hub-'));
  const env: NodeJS.ProcessEnv = { ...process.env, TILLSTREAM_ADMIN_TOKEN: ADMIN };
  delete env.DATABASE_URL; // embedded PGlite in dataDir
  hub = spawn(process.execPath, ['bin/tillstream.mjs', 'hub', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'warn'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  hub.stderr!.on('data', (d: Buffer) => (err += d.toString()).length > 20_000 && (err = err.slice(-10_000)));
  url = await new Promise<string>((resolve, reject) => {
    hub.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      // docs/hub.md: the first line says where the hub listens.
      const m = /^tillstream hub listening on (http:\/\/\S+) /m.exec(out);
      if (m) resolve(m[1]!);
    });
    hub.once('exit', (code) => reject(new Error(`hub exited (${code}) before listening: ${out}\n${err}`)));
  });
}

async function http(method: string, p: string, body?: unknown, token: string | null = ADMIN): Promise<{ status: number; body: Wire }> {
  const res = await fetch(`${url}${p}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** docs/sync-protocol.md §2 "Enrollment": a one-time code from HQ, redeemed by the register. */
async function enroll(store: string, terminal: string): Promise<string> {
  const code = await http('POST', '/api/enrollment-codes', { store_id: store, terminal_id: terminal });
  expect(code.status, JSON.stringify(code.body)).toBe(201);
  const redeemed = await http('POST', '/api/enroll', { code: code.body.code }, null);
  expect(redeemed.status, JSON.stringify(redeemed.body)).toBeLessThan(300);
  expect(redeemed.body.terminal_id).toBe(terminal);
  return redeemed.body.token;
}

function connect(token: string): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (e) => {
      socket.close();
      reject(e);
    });
  });
}

const ask = (socket: Socket, name: string, request: unknown): Promise<Wire> => socket.timeout(60_000).emitWithAck(name, request);

let ajv: Ajv2020;
const schemaId = (rel: string) => `https://tillstream.invalid/schemas/v1/${rel}`;

beforeAll(async () => {
  ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats.default(ajv);
  for (const dir of ['', 'messages', 'events']) {
    for (const f of readdirSync(path.join(SCHEMAS, dir))) if (f.endsWith('.json') && f !== 'index.json') ajv.addSchema(json(path.join(SCHEMAS, dir, f)));
  }
  await startHub();
}, 240_000);

afterAll(async () => {
  if (hub && hub.exitCode === null) {
    const exited = new Promise((r) => hub.once('exit', r));
    hub.kill('SIGTERM');
    await exited;
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe('an outside implementation, from the docs, schemas and vectors alone', () => {
  it('imports nothing from src/', () => {
    const me = readFileSync(path.join('tests', 'conformance', 'outsider.test.ts'), 'utf8');
    const imports = [...me.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]!);
    expect(imports.length).toBeGreaterThan(3);
    expect(imports.filter((m) => m.startsWith('.') || m.includes('src/'))).toEqual([]);
  });

  it('its canonical JSON and hash reproduce the vectors', () => {
    for (const c of json(`${VECTORS}/canonical-json.json`).cases) expect(canonical(c.value), c.name).toBe(c.canonical);
    for (const x of json(`${VECTORS}/hash-chain.json`).events) expect(hashOf(x.event.prev_hash, x.event)).toBe(x.hash);
  });

  it('the published schemas agree with the payload vectors', () => {
    for (const p of json(`${VECTORS}/payloads.json`).payloads) {
      const v = ajv.getSchema(schemaId(`events/${p.type}.json`));
      expect(v ? v(p.payload) : false, p.name).toBe(p.json_schema_valid);
    }
  });

  it('builds a sale, validates and hashes it, pushes it to a real hub and sees it applied', async () => {
    const store = 'outsider-store';
    const terminal = 'outsider-t1';
    const created = await http('POST', '/api/stores', { store_id: store, name: 'Outsider', currency: 'USD' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const token = await enroll(store, terminal);

    const payload = buildSale(store, terminal, [
      { sku: 'APPLES', description: 'Äpfel, lose', price: 349, units: 1234, scale: 3, unit: 'kg', taxPpm: 40_000 },
      { sku: 'BREAD', description: 'Bread 🍞', price: 250, units: 2, scale: 0, unit: 'each', taxPpm: 40_000 },
    ], 2000);
    const validPayload = ajv.getSchema(schemaId('events/sale.completed.json'))!;
    expect(validPayload(payload), JSON.stringify(validPayload.errors)).toBe(true);

    const event: Record<string, unknown> = {
      version: 1, terminal_id: terminal, store_id: store, seq: 1, event_id: randomUUID(), type: 'sale.completed',
      occurred_at: payload.completed_at, payload, prev_hash: '0'.repeat(64),
    };
    event.hash = hashOf(event.prev_hash as string, event);
    expect(ajv.getSchema(schemaId('journal-event.json'))!(event)).toBe(true);
    const request = { terminal_id: terminal, events: [event] };
    expect(ajv.getSchema(schemaId('messages/events.push.request.json'))!(request)).toBe(true);

    const socket = await connect(token);
    try {
      const hello = await ask(socket, 'hello', { protocol: 1, terminal_id: terminal, app_version: 'outsider 1', change_cursor: 0 });
      expect(ajv.getSchema(schemaId('messages/hello.ack.json'))!(hello), JSON.stringify(hello)).toBe(true);
      expect(hello).toMatchObject({ ok: true, store_id: store, applied_through: 0, applied_hash: null });
      const ack = await ask(socket, 'events.push', request);
      expect(ajv.getSchema(schemaId('messages/events.push.ack.json'))!(ack), JSON.stringify(ack)).toBe(true);
      expect(ack).toEqual({ ok: true, applied_through: 1, rejected: [] });
      const again = await ask(socket, 'hello', { protocol: 1, terminal_id: terminal, app_version: 'outsider 1', change_cursor: 0 });
      expect(again).toMatchObject({ applied_through: 1, applied_hash: event.hash });
    } finally {
      socket.close();
    }
    // docs/hub.md: the journal read API lists it with its total.
    const sales = await http('GET', `/api/events?store_id=${store}`);
    expect(sales.status).toBe(200);
    expect(sales.body.events).toEqual([expect.objectContaining({ terminal_id: terminal, seq: 1, type: 'sale.completed', currency: 'USD' })]);
    expect(sales.body.events[0].amount).toBe(payload.totals.total);
  }, 120_000);

  it('the hub gives every code the conformance scenarios expect', async () => {
    const kit = json(`${VECTORS}/hub.json`);
    const created = await http('POST', '/api/stores', kit.store);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    for (const s of kit.scenarios) {
      const token = await enroll(kit.store.store_id, s.terminal);
      for (const [i, step] of s.steps.entries()) {
        const at = `${s.name}, step ${i + 1}`;
        if (step.connect) {
          const err = await connect(step.connect.token === 'valid' ? token : 'not-a-token').then(
            (sock) => (sock.close(), null),
            (e: Error) => e,
          );
          expect(err?.message ?? 'connected', at).toMatch(new RegExp(`^${step.expect.connect_error_prefix}`));
          continue;
        }
        const socket = await connect(token);
        try {
          const hello = await ask(socket, 'hello', { protocol: 1, terminal_id: s.terminal, app_version: 'conformance', change_cursor: 0 });
          expect(hello.ok, at).toBe(true);
          let name: string;
          let request: Record<string, unknown>;
          if (step.push) {
            name = 'events.push';
            request = { terminal_id: s.terminal, events: step.push };
          } else {
            name = step.message.name;
            request = { ...step.message.request };
            if (step.message.pad) request[step.message.pad.member] = 'x'.repeat(step.message.pad.length);
          }
          const ack = await ask(socket, name, request);
          if (step.expect.error) {
            expect(ajv.getSchema(schemaId('messages/error.ack.json'))!(ack), at).toBe(true);
            expect(ack.error.code, `${at}: ${JSON.stringify(ack)}`).toBe(step.expect.error);
          } else {
            expect(ack.ok, `${at}: ${JSON.stringify(ack)}`).toBe(true);
            expect(ack.applied_through, at).toBe(step.expect.ack.applied_through);
            expect(ack.rejected.map((r: { seq: number; code: string }) => ({ seq: r.seq, code: r.code })), `${at}: ${JSON.stringify(ack.rejected)}`).toEqual(step.expect.ack.rejected);
          }
        } finally {
          socket.close();
        }
      }
    }
  }, 300_000);
});
