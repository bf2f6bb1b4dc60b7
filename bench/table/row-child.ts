// Runs one row of the table in its own process (so one row's heap and sockets do not weigh
// on the next) and prints its result as one `ROW {json}` line for bench/run-all.ts.
// usage: node bin/run-ts.mjs bench/table/row-child.ts <row-id> <tiny|quick|full> [registers]
import { ROWS } from './rows';
import type { Size } from './harness';

const [id, size, registers] = process.argv.slice(2) as [string, Size, string | undefined];
const row = ROWS.find((r) => r.id === id);
if (!row) throw new Error(`no row ${id}; rows: ${ROWS.map((r) => r.id).join(', ')}`);
const n = registers ? Number(registers) : undefined;
const result = await row.run(size, { databaseUrl: process.env.DATABASE_URL }, row.registers === 'scales' && n ? { registers: n } : {});
for (const r of result) process.stdout.write(`ROW ${JSON.stringify(r)}\n`);
process.exit(0);
