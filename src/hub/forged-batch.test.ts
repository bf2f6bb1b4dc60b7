import { generateKeyPairSync, sign as edSign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedBatchText, type JournalEvent } from '../core/protocol';
import { defaultChart } from '../core/ledger/default-charts';
import { createEnrollmentCode, redeemEnrollmentCode } from './auth';
import { coreProcessor } from './core-processor';
import type { EventProcessor } from './processor';
import { openTestDb, testBackends, type TestDb } from './testing/test-db';
import { seedStore, startTestHub } from './testing/hub-fixture';
import { RegisterSim } from './testing/register-sim';

// A forged batch costs little (reviewer note, issue 18): a batch of a credential with a device
// key that is unsigned, or whose signature names other seqs or another head hash, is refused
// BAD_SIGNATURE before any of its events is hashed or its payload parsed. Counted here as the
// processor's validate calls (ingest's prepareBatch parses every payload before the
// transaction: on the old path each refused batch below cost 3 parses).

/** An Ed25519 device key as a register makes it: the public half as enrollment takes it, and a signer. */
function deviceKey(): { publicKey: string; sign: (text: string) => string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), sign: (text) => edSign(null, Buffer.from(text, 'utf8'), privateKey).toString('base64') };
}

function signed(terminal: string, events: JournalEvent[], sign: (t: string) => string, head = events[events.length - 1]!) {
  const first = events[0]!.seq;
  return { alg: 'ed25519', first_seq: first, last_seq: head.seq, head_hash: head.hash, sig: sign(signedBatchText(terminal, first, head.seq, head.hash)) };
}

describe.each(testBackends())('forged batches on $name', (backend) => {
  let t: TestDb;
  let validated = 0;
  const core = coreProcessor(defaultChart('us'));
  const counting: EventProcessor = {
    ...core,
    validate(e) {
      validated++;
      return core.validate(e);
    },
  };
  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedStore(t.db, 'F', { A: 100 });
  });
  afterAll(async () => t?.dispose());

  it('are refused before their events are hashed or parsed; a keyless credential still ignores a signature', async () => {
    const hub = await startTestHub(t.db, { processor: counting });
    const key = deviceKey();
    const sign = key.sign;
    const enroll = async (terminal: string, publicKey?: string) =>
      (await redeemEnrollmentCode(t.db, (await createEnrollmentCode(t.db, { store_id: 'F', terminal_id: terminal })).code, publicKey)).token;
    const keyed = new RegisterSim('F', 'F-1', await enroll('F-1', key.publicKey));
    const legacy = new RegisterSim('F', 'F-2', await enroll('F-2'));
    try {
      await keyed.connect(hub.url);
      await legacy.connect(hub.url);
      const batch = [1, 2, 3].map(() => keyed.sell([{ sku: 'A', units: 1, unit_price: 100 }]));
      const push = (signature: unknown) => keyed.request<{ ok: boolean; applied_through?: number; error?: { code: string; message: string } }>('events.push', { terminal_id: 'F-1', events: batch, ...(signature ? { signature } : {}) });

      const unsigned = await push(undefined);
      expect(unsigned).toMatchObject({ ok: false, error: { code: 'BAD_SIGNATURE' } });
      expect(unsigned.error!.message).toMatch(/must carry its signature/);
      const otherHead = await push(signed('F-1', batch, sign, batch[1]!));
      expect(otherHead).toMatchObject({ ok: false, error: { code: 'BAD_SIGNATURE' } });
      expect(otherHead.error!.message).toMatch(/covers seqs 1-2, the batch is 1-3/);
      const otherHash = await push({ ...signed('F-1', batch, sign), head_hash: batch[0]!.hash });
      expect(otherHash.error!.message).toMatch(/head hash/);
      expect(validated).toBe(0);
      // The claims match but the signature is not the key's: refused in the transaction, with the key.
      const wrongKey = await push(signed('F-1', batch, deviceKey().sign));
      expect(wrongKey.error!.message).toMatch(/does not verify/);
      expect((await push(signed('F-1', batch, sign))).applied_through).toBe(3);

      // A credential enrolled without a key: a signature it sends is ignored, as before.
      const e = legacy.sell([{ sku: 'A', units: 1, unit_price: 100 }]);
      const ack = await legacy.request('events.push', { terminal_id: 'F-2', events: [e], signature: { ...signed('F-2', [e], sign), head_hash: 'a'.repeat(64) } });
      expect(ack).toMatchObject({ ok: true, applied_through: 1, rejected: [] });
    } finally {
      keyed.close();
      legacy.close();
      await hub.close();
    }
  });
});
