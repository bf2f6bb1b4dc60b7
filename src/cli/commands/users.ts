import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { userInfo } from 'node:os';
import { openHubDb, withDbOptions, type DbOpts } from './ledger';
import { createUser, type Role } from '../../hub/auth';
import { ROLES } from '../../core/access';
import { listUsers, setPassword, updateUser, USER_ID_RE } from '../../hub/users';
import { checkPasswordPolicy } from '../../hub/passwords';

// `tillstream users …`: the people who sign in to the HQ console, managed in the hub's
// database directly (Postgres, or the PGlite folder of a stopped hub), so the first admin can
// be made before anyone can sign in. The console's Users page does the same over the API.

/** A password from standard input (its first line), or typed twice at a terminal without echo. */
async function readPassword(o: { passwordStdin?: boolean }): Promise<string> {
  if (o.passwordStdin || !process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) {
      text += String(chunk);
      if (text.length > 4096) break;
    }
    const line = text.split(/\r?\n/)[0] ?? '';
    checkPasswordPolicy(line);
    return line;
  }
  const ask = (prompt: string) =>
    new Promise<string>((resolve) => {
      process.stderr.write(prompt);
      const muted = new Writable({ write: (_c, _e, cb) => cb() });
      const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
      rl.question('', (answer) => {
        rl.close();
        process.stderr.write('\n');
        resolve(answer);
      });
    });
  const a = await ask('New password: ');
  checkPasswordPolicy(a);
  if ((await ask('Again: ')) !== a) throw new Error('the two passwords differ');
  return a;
}

async function withDb<T>(o: DbOpts, fn: (db: Awaited<ReturnType<typeof openHubDb>>) => Promise<T>): Promise<T> {
  const db = await openHubDb(o);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

function fail(e: unknown): void {
  process.stderr.write(`${(e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ')}\n`);
  process.exitCode = 1;
}

function userId(v: string): string {
  if (!USER_ID_RE.test(v)) throw new Error(`user name "${v}": 1-64 of letters, digits, . _ @ -`);
  return v;
}

export function register(program: Command): void {
  const users = program.command('users').description('People who sign in to the HQ console: add, list, disable, set passwords (the hub database)');

  withDbOptions(users.command('add <user>').description('Add a user with a password (asked at a terminal, or the first line of standard input)'))
    .requiredOption('--role <role>', ROLES.join(' | '))
    .option('--name <name>', 'full name (default: the user name)')
    .option('--stores <ids>', 'store_manager: the stores they manage, comma-separated')
    .option('--password-stdin', 'read the password from standard input')
    .option('--token', 'also make an API token for scripts (printed once)')
    .option('--json', 'print JSON')
    .action(async (user: string, o: DbOpts & { role: string; name?: string; stores?: string; passwordStdin?: boolean; token?: boolean; json?: boolean }) => {
      try {
        if (!ROLES.includes(o.role as Role)) throw new Error(`--role: one of ${ROLES.join(', ')}, got ${o.role}`);
        const stores = (o.stores ?? '').split(',').map((s) => s.trim()).filter(Boolean);
        if (o.role === 'store_manager' && !stores.length) throw new Error('--stores: a store_manager needs at least one store');
        const password = await readPassword(o);
        const r = await withDb(o, (db) => createUser(db, { user_id: userId(user), name: o.name ?? user, role: o.role as Role, store_ids: stores, password, token: o.token === true }));
        if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else process.stdout.write(`Added ${r.user_id} (${o.role}${stores.length ? `: ${stores.join(', ')}` : ''})${r.token ? `\nAPI token (shown once): ${r.token}` : ''}\n`);
      } catch (e) {
        fail(e);
      }
    });

  withDbOptions(users.command('list').description('Every user: role, stores, password set, disabled, live tokens and sessions'))
    .option('--json', 'print JSON')
    .action(async (o: DbOpts & { json?: boolean }) => {
      try {
        const rows = await withDb(o, (db) => listUsers(db));
        if (o.json) {
          process.stdout.write(`${JSON.stringify({ users: rows })}\n`);
          return;
        }
        const w = Math.max(4, ...rows.map((r) => r.user_id.length));
        process.stdout.write(`${'user'.padEnd(w)}  ${'role'.padEnd(13)}  ${'state'.padEnd(8)}  password  tokens  sessions  stores\n`);
        for (const r of rows) {
          process.stdout.write(
            `${r.user_id.padEnd(w)}  ${r.role.padEnd(13)}  ${(r.disabled ? 'disabled' : 'enabled').padEnd(8)}  ${(r.has_password ? 'set' : '-').padEnd(8)}  ${String(r.tokens).padStart(6)}  ${String(r.sessions).padStart(8)}  ${r.store_ids.join(',') || (r.role === 'store_manager' ? '-' : 'all')}\n`,
          );
        }
      } catch (e) {
        fail(e);
      }
    });

  withDbOptions(users.command('disable <user>').description('Disable a user: their password, sessions and API tokens are refused (--enable undoes it)'))
    .option('--enable', 'enable the user again')
    .option('--by <user>', 'who does it (default: TILLSTREAM_USER or the login name)')
    .action(async (user: string, o: DbOpts & { enable?: boolean; by?: string }) => {
      try {
        const by = o.by ?? process.env.TILLSTREAM_USER ?? userInfo().username;
        const r = await withDb(o, (db) => updateUser(db, userId(user), { disabled: !o.enable }, `cli:${by}`));
        process.stdout.write(`${r.user.user_id} ${r.user.disabled ? 'disabled' : 'enabled'}\n`);
      } catch (e) {
        fail(e);
      }
    });

  withDbOptions(users.command('passwd <user>').description("Set a user's password (asked at a terminal, or the first line of standard input); ends their sessions"))
    .option('--password-stdin', 'read the password from standard input')
    .action(async (user: string, o: DbOpts & { passwordStdin?: boolean }) => {
      try {
        const password = await readPassword(o);
        const r = await withDb(o, (db) => setPassword(db, userId(user), password));
        process.stdout.write(`Password of ${user} set; ${r.dropped.length} session(s) ended\n`);
      } catch (e) {
        fail(e);
      }
    });
}
