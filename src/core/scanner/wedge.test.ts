import { describe, expect, it } from 'vitest';
import { WedgeDetector, type WedgeResult } from './wedge';

function feed(d: WedgeDetector, keys: Array<[string, number]>): WedgeResult[] {
  return keys.flatMap(([key, t]) => d.push({ key, t }));
}

function burst(text: string, t0: number, gap: number): Array<[string, number]> {
  const keys: Array<[string, number]> = [...text].map((c, i) => [c, t0 + i * gap]);
  keys.push(['Enter', t0 + text.length * gap]);
  return keys;
}

describe('WedgeDetector', () => {
  it('recognises a fast burst ending in Enter as a scan', () => {
    const d = new WedgeDetector();
    expect(feed(d, burst('4006381333931', 1000, 8))).toEqual([
      { kind: 'scan', data: '4006381333931', startedAt: 1000, endedAt: 1000 + 13 * 8 },
    ]);
    expect(d.pending).toEqual([]);
  });

  it('treats slow typing followed by Enter as typing, in order', () => {
    const d = new WedgeDetector();
    const out = feed(d, burst('1234', 0, 120));
    expect(out.filter((r) => r.kind === 'scan')).toEqual([]);
    const keys = out.flatMap((r) => (r.kind === 'typed' ? r.keys : []));
    expect(keys).toEqual(['1', '2', '3', '4', 'Enter']);
  });

  it('a short fast burst (below minLength) is typing', () => {
    const d = new WedgeDetector({ minLength: 4 });
    expect(feed(d, burst('12', 0, 5))).toEqual([{ kind: 'typed', keys: ['1', '2', 'Enter'] }]);
  });

  it('separates a person typing right before a scan', () => {
    const d = new WedgeDetector();
    const out = feed(d, [['a', 0], ['b', 200], ...burst('98765432', 1000, 5)]);
    expect(out).toEqual([
      { kind: 'typed', keys: ['a'] },
      { kind: 'typed', keys: ['b'] },
      { kind: 'scan', data: '98765432', startedAt: 1000, endedAt: 1040 },
    ]);
  });

  it('ignores Shift inside a scan and releases held keys when idle', () => {
    const d = new WedgeDetector();
    expect(feed(d, [['Shift', 0], ['A', 1], ['Shift', 2], ['B', 3], ['1', 4], ['2', 5], ['Enter', 6]])).toEqual([
      { kind: 'scan', data: 'AB12', startedAt: 1, endedAt: 6 },
    ]);
    feed(d, [['x', 100]]);
    expect(d.idle(110)).toEqual([]);
    expect(d.idle(200)).toEqual([{ kind: 'typed', keys: ['x'] }]);
  });

  it('bounds the buffer', () => {
    const d = new WedgeDetector({ maxLength: 8 });
    const out = feed(d, [...'0123456789'].map((c, i): [string, number] => [c, i]));
    expect(out).toEqual([{ kind: 'typed', keys: [...'012345678'] }]);
    expect(d.pending.length).toBe(1);
  });
});
