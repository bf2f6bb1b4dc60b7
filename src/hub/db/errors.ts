// What a database error is, decided from what it says about itself (SQLSTATE, a Node
// socket error code, or the driver's own connection messages), never from what it is not.
// Only a transient fault may be retried or answered UNAVAILABLE: an error we cannot name
// is a bug or bad input, and retrying it would stall a terminal forever.

/** SQLSTATEs that mean "try the same thing again later" (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
const TRANSIENT_SQLSTATE = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57P01', // admin_shutdown (pg_terminate_backend, server stopping)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovery)
  '53300', // too_many_connections
  '53400', // configuration_limit_exceeded
]);

/** Classes of SQLSTATE that are all connection trouble. */
const TRANSIENT_SQLSTATE_CLASS = ['08']; // connection_exception

/** Node socket errors the driver passes through when the server or the network goes away. */
const TRANSIENT_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);

/** node-postgres raises these as plain Errors (no code) when a connection is lost or cannot be had. */
const TRANSIENT_DRIVER_MESSAGES = [
  /Connection terminated/i,
  /Client has encountered a connection error and is not queryable/i,
  /timeout exceeded when trying to connect/i,
  /terminating connection due to administrator command/i,
  /Client was closed and is not queryable/i,
];

/** Lock conflicts, serialization failures, lost connections, server restarts: worth one more try. */
export function isTransientDbError(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (TRANSIENT_SQLSTATE.has(code) || TRANSIENT_SQLSTATE_CLASS.some((c) => code.startsWith(c) && code.length === 5)) return true;
    if (TRANSIENT_NODE_CODES.has(code)) return true;
  }
  const message = (err as { message?: unknown }).message;
  return typeof message === 'string' && TRANSIENT_DRIVER_MESSAGES.some((re) => re.test(message));
}

/** The database refused the statement itself (a constraint, a trigger, bad SQL input): permanent for this input. */
export function isSqlRefusal(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !isTransientDbError(err);
}

/** One short line for logs and acks; never the statement's parameters (they may hold client data). */
export function describeDbError(err: unknown): string {
  if (!(err instanceof Error)) return String(err).slice(0, 300);
  const code = (err as { code?: unknown }).code;
  return `${typeof code === 'string' ? `${code} ` : ''}${err.message}`.slice(0, 300);
}

export interface RetryOptions {
  /** Attempts after the first. */
  retries?: number;
  /** Called before each retry (logging). */
  onRetry?: (err: unknown, attempt: number) => void;
}

export const DEFAULT_TX_RETRIES = 4;

/**
 * Runs `attempt` again after a transient fault, at most `retries` more times, with jittered
 * exponential backoff (5, 10, 20, 40 ms … plus up to 5 ms). Only for work that is safe to
 * repeat as a whole: a transaction that re-reads what it depends on (a lost COMMIT may or
 * may not have happened, so the retry must find out by itself).
 */
export async function retryTransient<T>(attempt: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const retries = opts.retries ?? DEFAULT_TX_RETRIES;
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isTransientDbError(err) || n >= retries) throw err;
      opts.onRetry?.(err, n + 1);
      await new Promise((r) => setTimeout(r, 5 * 2 ** n + Math.random() * 5));
    }
  }
}
