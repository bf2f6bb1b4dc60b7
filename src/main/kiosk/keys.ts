// What the kiosk window does with a key press before the page sees it (Electron's
// `before-input-event`, main.ts). In kiosk mode a cashier must have no way out of the register
// and no way into the browser: the keys that close, reload, print, zoom, leave full screen or
// open developer tools are swallowed, as is every Ctrl+Alt and Super (Windows key) chord.
// The operating system's own shortcuts (Ctrl+Alt+Del, Alt+Tab, VT switching) never reach an
// app: the single-app mode blocks those (resources/kiosk). One chord opens the manager-PIN exit.

/** The fields of Electron's `Input` we read. */
export interface KeyInput {
  type: string; // 'keyDown' | 'keyUp' | 'char' …
  key: string;
  code?: string;
  control: boolean;
  alt: boolean;
  shift: boolean;
  meta: boolean;
}

export type KeyDecision = { action: 'pass' } | { action: 'block'; why: string } | { action: 'exit' };

/** The manager's exit chord: Ctrl+Shift+Alt+End (no cashier presses it by accident; no browser meaning). */
export const EXIT_CHORD = 'Ctrl+Shift+Alt+End';

const FUNCTION_KEYS: Record<string, string> = {
  F5: 'reload',
  F11: 'leave full screen',
  F12: 'developer tools',
  BrowserBack: 'browser navigation',
  BrowserForward: 'browser navigation',
  BrowserRefresh: 'reload',
  BrowserHome: 'browser navigation',
};

/** Ctrl (or Cmd) + key: what the browser would do with it. */
const CTRL_KEYS: Record<string, string> = {
  w: 'close the window',
  q: 'quit',
  r: 'reload',
  p: 'print',
  o: 'open a file',
  s: 'save the page',
  n: 'new window',
  t: 'new tab',
  u: 'view source',
  f4: 'close the window',
  '+': 'zoom',
  '=': 'zoom',
  '-': 'zoom',
  '0': 'zoom',
};

/** Ctrl+Shift + key. */
const CTRL_SHIFT_KEYS: Record<string, string> = {
  i: 'developer tools',
  j: 'developer tools',
  c: 'developer tools',
  r: 'reload',
  n: 'new window',
  w: 'close the window',
  q: 'quit',
  delete: 'clear browsing data',
};

export function classifyKey(input: KeyInput): KeyDecision {
  if (!input || typeof input.key !== 'string') return { action: 'block', why: 'malformed key event' };
  const key = input.key.length === 1 ? input.key.toLowerCase() : input.key;
  const lower = key.toLowerCase();
  const ctrl = input.control || input.meta;
  if (input.type === 'keyDown' && input.control && input.shift && input.alt && key === 'End') return { action: 'exit' };
  // The Super / Windows / Cmd key and anything held with it belong to the desktop, never to the register.
  if (input.meta || key === 'Meta' || key === 'OS' || key === 'Super') return { action: 'block', why: 'desktop shortcut (Super/Windows key)' };
  if (input.control && input.alt) return { action: 'block', why: 'Ctrl+Alt chord' };
  if (input.alt && (lower === 'f4' || key === 'F4')) return { action: 'block', why: 'close the window' };
  if (input.alt && (key === 'ArrowLeft' || key === 'ArrowRight' || key === 'Home')) return { action: 'block', why: 'browser navigation' };
  if (input.alt && key === 'Tab') return { action: 'block', why: 'switch windows' };
  if (FUNCTION_KEYS[key]) return { action: 'block', why: FUNCTION_KEYS[key]! };
  if (ctrl && input.shift && CTRL_SHIFT_KEYS[lower]) return { action: 'block', why: CTRL_SHIFT_KEYS[lower]! };
  if (ctrl && CTRL_KEYS[lower]) return { action: 'block', why: CTRL_KEYS[lower]! };
  return { action: 'pass' };
}
