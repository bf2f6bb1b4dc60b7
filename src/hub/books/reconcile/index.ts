// Front door of reconciliation: imports, the matching run, items, resolutions, the report.
export * from './match';
export * from './store';
