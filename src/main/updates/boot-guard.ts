import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

// A failed start after an update rolls back to the previous version. Before the installer
// starts, the guard records the update as pending (from, to) in a small JSON file beside the
// register's data, with what it needs to go back (on Linux: a copy of the running AppImage).
// Each start of the new version counts an attempt; reaching "ready" (the register opened its
// journal and showed its window) clears the pending update. If the new version does not reach
// ready within a bound, or crashes before it more than `maxAttempts` times (the kiosk's
// supervisor, systemd or Shell Launcher, restarts it each time), the guard puts the previous
// version back, starts it, remembers the failed version (the updater refuses it from then on)
// and queues a report that the register sends to the hub (HQ sees it in `updates status`).
//
// Plain Node and a file: no Electron, so it is tested for real (src/main/updates/boot-guard.test.ts
// and tests/hub/register-updates.test.ts run the rollback with real files and processes).

/** Failed versions and unsent reports kept: the newest 20. */
const MAX_LIST = 20;
const VERSION = z.string().regex(/^\d{1,5}\.\d{1,5}\.\d{1,5}(-[0-9A-Za-z.-]{1,40})?$/);
const rollbackPlan = z.object({ kind: z.literal('appimage'), kept: z.string().min(1).max(4096) }).strict();
const reportSchema = z
  .object({
    version: VERSION,
    from_version: VERSION.nullable(),
    outcome: z.enum(['installed', 'failed_start', 'not_installed']),
    detail: z.string().max(500),
    at: z.string().max(40),
  })
  .strict();
export type UpdateReport = z.infer<typeof reportSchema>;
const stateSchema = z
  .object({
    pending: z.object({ from: VERSION, to: VERSION, attempts: z.number().int().min(0).max(1000), rollback: rollbackPlan.nullable() }).strict().nullable(),
    failed: z.array(z.object({ version: VERSION, at: z.string().max(40), reason: z.string().max(500) }).strict()).max(MAX_LIST),
    reports: z.array(reportSchema).max(MAX_LIST),
  })
  .strict();
type GuardState = z.infer<typeof stateSchema>;

export type StartDecision =
  | { action: 'run'; report?: UpdateReport }
  | { action: 'watch'; deadlineMs: number; attempt: number }
  | { action: 'rollback'; reason: string };

export interface RollbackResult {
  started: boolean;
  message: string;
}

export interface BootGuardOptions {
  /** The guard's state file (e.g. <userData>/update-guard.json). */
  file: string;
  /** Where the previous version's AppImage is kept (e.g. <userData>/previous). */
  keepDir: string;
  /** Starts of the new version that may end before ready; one more is a rollback. Default 2. */
  maxAttempts?: number;
  /** How long a start may take to reach ready. Default 120 s. */
  readyTimeoutMs?: number;
  now?: () => Date;
  log?: (msg: string) => void;
  /** Starts a program detached (tests observe it); default child_process.spawn, detached, no stdio. */
  start?: (file: string, env: Record<string, string | undefined>) => void;
}

const EMPTY: GuardState = { pending: null, failed: [], reports: [] };

export class BootGuard {
  private readonly maxAttempts: number;
  private readonly readyTimeoutMs: number;
  private readonly now: () => Date;
  private readonly log: (msg: string) => void;

  constructor(private readonly opts: BootGuardOptions) {
    this.maxAttempts = opts.maxAttempts ?? 2;
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 120_000;
    this.now = opts.now ?? (() => new Date());
    this.log = opts.log ?? (() => {});
  }

  /** The state on disk; a missing or damaged file is an empty state (logged), never a crash at start. */
  private read(): GuardState {
    if (!existsSync(this.opts.file)) return { ...EMPTY, failed: [], reports: [] };
    try {
      return stateSchema.parse(JSON.parse(readFileSync(this.opts.file, 'utf8')));
    } catch (err) {
      this.log(`update guard: ${this.opts.file} unreadable (${err instanceof Error ? err.message.slice(0, 200) : String(err)}); starting from an empty state`);
      return { ...EMPTY, failed: [], reports: [] };
    }
  }

