export { startHub, type HubOptions, type HubHandle } from './server';
export { openDb, type Db, type Queryable, type OpenDbOptions } from './db/db';
export { migrate } from './db/migrate';
export { loadHubConfig, hubConfigSchema, type HubConfig } from './config';
export { createEnrollmentCode, redeemEnrollmentCode, createUser, revokeCredentials, ensureBootstrapAdmin } from './auth';
export { createStore } from './stores';
export { adjustStock } from './stock';
export { trialBalance, stockLevels } from './ledger-queries';
