import { useEffect, useState } from 'react';
import type { Api } from './api';

// Account names for the codes the ledger routes return ("1000" → "1000 Cash Drawers"): the
// chart of accounts from GET /api/books/map, fetched once per console session. A user who may
// not read the map (a store manager) or a code the chart does not know sees the bare code.

export type AccountNames = ReadonlyMap<string, string>;
const cache = new WeakMap<Api, Promise<AccountNames>>();

export function loadAccountNames(api: Api): Promise<AccountNames> {
  let p = cache.get(api);
  if (!p) {
    p = api
      .get<{ chart: { accounts?: Array<{ code: string; name: string }> } }>('/api/books/map')
      .then((r) => new Map((r.chart.accounts ?? []).map((a) => [a.code, a.name])) as AccountNames)
      .catch(() => {
        cache.delete(api); // try again on the next page, it may have been a passing failure
        return new Map() as AccountNames;
      });
    cache.set(api, p);
  }
  return p;
}

export function useAccountNames(api: Api): AccountNames {
  const [names, setNames] = useState<AccountNames>(new Map());
  useEffect(() => {
    let live = true;
    void loadAccountNames(api).then((n) => live && setNames(n));
    return () => {
      live = false;
    };
  }, [api]);
  return names;
}

/** "1000 Cash Drawers" (the code first, as the trial balance sorts), or the bare code when unnamed. */
export function accountText(names: AccountNames, code: string): string {
  const name = names.get(code);
  return name ? `${code} ${name}` : code;
}

/** An account cell: the code, then its name in the chart. */
export function Account(props: { names: AccountNames; code: string }) {
  const name = props.names.get(props.code);
  return (
    <span className="acct" title={name ? `${props.code} ${name}` : props.code}>
      <span className="acct-code">{props.code}</span>
      {name ? <span className="acct-name"> {name}</span> : null}
    </span>
  );
}
