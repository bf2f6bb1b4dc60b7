import { useEffect, useRef } from 'react';
import { WedgeDetector } from '../core/scanner/wedge';

// Keyboard-wedge scanner: listen on the window in the capture phase so a scan adds the item
// wherever focus is. Keys that turn out to be a person typing are replayed into the focused
// field (they were held back while they could still have been a scan).
export function useWedgeScanner(onScan: (data: string) => void, enabled = true): void {
  const cb = useRef(onScan);
  cb.current = onScan;
  useEffect(() => {
    if (!enabled) return;
    // 50 ms between keys: USB scanners send every 1–20 ms; 50 leaves room for a busy terminal's event loop.
    const det = new WedgeDetector({ maxInterKeyMs: 50 });
    const replay = (keys: string[]) => {
      const el = document.activeElement;
      if (!(el instanceof HTMLInputElement) || el.type === 'password') {
        if (keys.includes('Enter') && el instanceof HTMLElement) el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
        return;
      }
      for (const k of keys) {
        if (k === 'Enter') {
          el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
          continue;
        }
        if (k.length !== 1) continue;
        // React tracks the value; set through the native setter so onChange fires.
        const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set;
        setter?.call(el, el.value + k);
        el.dispatchEvent(new Event('input', { bubbles: true }));
      }
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const handle = (e: KeyboardEvent) => {
      if ((e as KeyboardEvent & { __replay?: boolean }).__replay || !e.isTrusted) return;
      const el = e.target;
      // PIN fields and modifier chords are never scans.
      if ((el instanceof HTMLInputElement && el.type === 'password') || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key.length !== 1 && e.key !== 'Enter' && e.key !== 'Shift') return;
      e.preventDefault();
      e.stopPropagation();
      for (const r of det.push({ key: e.key, t: e.timeStamp })) {
        if (r.kind === 'scan') cb.current(r.data);
        else replay(r.keys);
      }
      clearTimeout(timer);
      timer = setTimeout(() => {
        for (const r of det.idle(performance.now())) if (r.kind === 'typed') replay(r.keys);
      }, 60);
    };
    window.addEventListener('keydown', handle, true);
    return () => {
      window.removeEventListener('keydown', handle, true);
      clearTimeout(timer);
    };
  }, [enabled]);
}
