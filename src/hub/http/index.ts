// The hub's HTTP layer (front door): see app.ts, and routes/ for one module per resource.
export { createHttpApp, mountRoutes, DOCS_PREFIX, OPENAPI_JSON, type HttpDeps, type HttpLimits, type TlsFiles } from './app';
export { HttpError } from './errors';
