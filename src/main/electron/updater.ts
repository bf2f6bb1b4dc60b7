import { decideUpdate, type UpdateDecision, type UpdatePolicyOptions, type UpdateState } from './update-policy';

// Wires electron-updater to the update policy. Typed against the part of electron-updater's
// AppUpdater we use, so it is tested with a fake; main.ts passes the real `autoUpdater`.
//
// electron-updater's own install-on-quit is switched off (autoInstallOnAppQuit = false): its
// quit handler is only registered if that flag is true at the moment the download completes,
// and it would install without asking us. Instead the shell's quit sequence calls
// `installOnQuit()`, which re-reads the register state and installs only when the policy says so.

export interface AutoUpdaterLike {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  allowDowngrade: boolean;
  allowPrerelease: boolean;
  on(event: 'update-downloaded', listener: (info: { version: string }) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  checkForUpdates(): Promise<unknown>;
  quitAndInstall(isSilent?: boolean, isForceRunAfter?: boolean): void;
  setFeedURL(options: { provider: 'generic'; url: string }): void;
}

export interface UpdateControllerOptions extends UpdatePolicyOptions {
  updater: AutoUpdaterLike;
  /** Current register state, read fresh each time (journal counts, open cart, open shift). */
  state: () => Omit<UpdateState, 'downloaded'>;
  log?: (msg: string) => void;
  /** Called whenever the decision changes (e.g. to show "update ready after sync"). */
  onDecision?: (d: UpdateDecision) => void;
  /** Store IT's update server, when it differs from the one built into the installer. */
  feedUrl?: string;
}

export interface UpdateController {
  /** The decision now (reads the register state). */
  evaluate(): UpdateDecision;
  /** Call on every sync status / sale / shift change. */
  onStatusChange(): void;
  check(): Promise<void>;
  /**
   * Call once from the shell's quit sequence while the journal is still open. Returns true when
   * the update installer was started (it quits the app itself).
   */
  installOnQuit(): boolean;
  downloadedVersion(): string | null;
}

export function createUpdateController(opts: UpdateControllerOptions): UpdateController {
  const { updater } = opts;
  const log = opts.log ?? (() => {});
  updater.autoDownload = true;
  updater.autoInstallOnAppQuit = false;
  updater.allowDowngrade = false;
  updater.allowPrerelease = false;
  if (opts.feedUrl) {
    if (!opts.feedUrl.startsWith('https://')) throw new Error('update feed URL must be https://');
    updater.setFeedURL({ provider: 'generic', url: opts.feedUrl });
  }
  let downloaded: string | null = null;
  let last: string | null = null;
  let installed = false;

  const evaluate = (): UpdateDecision => {
    let state: Omit<UpdateState, 'downloaded'> | null = null;
    try {
      state = opts.state();
    } catch (err) {
      log(`update: register state unreadable: ${err instanceof Error ? err.message : String(err)}`);
    }
    const d = state ? decideUpdate({ ...state, downloaded: downloaded !== null }, opts) : decideUpdate(null as unknown as UpdateState);
    const key = d.action === 'install' ? 'install' : d.reason;
    if (key !== last) {
      last = key;
      log(d.action === 'install' ? `update ${downloaded}: will install on quit` : `update: deferred (${d.reason}): ${d.message}`);
      opts.onDecision?.(d);
    }
    return d;
  };

  updater.on('update-downloaded', (info) => {
    downloaded = typeof info?.version === 'string' ? info.version.slice(0, 64) : 'unknown';
    evaluate();
  });
  updater.on('error', (err) => log(`update: ${err instanceof Error ? err.message : String(err)}`));

  return {
    evaluate,
    onStatusChange: () => void evaluate(),
    async check() {
      try {
        await updater.checkForUpdates();
      } catch (err) {
        log(`update check failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
    installOnQuit() {
      if (installed) return false;
      const d = evaluate();
      if (d.action !== 'install') return false;
      installed = true;
      // Silent install, then start the register again.
      updater.quitAndInstall(true, true);
      return true;
    },
    downloadedVersion: () => downloaded,
  };
}
