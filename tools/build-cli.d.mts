// Types for tools/build-cli.mjs (plain ESM so bin/tillstream.mjs can use it without tsx).
export const CLI_DIST: string;
export const CLI_MANIFEST: string;
export function buildCli(outDir?: string): Promise<{ files: number }>;
export function cliBundleFresh(dir?: string): boolean;
