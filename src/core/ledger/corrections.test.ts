import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planCorrections, type ToolTransaction } from './corrections';
import { defaultChart } from './default-charts';
import type { JournalEntry } from './entry';
import { postEvent } from './post';
import { envelope } from './testing/envelope';
import { saleArbitraries } from './testing/arbitraries';

// Whatever a person does to the exported transactions (move amounts between accounts, split,
// delete), the adjusting entries make the hub's balances equal the edited file's, each
// adjustment balances and points at the entry it corrects, and planning again with those
// adjustments finds nothing to do.

const chart = defaultChart('us');
const { saleCompletedArb } = saleArbitraries(fc);
const names = [...chart.ledgerNames.values()];

function toTool(e: JournalEntry, i: number): ToolTransaction {
  return { where: `line ${i}`, date: e.date, description: e.memo, entry_id: e.entry_id, postings: e.lines.map((l) => ({ account: chart.ledgerNames.get(l.account)!, currency: l.currency, minor: l.debit - l.credit })) };
}

function net(list: Array<{ account: string; currency: string; minor: number }>): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of list) {
    const k = `${x.account} ${x.currency}`;
    const v = (m.get(k) ?? 0) + x.minor;
    if (v === 0) m.delete(k);
    else m.set(k, v);
  }
  return m;
}

const editArb = fc.record({
  kind: fc.constantFrom('none', 'reclassify', 'split', 'delete'),
  posting: fc.nat(),
  account: fc.constantFrom(...names),
  share: fc.integer({ min: 1, max: 99 }),
});

describe('planCorrections', () => {
  it('adjusts the hub to the edited file exactly, and a second plan finds nothing', () => {
    fc.assert(
      fc.property(fc.array(saleCompletedArb({ currencies: ['USD', 'EUR'], style: 'us', maxLines: 3 }), { minLength: 1, maxLength: 8 }), fc.array(editArb, { minLength: 8, maxLength: 8 }), (sales, edits) => {
        const exported = sales.flatMap((s, i) => postEvent(envelope('sale.completed', s as unknown as Record<string, unknown>, { seq: i + 1, salt: String(i) }), chart));
        const tool: ToolTransaction[] = [];
        exported.forEach((e, i) => {
          const t = toTool(e, i);
          const ed = edits[i % edits.length]!;
          const p = t.postings[ed.posting % t.postings.length]!;
          if (ed.kind === 'delete') return;
          if (ed.kind === 'reclassify') p.account = ed.account;
          if (ed.kind === 'split') {
            const part = Math.trunc((p.minor! * ed.share) / 100);
            p.minor! -= part;
            t.postings.push({ account: ed.account, currency: p.currency, minor: part });
          }
          tool.push(t);
        });
        const plan = planCorrections({ chart, exported, earlier: new Map(), tool, idPrefix: 'ci1', by: 'p' });
        expect(plan.needs_person).toEqual([]);
        const hub = [...exported, ...plan.adjustments].flatMap((e) => e.lines.map((l) => ({ account: chart.ledgerNames.get(l.account)!, currency: l.currency, minor: l.debit - l.credit })));
        expect(net(hub)).toEqual(net(tool.flatMap((t) => t.postings.map((p) => ({ account: p.account, currency: p.currency, minor: p.minor! })))));
        for (const a of plan.adjustments) expect(exported.some((e) => e.entry_id === a.adjusts)).toBe(true);
        const earlier = new Map<string, JournalEntry[]>();
        for (const a of plan.adjustments) earlier.set(a.adjusts!, [...(earlier.get(a.adjusts!) ?? []), a]);
        const again = planCorrections({ chart, exported, earlier, tool, idPrefix: 'ci2', by: 'p' });
        expect(again.adjustments).toEqual([]);
        expect(again.unchanged).toBe(exported.length);
      }),
      { numRuns: 150 },
    );
  });

  it('lists what cannot be an adjustment, and posts nothing for it', () => {
    const sale = fc.sample(saleCompletedArb({ currencies: ['USD'], style: 'us' }), { seed: 3, numRuns: 1 })[0]!;
    const exported = postEvent(envelope('sale.completed', sale as unknown as Record<string, unknown>), chart);
    const t = toTool(exported[0]!, 1);
    const unknownAccount: ToolTransaction = { ...t, postings: t.postings.map((p, i) => (i === 0 ? { ...p, account: 'Assets:Somewhere-Else' } : p)) };
    const plan = planCorrections({
      chart, exported, earlier: new Map(), idPrefix: 'ci1', by: 'p',
      tool: [unknownAccount, { ...t, entry_id: null, where: 'line 9' }, { ...t, entry_id: 'sale-not-ours', where: 'line 12' }],
    });
    expect(plan.adjustments).toEqual([]);
    expect(plan.needs_person.map((n) => n.reason)).toEqual([
      expect.stringMatching(/not exported by Tillstream/),
      expect.stringMatching(/not in this export batch/),
      expect.stringMatching(/Assets:Somewhere-Else is not in the chart/),
    ]);
    const conflicted = planCorrections({ chart, exported, earlier: new Map(), conflicts: new Map([[exported[0]!.entry_id, ['ci9-1']]]), tool: [], idPrefix: 'ci1', by: 'p' });
    expect(conflicted.adjustments).toEqual([]);
    expect(conflicted.needs_person[0]!.reason).toMatch(/corrected since this batch was cut \(ci9-1\)/);
  });
});
