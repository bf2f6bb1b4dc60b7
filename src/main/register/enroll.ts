import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { assertHubEndpoint, createDeviceKey, fetchPinnedCertificate, hubJsonRequest, normalizePin, type HubEndpoint } from '../../sync';
import { parseRegisterConfig } from './config';

// Enrollment of this register with its hub: the one-time code from HQ is exchanged for the
// register's own credential, over a link the transport rules allow (sync/transport): https
// with the pin delivered with the code, loopback, or store IT's explicit insecure flag. With
// a pin, the pinned certificate is fetched from the hub (nothing secret is sent on that
// handshake), checked against the pin, and kept in the config as the only trust anchor.

const enrollResponseSchema = z.object({
  token: z.string().min(1),
  store_id: z.string().min(1),
  terminal_id: z.string().min(1),
  replacement: z.boolean().optional(),
  /** The hub kept the device key sent (an older hub refuses the member, see redeemWithHub). */
  device_key: z.boolean().optional(),
});

export interface EnrollOptions {
  hub: string;
  code: string;
  /** register.json to update (it must exist: start from resources/register.example.json). */
  config: string;
  /** `sha256:<hex>` of the hub's CA (or self-signed) certificate, from the enrollment code. */
  pin?: string;
  insecure?: boolean;
}

export interface Enrolled {
  store_id: string;
  terminal_id: string;
  hub: { url: string; token: string; ca?: string; pin?: string; insecure?: boolean; replacement?: boolean; device_key?: string };
}

/** Checks the address, fetches the pinned certificate, redeems the code; writes nothing. */
function hubAddress(hub: string): URL {
  let hubUrl: URL;
  try {
    hubUrl = new URL(hub);
  } catch (err) {
    throw new Error(`--hub: not a URL: ${hub}`, { cause: err });
  }
  if (hubUrl.protocol !== 'https:' && hubUrl.protocol !== 'http:') throw new Error(`--hub: must be http(s), got ${hubUrl.protocol}`);
  return hubUrl;
}

export async function redeemWithHub(o: Omit<EnrollOptions, 'config'>): Promise<Enrolled> {
  const hubUrl = hubAddress(o.hub);
  const pin = o.pin === undefined ? undefined : normalizePin(o.pin);
  let endpoint: HubEndpoint = { url: hubUrl.origin, ...(pin ? { pin } : {}), ...(o.insecure ? { insecure: true } : {}) };
  // Refused before any secret (the code) leaves this machine.
  assertHubEndpoint(endpoint, 'enroll');
  if (pin) endpoint = { ...endpoint, ca: await fetchPinnedCertificate(hubUrl.origin, pin) };
  // The device key is made here, on the register, and only its public half leaves it.
  const key = createDeviceKey();
  const res = await hubJsonRequest(endpoint, 'POST', '/api/enroll', { code: o.code, public_key: key.publicKey });
  if (res.status !== 201 && res.status !== 200) {
    const msg = (res.body as { error?: { message?: string } } | null)?.error?.message ?? `HTTP ${res.status}`;
    throw new Error(`the hub refused the enrollment code: ${msg}`);
  }
  const enrolled = enrollResponseSchema.parse(res.body);
  return {
    store_id: enrolled.store_id,
    terminal_id: enrolled.terminal_id,
    hub: { url: hubUrl.origin, token: enrolled.token, ...(endpoint.ca ? { ca: endpoint.ca } : {}), ...(pin ? { pin } : {}), ...(o.insecure ? { insecure: true } : {}), ...(enrolled.replacement ? { replacement: true } : {}), ...(enrolled.device_key ? { device_key: key.privateKeyPem } : {}) },
  };
}

export async function enrollRegister(o: EnrollOptions): Promise<{ store_id: string; terminal_id: string }> {
  hubAddress(o.hub);
  if (!existsSync(o.config)) throw new Error(`${o.config}: no register config; start from resources/register.example.json (see docs/register.md)`);
  let current: unknown;
  try {
    current = JSON.parse(readFileSync(o.config, 'utf8'));
  } catch (err) {
    throw new Error(`${o.config}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (typeof current !== 'object' || current === null || Array.isArray(current)) throw new Error(`${o.config}: must hold a JSON object`);
  const enrolled = await redeemWithHub(o);
  // Validate the whole new file before touching the old one, then replace it atomically:
  // a register must never be left with half a config or a lost credential.
  const next = { ...(current as Record<string, unknown>), terminal_id: enrolled.terminal_id, store_id: enrolled.store_id, hub: enrolled.hub };
  parseRegisterConfig(next);
  writeConfigAtomically(o.config, next);
  return { store_id: enrolled.store_id, terminal_id: enrolled.terminal_id };
}

export function writeConfigAtomically(file: string, value: unknown): void {
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}
