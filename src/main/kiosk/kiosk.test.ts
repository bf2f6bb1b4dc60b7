import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hashPin, nodePinCheck } from '../register/pins';
import { KioskExitGate, PinCapture } from './exit-gate';
import { classifyKey, type KeyInput } from './keys';

const k = (key: string, mods: Partial<Omit<KeyInput, 'key'>> = {}): KeyInput => ({ type: 'keyDown', key, control: false, alt: false, shift: false, meta: false, ...mods });

describe('kiosk keys', () => {
  it('blocks the ways out and into the browser', () => {
    const blocked: [KeyInput, RegExp][] = [
      [k('F4', { alt: true }), /close/],
      [k('w', { control: true }), /close/],
      [k('q', { control: true }), /quit/],
      [k('F4', { control: true }), /close/],
      [k('I', { control: true, shift: true }), /developer tools/],
      [k('J', { control: true, shift: true }), /developer tools/],
      [k('C', { control: true, shift: true }), /developer tools/],
      [k('F12'), /developer tools/],
      [k('r', { control: true }), /reload/],
      [k('R', { control: true, shift: true }), /reload/],
      [k('F5'), /reload/],
      [k('F11'), /full screen/],
      [k('p', { control: true }), /print/],
      [k('+', { control: true }), /zoom/],
      [k('0', { control: true }), /zoom/],
      [k('Backspace', { control: true, alt: true }), /Ctrl\+Alt/],
      [k('Delete', { control: true, alt: true }), /Ctrl\+Alt/],
      [k('F2', { control: true, alt: true }), /Ctrl\+Alt/],
      [k('t', { control: true, alt: true }), /Ctrl\+Alt/],
      [k('Meta'), /Super/],
      [k('d', { meta: true }), /Super/],
      [k('ArrowLeft', { alt: true }), /navigation/],
      [k('Tab', { alt: true }), /switch windows/],
      [k('BrowserBack'), /navigation/],
    ];
    for (const [input, why] of blocked) expect(classifyKey(input), JSON.stringify(input)).toMatchObject({ action: 'block', why: expect.stringMatching(why) });
  });

  it('lets the register work: digits, letters, Enter, Escape, arrows, Backspace, Tab, the scanner wedge, Shift', () => {
    for (const input of [k('1'), k('a'), k('A', { shift: true }), k('Enter'), k('Escape'), k('ArrowDown'), k('Backspace'), k('Tab'), k('Tab', { shift: true }), k('F1'), k('F2'), k('Delete'), k('c', { control: true }), k('v', { control: true }), k('a', { control: true })]) {
      expect(classifyKey(input), JSON.stringify(input)).toEqual({ action: 'pass' });
    }
  });

  it('the exit chord is Ctrl+Shift+Alt+End on key down only', () => {
    expect(classifyKey(k('End', { control: true, shift: true, alt: true }))).toEqual({ action: 'exit' });
    expect(classifyKey({ ...k('End', { control: true, shift: true, alt: true }), type: 'keyUp' })).toMatchObject({ action: 'block' });
    expect(classifyKey(k('End', { control: true, alt: true }))).toMatchObject({ action: 'block' });
  });

  it('property: any chord with Ctrl+Alt or Super is never passed to the page; malformed input is blocked', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.boolean(), (key, shift) => {
        const d1 = classifyKey(k(key, { control: true, alt: true, shift }));
        const d2 = classifyKey(k(key, { meta: true, shift }));
        return d1.action !== 'pass' && d2.action === 'block';
      }),
    );
    expect(classifyKey(null as unknown as KeyInput)).toMatchObject({ action: 'block' });
    expect(classifyKey({ type: 'keyDown' } as KeyInput)).toMatchObject({ action: 'block' });
  });
});

describe('kiosk manager-PIN exit', () => {
  const managers = [
    { cashier_id: '9001', role: 'manager', pin_hash: hashPin('9876') },
    { cashier_id: '1001', role: 'cashier', pin_hash: hashPin('1234') },
  ];

  it("opens for a manager's PIN only; a cashier's PIN or junk is refused", () => {
    const log: string[] = [];
    const gate = new KioskExitGate(() => managers, nodePinCheck, { log: (m) => log.push(m) });
    expect(gate.tryExit('1234')).toMatchObject({ ok: false, message: /Only a manager/ });
    expect(gate.tryExit('98x6')).toMatchObject({ ok: false, message: /4 to 8 digits/ });
    expect(gate.tryExit('9876')).toEqual({ ok: true, manager: '9001' });
    expect(log).toEqual(['kiosk exit refused: wrong PIN', 'kiosk exit refused: not a PIN', 'kiosk exit by manager 9001']);
    expect(log.join(' ')).not.toMatch(/9876|1234/);
  });

  it('locks after 3 wrong PINs, even the right one, until the lock passes', () => {
    let now = 1_000_000;
    const gate = new KioskExitGate(() => managers, nodePinCheck, { now: () => now, lockMs: 300_000 });
    for (let i = 0; i < 3; i++) expect(gate.tryExit('0000').ok).toBe(false);
    expect(gate.tryExit('9876')).toMatchObject({ ok: false, message: /locked/ });
    now += 300_001;
    expect(gate.tryExit('9876')).toEqual({ ok: true, manager: '9001' });
  });

  it('no manager configured: says what store IT does instead', () => {
    const gate = new KioskExitGate(() => [managers[1]!], nodePinCheck);
    expect(gate.tryExit('1234')).toMatchObject({ ok: false, message: /No manager is set up/ });
  });

  it('PIN capture: digits only, at most 8, Backspace, Enter submits, Escape and a time-out cancel', () => {
    let now = 0;
    const c = new PinCapture(15_000, () => now);
    expect(c.capturing).toBe(false);
    c.start();
    for (const key of ['9', 'a', '8', '7', 'Shift', '5', 'Backspace', '6']) expect(c.key(key)).toEqual({ action: 'more' });
    expect(c.key('Enter')).toEqual({ action: 'submit', pin: '9876' });
    expect(c.capturing).toBe(false);
    c.start();
    for (let i = 0; i < 20; i++) c.key('1');
    expect(c.key('Enter')).toEqual({ action: 'submit', pin: '11111111' });
    c.start();
    c.key('1');
    expect(c.key('Escape')).toEqual({ action: 'cancel' });
    c.start();
    now += 15_001;
    expect(c.capturing).toBe(false);
    expect(c.key('1')).toEqual({ action: 'cancel' });
  });
});
