import type { Reporter, TestModule } from 'vitest/node';

// Prints one plain closing line ("tests: N passed, N failed, N skipped") after Vitest's own
// summary, so CI logs that only understand that form can count the run. Before it, the files
// that took longest (import + tests), because a CI log keeps only its tail and the suite's
// time is what we budget.
const SLOWEST_SHOWN = 15;

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const times: Array<[string, number]> = [];
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) failed++;
      const d = mod.diagnostic();
      times.push([mod.relativeModuleId, d.collectDuration + d.setupDuration + d.duration]);
    }
    times.sort((a, b) => b[1] - a[1]);
    const total = times.reduce((s, [, ms]) => s + ms, 0);
    const lines = times.slice(0, SLOWEST_SHOWN).map(([file, ms]) => `  ${(ms / 1000).toFixed(1).padStart(6)} s  ${file}`);
    process.stdout.write(`\nslowest test files (of ${(total / 1000).toFixed(0)} s in ${times.length} files):\n${lines.join('\n')}\n`);
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
