import { BooksInputError } from '../errors';

// The off-peak window of a scheduled historical import: wall-clock times in an IANA time zone
// ("01:00-05:00" in Europe/Berlin), open from start (inclusive) to end (exclusive). A window
// whose end is before its start spans midnight (22:00-04:00). The clock is always passed in,
// so the scheduler and the tests decide what "now" is. Daylight saving: the window follows the
// wall clock (a 01:00-05:00 window is four hours of wall time, three or five of real time on a
// change night); a start inside a skipped hour opens when the clocks have jumped past it.

export interface HistoryWindow {
  /** HH:MM, 24-hour. */
  start: string;
  end: string;
  time_zone: string;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' });
    if (formats.size > 200) formats.clear();
    formats.set(timeZone, f);
  }
  return f;
}

function minutesOf(hhmm: string): number {
  const m = HHMM.exec(hhmm)!;
  return Number(m[1]) * 60 + Number(m[2]);
}

/** "01:00-05:00" and a time zone → a window; refuses with BAD_WINDOW / BAD_TIME_ZONE. */
export function parseWindow(text: string, timeZone: string): HistoryWindow {
  const m = /^\s*(\d{2}:\d{2})\s*[-–]\s*(\d{2}:\d{2})\s*$/.exec(text);
  if (!m || !HHMM.test(m[1]!) || !HHMM.test(m[2]!)) throw new BooksInputError('BAD_WINDOW', `the window must be HH:MM-HH:MM in 24-hour time, like 01:00-05:00; got ${JSON.stringify(text.slice(0, 40))}`);
  if (m[1] === m[2]) throw new BooksInputError('BAD_WINDOW', `the window ${m[1]}-${m[2]} is empty: start and end must differ`);
  try {
    if (timeZone.length === 0 || timeZone.length > 64) throw new RangeError('length');
    format(timeZone);
  } catch {
    throw new BooksInputError('BAD_TIME_ZONE', `unknown IANA time zone ${JSON.stringify(timeZone.slice(0, 64))}; use a name like Europe/Berlin`);
  }
  return { start: m[1]!, end: m[2]!, time_zone: timeZone };
}

/** Minutes since local midnight at `at` in the time zone. */
export function localMinutes(at: Date, timeZone: string): number {
  let h = 0;
  let min = 0;
  for (const p of format(timeZone).formatToParts(at)) {
    if (p.type === 'hour') h = Number(p.value);
    else if (p.type === 'minute') min = Number(p.value);
  }
  return h * 60 + min;
}

export function isOpen(w: HistoryWindow, at: Date): boolean {
  const m = localMinutes(at, w.time_zone);
  const s = minutesOf(w.start);
  const e = minutesOf(w.end);
  return s < e ? m >= s && m < e : m >= s || m < e;
}

/** The first whole minute at or after `at` (at itself when open) where isOpen flips to `open`. */
function nextFlip(w: HistoryWindow, at: Date, open: boolean): Date {
  if (isOpen(w, at) === open) return at;
  const target = minutesOf(open ? w.start : w.end);
  let t = Math.floor(at.getTime() / 60_000) * 60_000 + 60_000;
  // Jump by the local-time distance, corrected for an offset change on the way (at most a
  // few steps), then walk back to the exact flip, so the answer is exact across DST changes.
  for (let i = 0; i < 4 && isOpen(w, new Date(t)) !== open; i++) {
    const d = (target - localMinutes(new Date(t), w.time_zone) + 1440) % 1440;
    t += (d === 0 ? 1 : d) * 60_000;
  }
  // Not found by jumping (a start inside a skipped hour): walk minute by minute, at most two days.
  for (let i = 0; i < 2 * 1440 && isOpen(w, new Date(t)) !== open; i++) t += 60_000;
  while (t - 60_000 > at.getTime() && isOpen(w, new Date(t - 60_000)) === open) t -= 60_000;
  return new Date(t);
}

/** When the window is next open: `at` itself when it is open now. */
export function nextOpening(w: HistoryWindow, at: Date): Date {
  return nextFlip(w, at, true);
}

/** When the window that is open at `at` closes (`at` itself when it is closed). */
export function closingAfter(w: HistoryWindow, at: Date): Date {
  return nextFlip(w, at, false);
}
