import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Runs Doyensec's electronegativity on the Electron shell. Its CLI does not start in this
// repository (its bin is not executable, and it gets the hoisted commander 14 instead of the
// commander it was written for: "commander.version is not a function"), so this calls its
// runner directly with the same options the CLI would pass.
// Run: node bin/run-ts.mjs src/main/electron/security-scan.ts [-i dir] [-o out.csv]

const require = createRequire(import.meta.url);

export interface ScanIssue {
  id: string;
  file: string;
  line: number;
  severity: string;
  confidence: string;
  manualReview: boolean;
  description: string;
}

export interface ScanResult {
  issues: ScanIssue[];
  /** Files the tool could not parse. */
  errors: { file: string; message: string; tolerable: boolean }[];
  checks: number;
}

/**
 * AvailableSecurityFixesGlobalCheck downloads Electron's release list from the internet; it is
 * left out so the scan works offline (CI, terminals). Electron's version is pinned in
 * package.json and updated on purpose.
 */
export const OFFLINE_EXCLUDES = ['AvailableSecurityFixesGlobalCheck'];

interface RawIssue {
  id: string;
  file: string;
  location: { line: number };
  severity: { name: string };
  confidence: { name: string };
  manualReview: boolean;
  description: string;
}

export async function scanElectron(input: string, opts: { output?: string; electronVersion?: string } = {}): Promise<ScanResult> {
  const base = path.dirname(require.resolve('@doyensec/electronegativity/package.json'));
  // The runner sets up its own messages (and tries to fetch translations from GitHub with a
  // one-second time-out; offline that only prints a notice).
  const runner = require(path.join(base, 'dist/runner.js')) as (o: Record<string, unknown>, forCli: boolean) => Promise<{ issues: RawIssue[]; errors: ScanResult['errors']; atomicChecks: number; globalChecks: number }>;
  const electronVersion = opts.electronVersion ?? (require('electron/package.json') as { version: string }).version;
  const r = await runner(
    {
      input: path.resolve(input),
      output: opts.output,
      isSarif: opts.output?.endsWith('.sarif') ?? false,
      customScan: [],
      excludeFromScan: OFFLINE_EXCLUDES,
      severitySet: undefined,
      confidenceSet: undefined,
      isRelative: true,
      isVerbose: false,
      electronUpgrade: undefined,
      electronVersionOverride: electronVersion,
      parserPlugins: [],
    },
    false,
  );
  return {
    checks: r.atomicChecks + r.globalChecks,
    errors: r.errors.map((e) => ({ file: String(e.file), message: String(e.message), tolerable: !!e.tolerable })),
    issues: r.issues.map((i) => ({
      id: i.id,
      file: i.file,
      line: i.location?.line ?? 0,
      severity: i.severity?.name ?? '?',
      confidence: i.confidence?.name ?? '?',
      manualReview: !!i.manualReview,
      description: i.description,
    })),
  };
}

export interface AllowEntry {
  id: string;
  file: string;
  reason: string;
}

/** Issues not covered by the allow-list, and allow-list entries that no longer match anything. */
export function compareWithAllowList(issues: readonly ScanIssue[], allow: readonly AllowEntry[]): { unexpected: ScanIssue[]; stale: AllowEntry[] } {
  const key = (id: string, file: string) => `${id}@${file}`;
  const allowed = new Set(allow.map((a) => key(a.id, a.file)));
  const seen = new Set(issues.map((i) => key(i.id, i.file)));
  return {
    unexpected: issues.filter((i) => !allowed.has(key(i.id, i.file))),
    stale: allow.filter((a) => !seen.has(key(a.id, a.file))),
  };
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const argv = process.argv.slice(2);
  const input = argValue(argv, '-i') ?? path.dirname(fileURLToPath(import.meta.url));
  scanElectron(input, { output: argValue(argv, '-o') })
    .then((r) => {
      for (const e of r.errors) console.error(`parse error ${e.file}: ${e.message}`);
      for (const i of r.issues) console.log(`${i.id}\t${i.severity}/${i.confidence}${i.manualReview ? ' (review)' : ''}\t${i.file}:${i.line}\t${i.description}`);
      console.log(`${r.issues.length} finding(s), ${r.checks} checks`);
    })
    .catch((err) => {
      console.error(err instanceof Error ? err.stack : String(err));
      process.exitCode = 1;
    });
}
