// Register side of sync: the SQLite journal (with the offline projections) and the uplink /
// downlink client. The register main process composes these.
export { openJournal, verifyJournalFile, readJournalStatus, exportUnsynced, MAX_EXPORT_EVENTS, type JournalFileStatus } from './journal/open';
export {
  MAX_HANDOVER_EVENTS,
  initJournalDatabase,
  verifyDatabase,
  describeBreak,
  Journal,
  MAX_PAYLOAD_BYTES,
  MAX_OPEN_SALE_BYTES,
  type OpenJournalOptions,
  type AppendOptions,
  type StockMovement,
  type SyncState,
  type StoredRejection,
  type VerifyResult,
  type ApplyChangesResult,
  type CatalogEntry,
} from './journal/journal';
export type { SqlDb, SqlStatement, SqlTransaction, SqlRunResult } from './journal/sql';
export { MIGRATIONS, applyMigrations, type Migration } from './journal/migrations';
export { SyncClient, HubError, HubSync, type HubSyncOptions, type LinkTransport, type SyncClientOptions, type SyncLinkStatus, type LinkState, type PriceChanged, type SyncClientEvents } from './uplink/sync-client';
export { journalTotalsReport } from './uplink/totals';
export { createDeviceKey, deviceSigner, type DeviceKeyPair } from './uplink/device-key';
export { fullJitterDelay, backoffWindow, DEFAULT_BACKOFF, type BackoffOptions } from './uplink/backoff';
export {
  assertHubEndpoint,
  describeTlsFailure,
  fetchPinnedCertificate,
  hubEndpointProblem,
  hubJsonRequest,
  HubTrustError,
  isLoopbackHost,
  normalizePin,
  tlsOptionsFor,
  type HubEndpoint,
} from './transport/hub-endpoint';
