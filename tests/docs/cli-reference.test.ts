import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { cliReference } from '../../tools/cli-reference';

// docs/cli.md is generated from the commands; a command changed without regenerating the
// page fails here. Fix: node bin/run-ts.mjs tools/cli-reference.ts > docs/cli.md
describe('docs/cli.md', () => {
  it('matches the commands the CLI registers', () => {
    expect(readFileSync('docs/cli.md', 'utf8')).toBe(cliReference());
  });
});
