// Device settings schemas of scanner, scale, display and payment terminal: defaults, and bad
// input refused with an error naming the field.
import { describe, expect, it } from 'vitest';
import { createDisplay, displaySettingsSchema } from '../display/config';
import { createScale, scaleSettingsSchema } from '../scale/config';
import { createScanner, scannerSettingsSchema } from '../scanner/config';
import { HidPosScanner, SerialScanner } from '../scanner/scanner';
import { createPaymentTerminal, paymentSettingsSchema } from './config';
import { ZvtPaymentTerminal } from './zvt-terminal';

const serial = { kind: 'serial' as const, path: '/dev/ttyUSB0', baudRate: 9600 };

describe('device settings', () => {
  it('fills defaults', () => {
    expect(scannerSettingsSchema.parse({})).toEqual({ protocol: 'serial', suffix: 'CR', aimPrefix: true, maxLength: 4096 });
    expect(scaleSettingsSchema.parse({})).toMatchObject({ protocol: 'mettler-8217', replyTimeoutMs: 1000 });
    expect(displaySettingsSchema.parse({})).toMatchObject({ codePage: 'PC858', totalLabel: 'TOTAL' });
    expect(paymentSettingsSchema.parse({ currency: 'EUR' })).toMatchObject({ protocol: 'zvt', password: 0, transactionTimeoutMs: 180000 });
  });

  it('refuses bad values with the field named', () => {
    const bad = scannerSettingsSchema.safeParse({ suffix: 'NUL' });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toMatch(/suffix/);
    const cur = paymentSettingsSchema.safeParse({ currency: 'XXX' });
    expect(cur.success).toBe(false);
    expect(cur.error?.issues[0]?.path).toEqual(['currency']);
    expect(paymentSettingsSchema.safeParse({ currency: 'EUR', password: 1234567 }).success).toBe(false);
    expect(displaySettingsSchema.safeParse({ codePage: 'UTF8' }).success).toBe(false);
  });

  it('factories build the right driver', () => {
    expect(createScanner('s', serial)).toBeInstanceOf(SerialScanner);
    expect(createScanner('h', { kind: 'hid', vendorId: 1, productId: 2, usagePage: 0x8c }, { protocol: 'hid-pos' })).toBeInstanceOf(HidPosScanner);
    expect(createScale('w', serial).category).toBe('scale');
    expect(createDisplay('d', serial).category).toBe('display');
    expect(createPaymentTerminal('p', { kind: 'tcp', host: '127.0.0.1', port: 20007 }, { currency: 'EUR' })).toBeInstanceOf(ZvtPaymentTerminal);
  });
});
