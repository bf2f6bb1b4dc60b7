// The register's software updates: the policy (when an update may install), the controller
// (electron-updater wired to it), the hub's feed (pinned TLS, the terminal's credential) and
// the boot guard (a failed start rolls back). No Electron here: main.ts connects them.
export { decideUpdate, insideWindow, minutesOf, HHMM_RE, type DeferReason, type UpdateDecision, type UpdatePolicyOptions, type UpdateState, type UpdateWindow } from './policy';
export { createUpdateController, type AutoUpdaterLike, type UpdateController, type UpdateControllerOptions, type UpdateInfoLike } from './controller';
export { attachHubFeed, hubFeedUrl, HubHttpExecutor, type HubFeed, type HubFeedTarget } from './hub-feed';
export { BootGuard, type BootGuardOptions, type RollbackResult, type StartDecision, type UpdateReport } from './boot-guard';
export { registerUpdateState } from './register-state';
export { sendUpdateReports } from './reports';
