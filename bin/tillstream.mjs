#!/usr/bin/env node
// The `tillstream` command. It runs the CLI precompiled at install (dist/cli, see
// tools/build-cli.mjs) while that bundle matches the sources, and otherwise the TypeScript
// sources through tsx, so a clean clone or an edited checkout needs no build step.
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { CLI_DIST, cliBundleFresh } from '../tools/build-cli.mjs';

let main;
// TILLSTREAM_CLI_TSX=1 forces the sources (the start-up benchmark measures both paths).
if (!process.env.TILLSTREAM_CLI_TSX && cliBundleFresh()) {
  ({ main } = await import(pathToFileURL(path.join(CLI_DIST, 'main.mjs')).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
