import type { UpdateInfo } from 'builder-util-runtime';
import { decideUpdate, type UpdateDecision, type UpdatePolicyOptions, type UpdateState } from './policy';

// Wires electron-updater to the update policy. Typed against the part of electron-updater's
// AppUpdater we use, so the policy is tested with a fake and the feed end to end with the real
// updater in Node (tests/hub/register-updates.test.ts); main.ts passes the real `autoUpdater`.
//
// electron-updater's own install-on-quit is switched off (autoInstallOnAppQuit = false): its
// quit handler is only registered if that flag is true at the moment the download completes,
// and it would install without asking us. Instead the shell's quit sequence asks
// `decideAtQuit()` while the journal is still open, closes the register, then calls
// `install()`: the installer starts only after the journal is closed.
//
// Following the hub: the hub's feed names the version this terminal should run (its channel's
// stage, a store pin, a rollback), so a version older than the running one is installed too
// (allowDowngrade). With a plain update server (`follow: 'newer'`) only newer versions are.
// A version that failed to start on this terminal (the boot guard's list) is never taken again.

export type UpdateInfoLike = Pick<UpdateInfo, 'version'>;

export interface AutoUpdaterLike {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  allowDowngrade: boolean;
  allowPrerelease: boolean;
  isUpdateSupported: (info: UpdateInfo) => boolean | Promise<boolean>;
  on(event: 'update-downloaded', listener: (info: { version: string }) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  checkForUpdates(): Promise<unknown>;
  /** BaseUpdater.install: starts the installer (it does not quit the app); false when it could not. */
  install(isSilent?: boolean, isForceRunAfter?: boolean): boolean;
  setFeedURL(options: { provider: 'generic'; url: string }): void;
}

export interface UpdateControllerOptions extends UpdatePolicyOptions {
  updater: AutoUpdaterLike;
  /** Current register state, read fresh each time (journal counts, open cart, open shift). */
  state: () => Omit<UpdateState, 'downloaded' | 'minuteOfDay'>;
  /** 'hub': the feed names the version to run, older included; 'newer': only upgrades. Default 'newer'. */
  follow?: 'hub' | 'newer';
  /** Versions that failed to start here (boot guard): refused even when the feed offers them. */
  refused?: () => readonly string[];
  /** Called right before the installer starts (the boot guard records what to roll back to). Throwing cancels the install. */
  beforeInstall?: (version: string) => void;
  /** Called if the installer could not be started after beforeInstall. */
  installFailed?: (version: string) => void;
  /**
   * With an update window: called once when the policy first says install, so the shell quits
   * (and installs) at that quiet moment instead of waiting for the next restart.
   */
  requestQuit?: () => void;
  /** The terminal's clock (tests pass a fixed one). */
  now?: () => Date;
  log?: (msg: string) => void;
  /** Called whenever the decision changes (e.g. to show "update ready after sync"). */
  onDecision?: (d: UpdateDecision) => void;
  /** A plain update server, when it differs from the one built into the installer (https only). */
  feedUrl?: string;
}

export interface UpdateController {
  /** The decision now (reads the register state). */
  evaluate(): UpdateDecision;
  /** Call on every sync status / sale / shift change. */
  onStatusChange(): void;
  check(): Promise<void>;
  /** The shell's quit sequence, journal still open: will an update be installed once the register is closed? */
  decideAtQuit(): boolean;
  /** After the register is closed: starts the installer if decideAtQuit() said so. True when it started. */
  install(): boolean;
  downloadedVersion(): string | null;
}

export function createUpdateController(opts: UpdateControllerOptions): UpdateController {
  const { updater } = opts;
  const log = opts.log ?? (() => {});
  const now = opts.now ?? (() => new Date());
  updater.autoDownload = true;
  updater.autoInstallOnAppQuit = false;
  updater.allowDowngrade = opts.follow === 'hub';
  updater.allowPrerelease = false;
  const refused = opts.refused ?? (() => []);
  updater.isUpdateSupported = (info) => {
    if (refused().includes(info?.version)) {
      log(`update ${String(info?.version).slice(0, 64)}: refused (it failed to start on this terminal before)`);
      return false;
    }
    return true;
  };
  if (opts.feedUrl) {
    if (!opts.feedUrl.startsWith('https://')) throw new Error('update feed URL must be https://');
    updater.setFeedURL({ provider: 'generic', url: opts.feedUrl });
  }
  let downloaded: string | null = null;
  let last: string | null = null;
  let decided: string | null = null;
  let installed = false;
  let quitRequested = false;

  const evaluate = (): UpdateDecision => {
    let state: Omit<UpdateState, 'downloaded' | 'minuteOfDay'> | null = null;
    try {
      state = opts.state();
    } catch (err) {
      log(`update: register state unreadable: ${err instanceof Error ? err.message : String(err)}`);
    }
    const t = now();
    const d = state ? decideUpdate({ ...state, downloaded: downloaded !== null, minuteOfDay: t.getHours() * 60 + t.getMinutes() }, opts) : decideUpdate(null as unknown as UpdateState);
    const key = d.action === 'install' ? 'install' : d.reason;
    if (key !== last) {
      last = key;
      log(d.action === 'install' ? `update ${downloaded}: ready to install` : `update: deferred (${d.reason}): ${d.message}`);
      opts.onDecision?.(d);
    }
    // A quiet moment inside the store's window: install now rather than at the next restart.
    if (d.action === 'install' && opts.window && opts.requestQuit && !quitRequested && !installed) {
      quitRequested = true;
      log(`update ${downloaded}: inside the update window with nothing open; restarting to install`);
      opts.requestQuit();
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
    decideAtQuit() {
      decided = null;
      if (installed) return false;
      if (evaluate().action !== 'install') return false;
      decided = downloaded;
      return true;
    },
    install() {
      const version = decided;
      decided = null;
      if (installed || version === null) return false;
      try {
        opts.beforeInstall?.(version);
      } catch (err) {
        log(`update ${version}: not installed: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      }
      installed = true;
      // Silent install, then start the register again.
      const ok = updater.install(true, true);
      if (!ok) {
        installed = false;
        log(`update ${version}: the installer could not be started`);
        opts.installFailed?.(version);
      }
      return ok;
    },
    downloadedVersion: () => downloaded,
  };
}
