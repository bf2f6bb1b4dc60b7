import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openJournal, type Journal } from '../../sync';
import { RegisterError } from '../../core/register-api';
import { parseRegisterConfig } from './config';
import { AttemptLimiter, checkPin, hashPinWithCost } from './pins';
import { NoDevices } from './null-devices';
import { RegisterService } from './service';

// Issue 9, item 11: the PIN limiter is bounded, yet no flood of unknown cashier ids can make it
// forget a locked cashier, and an unknown id is counted, locked and timed like a known one.

describe('AttemptLimiter', () => {
  it('keeps a locked known id locked through any flood of unknown ids, and stays bounded', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 0, maxLength: 3000 }),
        fc.integer({ min: 1, max: 50 }),
        (unknownIds, capacity) => {
          let t = 0;
          const limiter = new AttemptLimiter(5, 60_000, () => t, capacity);
          for (let i = 0; i < 5; i++) limiter.fail('1001');
          expect(limiter.locked('1001')).toBe(true);
          for (const id of unknownIds) {
            t += 1; // well inside the minute of the lock
            if (!limiter.locked(id, false)) limiter.fail(id, false);
          }
          expect(limiter.locked('1001')).toBe(true);
          expect(limiter.size().unknown).toBeLessThanOrEqual(capacity);
          t += 60_000;
          expect(limiter.locked('1001')).toBe(false); // the lock runs out; it is not forgotten early
        },
      ),
      { numRuns: 60 },
    );
  });

  it('locks an unknown id after the same number of failures as a known one', () => {
    const limiter = new AttemptLimiter(5, 60_000, () => 0);
    for (let i = 0; i < 4; i++) limiter.fail('nobody', false);
    expect(limiter.locked('nobody', false)).toBe(false);
    limiter.fail('nobody', false);
    expect(limiter.locked('nobody', false)).toBe(true);
    expect(limiter.locked('nobody', true)).toBe(false); // the tables are separate: no unknown id can lock a known key
  });

  it('checks a PIN for an unknown id with the same scrypt work as a known one', () => {
    const stored = hashPinWithCost('1234', 1024);
    expect(checkPin('1234', stored, stored)).toBe(true);
    expect(checkPin('1234', undefined, stored)).toBe(false);
    expect(checkPin('0000', stored, stored)).toBe(false);
  });
});

describe('sign-in lockout on the register', () => {
  let dir: string;
  let journal: Journal;
  let svc: RegisterService;
  afterEach(() => {
    svc?.close();
    journal?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('1,001 failed sign-ins with unknown ids do not unlock a locked cashier', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tillstream-pins-'));
    journal = openJournal(path.join(dir, 'journal.sqlite'), { terminalId: 'T01', storeId: 'store-001' });
    // A low scrypt cost keeps 1,006 checks quick; the rule does not depend on the cost.
    const config = parseRegisterConfig({
      terminal_id: 'T01', store_id: 'store-001', store_name: 'Test', currency: 'USD', journal_path: path.join(dir, 'journal.sqlite'),
      cashiers: [{ cashier_id: '1001', name: 'Cashier', role: 'cashier', pin_hash: hashPinWithCost('1234', 1024) }],
    });
    svc = new RegisterService({ config, journal, devices: new NoDevices() });
    const signIn = async (cashier_id: string, pin: string) => {
      try {
        await svc.handle('session.signIn', { cashier_id, pin });
        return 'ok';
      } catch (err) {
        return err instanceof RegisterError ? err.message : String(err);
      }
    };
    for (let i = 0; i < 5; i++) expect(await signIn('1001', '0000')).toMatch(/not recognised/);
    expect(await signIn('1001', '1234')).toMatch(/too many wrong PINs/);
    const answers = new Set<string>();
    for (let i = 0; i < 1001; i++) answers.add(await signIn(`9${String(i).padStart(5, '0')}`, '0000'));
    expect([...answers]).toEqual(['cashier number or PIN not recognised']);
    expect(await signIn('1001', '1234')).toMatch(/too many wrong PINs/);
    // An unknown id, tried five times, answers exactly as a locked cashier does.
    for (let i = 0; i < 5; i++) await signIn('4242', '0000');
    expect(await signIn('4242', '1234')).toBe(await signIn('1001', '1234'));
  });
});

// The handheld checks PINs with the pure scrypt (no Node in a browser); the Electron register
// with Node's. A hash made by either must verify on the other, byte for byte the same.
describe('pure and native scrypt agree', () => {
  it('hashes made natively verify with the pure check and the other way round', async () => {
    const { hashPinWith, noblePinScrypt, purePinCheck } = await import('./pin-check');
    const { nodeScrypt, nodePinCheck } = await import('./pins');
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{4,8}$/), fc.uint8Array({ minLength: 1, maxLength: 32 }), (pin, salt) => {
        const native = hashPinWith(nodeScrypt, pin, 1024, salt);
        expect(hashPinWith(noblePinScrypt, pin, 1024, salt)).toBe(native);
        expect(purePinCheck.verify(pin, native)).toBe(true);
        expect(nodePinCheck.verify(pin, hashPinWith(noblePinScrypt, pin, 1024, salt))).toBe(true);
        expect(purePinCheck.verify(pin === '0000' ? '1111' : '0000', native)).toBe(false);
      }),
      { numRuns: 40 },
    );
  });
});
