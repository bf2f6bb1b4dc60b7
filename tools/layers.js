// The layer table of DESIGN.md as lint policy. A file's folder decides its runtime; imports
// only go down the table. Test files may additionally use Node and test libraries, but
// never a layer their code under test may not use.

/** Node built-ins and packages per runtime. */
const NODE_PACKAGES = ['node:*', 'fs', 'path', 'os', 'net', 'http', 'events', 'crypto', 'child_process', 'stream', 'url', 'util', 'timers', 'zlib', 'buffer', 'assert'];
const ANY_PACKAGE = ['**'];
const BROWSER_PACKAGES = ['zod', 'react', 'react-dom', 'react-dom/*', 'react/*', 'i18next', 'react-i18next'];
/** The HQ console also draws charts, QR codes and listens on the hub's socket. */
const HQ_PACKAGES = [...BROWSER_PACKAGES, 'chart.js', 'chart.js/*', 'qrcode', 'socket.io-client'];
/**
 * The handheld register (src/handheld): a browser composition root of the shared engine,
 * journal and uplink, so it also takes SQLite in WebAssembly, the socket.io client, the
 * browser build of Node's event emitter (which the journal and uplink extend) and the pure
 * scrypt of the PIN check.
 */
const HANDHELD_PACKAGES = [...BROWSER_PACKAGES, 'qrcode', 'socket.io-client', '@sqlite.org/sqlite-wasm', 'zxing-wasm', 'zxing-wasm/*', 'events', '@noble/hashes/*'];
const TEST_PACKAGES = ['vitest', 'fast-check', 'playwright-core', ...NODE_PACKAGES];

export const layerElements = [
  { type: 'core', pattern: 'src/core/**', partialMatch: false },
  { type: 'drivers', pattern: 'src/drivers/**', partialMatch: false },
  { type: 'sync', pattern: 'src/sync/**', partialMatch: false },
  { type: 'hub', pattern: 'src/hub/**', partialMatch: false },
  { type: 'electron-main', pattern: 'src/main/electron/**', partialMatch: false },
  { type: 'main', pattern: 'src/main/**', partialMatch: false },
  { type: 'renderer', pattern: 'src/renderer/**', partialMatch: false },
  { type: 'hq', pattern: 'src/hq/**', partialMatch: false },
  { type: 'handheld', pattern: 'src/handheld/**', partialMatch: false },
  { type: 'cli', pattern: 'src/cli/**', partialMatch: false },
  { type: 'tests', pattern: 'tests/**', partialMatch: false },
  { type: 'bench', pattern: 'bench/**', partialMatch: false },
];

/** Which layers each layer may import (itself included). */
export const LAYER_IMPORTS = {
  core: ['core'],
  drivers: ['drivers', 'core'],
  sync: ['sync', 'core'],
  hub: ['hub', 'core'],
  main: ['main', 'core', 'drivers', 'sync'],
  'electron-main': ['electron-main', 'main', 'core', 'drivers', 'sync'],
  renderer: ['renderer', 'core'],
  hq: ['hq', 'core'],
  // The register engine (main) and journal/uplink (sync) as they run in a browser; the
  // handheld's bundle fails on any node: import that would reach it (src/hub/http/handheld-page.ts).
  handheld: ['handheld', 'core', 'main', 'sync'],
  cli: ['cli', 'core', 'drivers', 'sync', 'hub', 'main'],
  // tests/bench runs the benchmark table at a tiny size so it cannot rot; tests also read the
  // console's text catalogs (src/hq/locales: the German e2e compares pages with them).
  tests: ['tests', 'core', 'drivers', 'sync', 'hub', 'main', 'cli', 'bench', 'hq'],
  bench: ['bench', 'core', 'drivers', 'sync', 'hub', 'main', 'cli'],
};

/** Which external modules (npm packages and Node built-ins) each layer may import. */
const LAYER_PACKAGES = {
  core: ['zod'],
  drivers: ANY_PACKAGE,
  sync: ANY_PACKAGE,
  hub: ANY_PACKAGE,
  main: ANY_PACKAGE,
  'electron-main': ANY_PACKAGE,
  renderer: BROWSER_PACKAGES,
  hq: HQ_PACKAGES,
  handheld: HANDHELD_PACKAGES,
  cli: ANY_PACKAGE,
  tests: ANY_PACKAGE,
  bench: ANY_PACKAGE,
};

const isTest = ['**/*.test.ts', '**/*.test.tsx'];

export const layerPolicies = [
  ...Object.entries(LAYER_IMPORTS).map(([type, allowed]) => ({
    from: { element: { type } },
    allow: { to: { element: { type: allowed } } },
  })),
  ...Object.entries(LAYER_PACKAGES).map(([type, packages]) => ({
    from: { element: { type } },
    allow: { to: { module: { origin: ['external', 'core'], source: packages } } },
  })),
  // Tests of any layer may use the test tools and Node to set up fixtures.
  {
    from: { file: { path: isTest } },
    allow: { to: { module: { origin: ['external', 'core'], source: TEST_PACKAGES } } },
  },
  // Only the Electron shell may import electron, whatever else allows packages.
  {
    from: { element: { type: Object.keys(LAYER_IMPORTS).filter((t) => t !== 'electron-main') } },
    disallow: { to: { module: { source: ['electron', 'electron/*'] } } },
  },
];
