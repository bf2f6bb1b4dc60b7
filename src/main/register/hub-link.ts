// What the register engine needs from its link to the hub (the SyncClient on a register; a
// browser register brings its own): the link state for the status bar, a nudge to sync now,
// and the hub's live alerts and snapshots.

export interface HubLinkWatcher {
  status?(): void;
  alert?(a: { kind: string; message: string; data: Record<string, unknown> }): void;
  snapshot?(): void;
}

export interface HubLink {
  readonly status: { connected: boolean; lastError: string | null };
  kick(): void;
  watch(w: HubLinkWatcher): () => void;
}
