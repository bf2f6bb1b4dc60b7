import { useEffect, useState, type ReactNode } from 'react';
import { errorText } from './api';
import i18next from 'i18next';
import { Empty, Notice } from './ui';

// One paged table for every list the hub pages with its keyset cursors (docs/hub.md: `limit`,
// `cursor` → `next_cursor`). The hook keeps the cursors walked so far, so "Newer" goes back
// exactly; a change of filters (the `key`) starts again at the first page. The table renders
// columns, an empty or loading line, the error and the pager, the same way on every page.

export interface Page<T> {
  rows: T[];
  next_cursor: string | null;
}

export interface Paged<T> {
  rows: T[];
  loading: boolean;
  error: string | null;
  /** 1-based page number. */
  page: number;
  hasNewer: boolean;
  hasOlder: boolean;
  newer(): void;
  older(): void;
  reload(): void;
  /** Replace one row in place (after an action on it), without reloading. */
  update(match: (row: T) => boolean, next: T): void;
}

/**
 * Loads one page at a time. `fetchPage(cursor)` asks the hub for the page after `cursor`;
 * `key` names the filters: when it changes, paging starts again.
 */
export function usePaged<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>, key: string): Paged<T> {
  const [cursors, setCursors] = useState<string[]>([]);
  const [data, setData] = useState<Page<T> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [n, setN] = useState(0);
  const [forKey, setForKey] = useState(key);
  if (forKey !== key) {
    // New filters: back to the first page (set during render, so no stale page is fetched).
    setForKey(key);
    setCursors([]);
  }
  const cursor = forKey === key ? cursors[cursors.length - 1] : undefined;
  useEffect(() => {
    let live = true;
    setLoading(true);
    fetchPage(cursor).then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (!live) return;
        setError(errorText(err));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [key, cursor, n]);
  return {
    rows: data?.rows ?? [],
    loading,
    error,
    page: cursors.length + 1,
    hasNewer: cursors.length > 0,
    hasOlder: Boolean(data?.next_cursor),
    newer: () => setCursors((c) => c.slice(0, -1)),
    older: () => {
      const next = data?.next_cursor;
      if (next) setCursors((c) => [...c, next]);
    },
    reload: () => setN((x) => x + 1),
    update: (match, next) => setData((d) => (d ? { ...d, rows: d.rows.map((r) => (match(r) ? next : r)) } : d)),
  };
}

export interface Column<T> {
  header: ReactNode;
  cell(row: T): ReactNode;
  /** Right-aligned, tabular figures. */
  num?: boolean;
  className?: string;
  /** The hub's sort name for this column (`?sort=`): its header becomes a button. */
  sort?: string;
  /** The direction of the first click: amounts, counts and times biggest or newest first. */
  sortFirst?: 'asc' | 'desc';
}

// ---- sorting (docs/hq.md "Sorting") ----
// The sort is the hub's (`?sort=name`, `-name` descending, each list's allow-list): the page
// keeps it in its URL (`#/stock?sort=-value`), so a reload or a bookmark keeps it, and it is
// part of the paging key, so a new sort starts at page one.

function hashParams(): URLSearchParams {
  return new URLSearchParams(location.hash.split('?')[1] ?? '');
}

/** The page's hash with `sort` set (or removed for the list's own order), other parameters kept. */
export function hashWithSort(sort: string | null): string {
  const [path] = location.hash.split('?');
  const p = hashParams();
  if (sort === null) p.delete('sort');
  else p.set('sort', sort);
  const qs = p.toString();
  return `${path || '#/'}${qs ? `?${qs}` : ''}`;
}

export interface Sort {
  value: string;
  /** The list's own order (the hub's default), where a third click on a column returns. */
  fallback: string;
  set(next: string): void;
}

/** The page's sort, read from the URL once and written back to it (replacing, not a new history entry). */
export function useSort(fallback: string, allowed: readonly string[]): Sort {
  const [value, setValue] = useState(() => {
    const v = hashParams().get('sort');
    return v && allowed.includes(v.replace(/^-/, '')) ? v : fallback;
  });
  return {
    value,
    fallback,
    set(next) {
      setValue(next);
      history.replaceState(history.state, '', hashWithSort(next === fallback ? null : next));
    },
  };
}

/** A click on a column: first in its own direction, then the other, then the list's own order. */
export function nextSort(column: string, first: 'asc' | 'desc', current: string, fallback: string): string {
  const asc = column;
  const desc = `-${column}`;
  const [one, two] = first === 'asc' ? [asc, desc] : [desc, asc];
  if (current === one) return two;
  if (current === two) return fallback === one || fallback === two ? one : fallback;
  return one;
}

export function PagedTable<T>(props: {
  paged: Paged<T>;
  columns: Array<Column<T>>;
  rowKey(row: T): string;
  label: string;
  empty: ReactNode;
  testId?: string;
  rowTestId?: string;
  rowClass?(row: T): string;
  rowData?(row: T): Record<string, string>;
  /** Words for the pager's buttons: lists newest first page to "Older", others to "Next". */
  pagerWords?: [string, string];
  compact?: boolean;
  /** The list's sort: columns with `sort` get a header button and aria-sort. */
  sort?: Sort;
}) {
  const { paged } = props;
  const [back, forward] = props.pagerWords ?? [i18next.t('paged.newer'), i18next.t('paged.older')];
  return (
    <div className="paged" aria-busy={paged.loading}>
      {/* The same progress line on every list while a page loads (the rows stay until it arrives). */}
      <div className={`paged-progress${paged.loading ? ' on' : ''}`} role="progressbar" aria-label={i18next.t('paged.loading')} aria-hidden={!paged.loading} />
      {paged.error ? <Notice kind="error">{paged.error}</Notice> : null}
      {paged.loading && paged.rows.length === 0 ? (
        <Empty>{i18next.t('paged.loading')}</Empty>
      ) : paged.rows.length === 0 ? (
        <Empty>{props.empty}</Empty>
      ) : (
        // A table wider than its card scrolls inside it (a tablet, many columns); the page does not.
        <div className="table-scroll">
        <table className={`table${props.compact ? ' compact' : ''}`} data-testid={props.testId} aria-label={props.label}>
          <thead>
            <tr>
              {props.columns.map((c, i) => (
                <SortableHeader key={i} column={c} sort={props.sort} />
              ))}
            </tr>
          </thead>
          <tbody>
            {paged.rows.map((r) => (
              <tr key={props.rowKey(r)} className={props.rowClass?.(r)} data-testid={props.rowTestId} {...Object.fromEntries(Object.entries(props.rowData?.(r) ?? {}).map(([k, v]) => [`data-${k}`, v]))}>
                {props.columns.map((c, i) => (
                  <td key={i} className={[c.num ? 'num' : '', c.className ?? ''].join(' ').trim() || undefined}>
                    {c.cell(r)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
      {paged.hasNewer || paged.hasOlder ? (
        <nav className="pager" aria-label={i18next.t('paged.pages', { label: props.label })}>
          <button type="button" className="btn btn-small" disabled={!paged.hasNewer || paged.loading} onClick={paged.newer}>
            {back}
          </button>
          <span>{i18next.t('paged.page', { page: paged.page })}</span>
          <button type="button" className="btn btn-small" disabled={!paged.hasOlder || paged.loading} onClick={paged.older} data-testid={props.testId ? `${props.testId}-older` : undefined}>
            {forward}
          </button>
        </nav>
      ) : null}
    </div>
  );
}

function SortableHeader<T>({ column: c, sort }: { column: Column<T>; sort: Sort | undefined }) {
  if (!c.sort || !sort) {
    return (
      <th scope="col" className={c.num ? 'num' : undefined}>
        {c.header}
      </th>
    );
  }
  const name = c.sort;
  const active = sort.value === name || sort.value === `-${name}`;
  const desc = sort.value.startsWith('-');
  return (
    <th scope="col" className={c.num ? 'num' : undefined} aria-sort={active ? (desc ? 'descending' : 'ascending') : 'none'}>
      {/* A button: reached with Tab, sorted with Enter or Space; aria-sort on the header says the order. */}
      <button type="button" className="th-sort" onClick={() => sort.set(nextSort(name, c.sortFirst ?? 'asc', sort.value, sort.fallback))} data-testid={`sort-${name}`}>
        {c.header}
        <span className="sort-mark" aria-hidden="true">
          {active ? (desc ? '▼' : '▲') : '↕'}
        </span>
      </button>
    </th>
  );
}