  /** Written whole to a temporary file and renamed: a crash mid-write leaves the old state. */
  private write(s: GuardState): void {
    mkdirSync(path.dirname(this.opts.file), { recursive: true });
    const tmp = `${this.opts.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(s));
    renameSync(tmp, this.opts.file);
  }

  private report(s: GuardState, r: Omit<UpdateReport, 'at'>): UpdateReport {
    const full = { ...r, detail: r.detail.slice(0, 500), at: this.now().toISOString() };
    s.reports = [...s.reports, full].slice(-MAX_LIST);
    return full;
  }

  /**
   * Right before the installer starts. `appImage`: the running AppImage ($APPIMAGE), copied so
   * the previous version can be put back; without it (Windows, deb) the failure is still
   * detected, recorded and reported, but the previous version cannot be started by the guard.
   */
  prepareInstall(o: { from: string; to: string; appImage?: string }): void {
    VERSION.parse(o.from);
    VERSION.parse(o.to);
    let plan: z.infer<typeof rollbackPlan> | null = null;
    if (o.appImage) {
      mkdirSync(this.opts.keepDir, { recursive: true });
      const kept = path.join(this.opts.keepDir, `${o.from}.AppImage`);
      // One previous version is enough: the older copies go.
      for (const f of readdirSync(this.opts.keepDir)) if (f !== path.basename(kept)) rmSync(path.join(this.opts.keepDir, f), { force: true });
      copyFileSync(o.appImage, `${kept}.tmp`);
      renameSync(`${kept}.tmp`, kept);
      plan = { kind: 'appimage', kept };
    }
    const s = this.read();
    s.pending = { from: o.from, to: o.to, attempts: 0, rollback: plan };
    this.write(s);
    this.log(`update guard: installing ${o.to} over ${o.from}${plan ? ` (previous version kept at ${plan.kept})` : ' (no copy of the previous version on this platform)'}`);
  }

  /** The installer could not be started: nothing is pending any more. */
  abandon(): void {
    const s = this.read();
    if (!s.pending) return;
    s.pending = null;
    this.write(s);
  }

  /** First thing at every start, before the register opens its journal. */
  onStart(version: string): StartDecision {
    const s = this.read();
    const p = s.pending;
    if (!p) return { action: 'run' };
    if (p.to === version) {
      p.attempts += 1;
      this.write(s);
      if (p.attempts > this.maxAttempts) return { action: 'rollback', reason: `version ${version} ended before it was ready ${p.attempts - 1} time${p.attempts === 2 ? '' : 's'}` };
      return { action: 'watch', deadlineMs: this.readyTimeoutMs, attempt: p.attempts };
    }
    // Another version runs: the installer did not replace the old one (cancelled, failed), or
    // something else installed a version by hand. Nothing to guard any more.
    s.pending = null;
    const report = p.from === version ? this.report(s, { version: p.to, from_version: p.from, outcome: 'not_installed', detail: `the installer did not replace ${p.from}` }) : undefined;
    this.write(s);
    return { action: 'run', ...(report ? { report } : {}) };
  }

  /** The register reached ready on `version`: the update took. */
  markReady(version: string): UpdateReport | null {
    const s = this.read();
    if (!s.pending || s.pending.to !== version) return null;
    const r = this.report(s, { version, from_version: s.pending.from, outcome: 'installed', detail: `ready after ${s.pending.attempts} start${s.pending.attempts === 1 ? '' : 's'}` });
    s.pending = null;
    this.write(s);
    return r;
  }

  /**
   * Puts the previous version back and starts it. `running`: the file of the version that
   * failed ($APPIMAGE of this process), replaced in place so the supervisor's command line
   * starts the previous version from now on. The caller exits right after.
   */
  rollback(reason: string, running?: string): RollbackResult {
    const s = this.read();
    const p = s.pending;
    if (!p) return { started: false, message: 'nothing to roll back: no update is pending' };
    s.failed = [...s.failed.filter((f) => f.version !== p.to), { version: p.to, at: this.now().toISOString(), reason: reason.slice(0, 500) }].slice(-MAX_LIST);
    s.pending = null;
    let result: RollbackResult;
    if (p.rollback?.kind === 'appimage' && running && existsSync(p.rollback.kept)) {
      const tmp = `${running}.rollback`;
      copyFileSync(p.rollback.kept, tmp);
      chmodSync(tmp, 0o755);
      renameSync(tmp, running);
      result = { started: true, message: `rolled back from ${p.to} to ${p.from}: ${reason}` };
    } else {
      result = { started: false, message: `${p.to} failed (${reason}); no copy of ${p.from} on this terminal to start (${p.rollback ? 'the kept copy is gone' : 'not an AppImage'}): reinstall ${p.from} or let the hub's feed offer it` };
    }
    this.report(s, { version: p.to, from_version: p.from, outcome: 'failed_start', detail: result.message });
    // Written before the previous version starts: it must find the failure recorded, not pending.
    this.write(s);
    this.log(`update guard: ${result.message}`);
    if (result.started && running) {
      const start = this.opts.start ?? ((file, env) => spawn(file, [], { detached: true, stdio: 'ignore', env }).unref());
      start(running, { ...process.env, TILLSTREAM_ROLLED_BACK_FROM: p.to });
    }
    return result;
  }

  /**
   * What the shell runs at start: `onStart`, then, for a freshly installed version, a timer that
   * rolls back (and exits) if `ready()` is not called in time. `running`: this process's
   * AppImage ($APPIMAGE), replaced by the previous version on rollback.
   */
  supervise(version: string, o: { running?: string; exit: (code: number, message: string) => void }): { decision: StartDecision; ready: () => UpdateReport | null } {
    const decision = this.onStart(version);
    let timer: ReturnType<typeof setTimeout> | null = null;
    let done = false;
    const fail = (reason: string) => {
      if (done) return;
      done = true;
      const r = this.rollback(reason, o.running);
      o.exit(r.started ? 0 : 1, r.message);
    };
    if (decision.action === 'rollback') fail(decision.reason);
    else if (decision.action === 'watch') {
      const bound = decision.deadlineMs >= 1000 ? `${Math.round(decision.deadlineMs / 1000)} s` : `${decision.deadlineMs} ms`;
      this.log(`update guard: ${version} started (attempt ${decision.attempt}); it must be ready within ${bound}`);
      timer = setTimeout(() => fail(`version ${version} did not reach ready within ${bound}`), decision.deadlineMs);
    }
    return {
      decision,
      ready: () => {
        if (timer) clearTimeout(timer);
        timer = null;
        if (done) return null;
        done = true;
        return this.markReady(version);
      },
    };
  }

  /** Versions that failed to start here: the updater never takes them again. */
  refused(): string[] {
    return this.read().failed.map((f) => f.version);
  }

  /** Reports not yet accepted by the hub, oldest first. */
  pendingReports(): UpdateReport[] {
    return this.read().reports;
  }

  /** The hub took these reports (matched by time and version): they leave the queue. */
  reportsSent(sent: readonly UpdateReport[]): void {
    const s = this.read();
    const key = (r: UpdateReport) => `${r.at}|${r.version}|${r.outcome}`;
    const done = new Set(sent.map(key));
    s.reports = s.reports.filter((r) => !done.has(key(r)));
    this.write(s);
  }
}
