// Types for tools/prerequisites.mjs (plain ESM so it runs before npm ci).
export interface Prerequisite {
  name: string;
  apt: string;
  brew: string | null;
  need: 'test' | 'build' | 'runtime' | 'optional';
  find: { command?: string; chromium?: boolean; file?: string[]; env?: string } | null;
  why: string;
}
export const PREREQUISITES: Prerequisite[];
export function which(name: string, env?: NodeJS.ProcessEnv): string | null;
export function findChromium(env?: NodeJS.ProcessEnv): { path: string; problem?: undefined } | { path?: undefined; problem: string };
export function chromiumPath(env?: NodeJS.ProcessEnv): string;
export function missingPrerequisites(env?: NodeJS.ProcessEnv, needs?: Prerequisite['need'][]): Array<Prerequisite & { problem: string }>;
export function installCommand(aptPackages: string[], platform?: string): string;
export function report(missing: Array<Prerequisite & { problem: string }>, platform?: string): string;
