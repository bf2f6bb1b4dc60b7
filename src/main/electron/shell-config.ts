import { statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { HHMM_RE } from '../updates';
import { parseRegisterConfig, readRegisterConfigFile, resolveConfigPaths, type RegisterConfig } from '../register/config';

// The Electron shell reads the same register config file as the rest of the register. The
// shell's own settings live in an optional `shell` block of that file (the register's schema
// ignores unknown keys), validated here:
//   "shell": { "window": { "mode": "kiosk" }, "updates": { "require_closed_shift": true } }

export const shellConfigSchema = z
  .object({
    window: z
      .object({
        mode: z.enum(['kiosk', 'fullscreen', 'windowed']).default('kiosk'),
        width: z.number().int().min(800).max(7680).default(1280),
        height: z.number().int().min(600).max(4320).default(800),
        /** Developer tools (never in kiosk mode). */
        devtools: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    updates: z
      .object({
        enabled: z.boolean().default(true),
        check_interval_minutes: z.number().int().min(5).max(24 * 60).default(60),
        require_closed_shift: z.boolean().default(false),
        /**
         * A plain update server instead of the hub (upgrades only). Without it, an enrolled
         * register reads its hub's feed with its own credential and follows it both ways
         * (stages, pins, rollbacks). HTTPS only.
         */
        url: z.string().url().max(500).refine((u) => u.startsWith('https://'), 'must be an https:// URL').optional(),
        /** Install only in the store's quiet hours (terminal's clock, 'HH:MM'); then without waiting for a restart. */
        window: z.object({ from: z.string().regex(HHMM_RE, "'HH:MM'"), to: z.string().regex(HHMM_RE, "'HH:MM'") }).strict().optional(),
        /** A new version that is not ready (journal open, window shown) within this is rolled back. */
        ready_timeout_seconds: z.number().int().min(30).max(900).default(120),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type ShellConfig = z.infer<typeof shellConfigSchema>;

export interface LoadedConfig {
  file: string;
  register: RegisterConfig;
  shell: ShellConfig;
}

/**
 * Where the config file is: `--config <file>` / `--config=<file>`, else $TILLSTREAM_CONFIG,
 * else `register.json` in the app's user-data folder.
 */
export function resolveConfigPath(argv: readonly string[], env: Record<string, string | undefined>, userDataDir: string): string {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config' && argv[i + 1]) return path.resolve(argv[i + 1]!);
    if (a.startsWith('--config=') && a.length > '--config='.length) return path.resolve(a.slice('--config='.length));
  }
  if (env.TILLSTREAM_CONFIG) return path.resolve(env.TILLSTREAM_CONFIG);
  return path.join(userDataDir, 'register.json');
}

/** Parses the config object; relative paths (journal, receipt folder) are taken from the config file's folder, not the process's cwd. */
export function parseShellConfig(raw: unknown, file: string): LoadedConfig {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`register config ${file}: must be a JSON object`);
  const { shell, ...rest } = raw as Record<string, unknown>;
  const s = shellConfigSchema.safeParse(shell ?? {});
  if (!s.success) {
    const msg = s.error.issues.slice(0, 5).map((i) => `shell.${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`register config ${file}: ${msg}`);
  }
  const register = resolveConfigPaths(parseRegisterConfig(rest), file);
  return { file, register, shell: s.data };
}

/**
 * The config holds the register's hub credential: on Linux it should be readable by the
 * register's user only (chmod 600). Returns a warning for the log, or null.
 */
export function credentialFileWarning(file: string, mode: number, platform: string, hasCredential: boolean): string | null {
  if (platform === 'win32' || !hasCredential) return null;
  if ((mode & 0o077) === 0) return null;
  return `register config ${file} holds the hub credential but is readable by others (mode ${(mode & 0o777).toString(8)}); run: chmod 600 '${file}'`;
}

export function loadShellConfig(file: string): LoadedConfig & { warnings: string[] } {
  const notes: string[] = [];
  // The old `devices` block is migrated to the drivers' format once (register/config.ts).
  const raw = readRegisterConfigFile(file, (m) => notes.push(m));
  const loaded = parseShellConfig(raw, file);
  const w = credentialFileWarning(file, statSync(file).mode, process.platform, loaded.register.hub !== null);
  return { ...loaded, warnings: [...notes, ...(w ? [w] : [])] };
}
