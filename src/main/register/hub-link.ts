import type { z } from 'zod';
import type { SaleCompletedPayload, SalePostVoidedPayload, SaleRefundedPayload } from '../../core/events';

// What the register engine needs from its link to the hub (the SyncClient on a register; a
// browser register brings its own): the link state for the status bar, a nudge to sync now,
// the hub's live alerts and snapshots, and a store sale by receipt number for returns.

export interface HubLinkWatcher {
  status?(): void;
  alert?(a: { kind: string; terminal_id?: string; message: string; data: Record<string, unknown> }): void;
  snapshot?(): void;
}

export type HubSaleAnswer =
  | { status: 'found'; receipt_no: string; sale: SaleCompletedPayload; refunds: SaleRefundedPayload[]; post_void: SalePostVoidedPayload | null }
  | { status: 'not_found' }
  | { status: 'unavailable'; reason: string };

export interface HubLink {
  readonly status: { connected: boolean; lastError: string | null; snapshot?: { received: number; total: number } | null };
  kick(): void;
  watch(w: HubLinkWatcher): () => void;
  lookupSale(receiptNo: string): Promise<HubSaleAnswer>;
  /** Any other request of the protocol, its ack checked (gift cards, points, customers). */
  ask<S extends z.ZodType>(name: string, body: unknown, schema: S): Promise<HubAnswer<z.infer<S>>>;
}

export type HubAnswer<T> = { status: 'ok'; ack: T } | { status: 'unavailable'; reason: string };
