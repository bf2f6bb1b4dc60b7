import { parseArgs } from 'node:util';
import { runSoak } from '../../src/hub/testing/soak';

// npm run soak -- --minutes 10 --faults 1000 [--registers 8] [--stores 2] [--seed N]
// Uses Postgres when DATABASE_URL is set, else PGlite. Exits 1 when any invariant fails.
const { values } = parseArgs({
  options: {
    minutes: { type: 'string' },
    faults: { type: 'string', default: '1000' },
    registers: { type: 'string', default: '8' },
    stores: { type: 'string', default: '2' },
    seed: { type: 'string' },
  },
});
const report = await runSoak({
  databaseUrl: process.env.DATABASE_URL,
  faults: Number(values.faults),
  minutes: values.minutes ? Number(values.minutes) : undefined,
  registers: Number(values.registers),
  stores: Number(values.stores),
  seed: values.seed ? Number(values.seed) : undefined,
  log: (l) => console.log(l),
});
const ok = report.lost === 0 && report.doubled === 0 && report.rejected === 0 && report.balanced && report.stockMismatches.length === 0 && report.caughtUp && report.ledgerEntries === report.sales;
console.log(
  `soak (${report.backend}, seed ${report.seed}): ${report.faultsTotal} faults ${JSON.stringify(report.faults)} in ${(report.elapsedMs / 1000).toFixed(1)} s; ` +
    `${report.sales} sales, ${report.appliedEvents} applied, lost ${report.lost}, doubled ${report.doubled}, rejected ${report.rejected}; ` +
    `ledger entries ${report.ledgerEntries}, trial balance ${report.balanced ? 'zero' : 'NOT ZERO'}, stock ${report.stockMismatches.length ? report.stockMismatches.join('; ') : 'equal to movements'}; ` +
    `hub restarts ${report.hubRestarts}, backends terminated ${report.backendsTerminated}, drained in ${report.drainMs} ms; session errors ${JSON.stringify(report.sessionErrors)} — ${ok ? 'PASS' : 'FAIL'} (replay: --seed ${report.seed})`,
);
process.exitCode = ok ? 0 : 1;
