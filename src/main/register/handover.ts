import { z } from 'zod';
import { journalEventSchema } from '../../core/protocol';
import { hubJsonRequest, MAX_HANDOVER_EVENTS, type HubEndpoint, type Journal } from '../../sync';

// A replacement device's first start: its new journal takes over the terminal's chain from
// the hub (GET /api/register/handover, page by page) before anything can be sold, so the open
// shift, its cash and the receipts for returns carry on, and the next sale continues at the
// hub's head + 1 instead of forking the chain at seq 1. A terminal with no history gets an
// empty handover and starts at seq 1 as before.

const pageSchema = z.object({
  head: z.object({ seq: z.number().int().min(0), hash: z.string() }),
  base: z.object({ seq: z.number().int().min(0), hash: z.string() }),
  events: z.array(journalEventSchema),
  next_after_seq: z.number().int().nullable(),
});

const PAGE = 1_000;

export async function takeOverChain(journal: Journal, hub: HubEndpoint & { token: string }, log: (m: string) => void = () => {}): Promise<{ head: number; events: number } | null> {
  if (!journal.isNew()) return null;
  const events: z.infer<typeof journalEventSchema>[] = [];
  let base: { seq: number; hash: string } | null = null;
  let after: number | null = null;
  for (let page = 0; page <= MAX_HANDOVER_EVENTS / PAGE; page++) {
    const q: string = `/api/register/handover?limit=${PAGE}${after === null ? '' : `&after_seq=${after}`}`;
    const res = await hubJsonRequest(hub, 'GET', q, undefined, 30_000);
    if (res.status !== 200) throw new Error(`handover: the hub answered ${res.status}: ${(res.body as { error?: { message?: string } } | null)?.error?.message ?? ''}`);
    const p = pageSchema.parse(res.body);
    if (p.head.seq === 0) return null; // a new terminal: nothing to take over
    base ??= p.base;
    events.push(...p.events);
    if (p.next_after_seq === null) {
      const r = journal.adoptHandover({ base, events });
      log(`took over ${journal.terminalId}'s chain from the hub: ${events.length} events (seq ${base.seq + 1}–${r.head}); the next event is seq ${r.head + 1}`);
      return { head: r.head, events: events.length };
    }
    after = p.next_after_seq;
  }
  throw new Error(`handover: more than ${MAX_HANDOVER_EVENTS} events`);
}
