// What the hub's browser apps (the HQ console, the handheld register) share as pages: the HTML
// shell that loads one script and one stylesheet (nothing inline, so the CSP can forbid inline
// code), the CSP directives every page of ours has, and bundling once per process.

/** A page of ours: its own directives, then the ones no page of ours relaxes. */
export function contentSecurityPolicy(own: string[]): string {
  return [
    "default-src 'none'",
    ...own,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
}

/** The HTML shell of an app served under `base` (its app.js and app.css beside it). */
export function appShellHtml(o: { title: string; base: string; viewport?: string; head?: string[] }): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta name="viewport" content="${o.viewport ?? 'width=device-width, initial-scale=1'}">`,
    ...(o.head ?? []),
    `<title>${o.title}</title>`,
    `<link rel="stylesheet" href="${o.base}app.css">`,
    '</head>',
    '<body>',
    '<div id="root"></div>',
    `<script src="${o.base}app.js"></script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** `make` run once per process and shared; a failure is not kept, so the next caller tries again. */
export function onceUntilFailed<T>(make: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () =>
    (pending ??= make().catch((err: unknown) => {
      pending = null;
      throw err;
    }));
}
