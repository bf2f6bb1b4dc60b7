import { fmt } from '../money';
import { Empty, Notice, PageHeader, useLoad, useSession } from '../ui';

// The books as the ledger holds them: the trial balance of every posted entry (debits and
// credits per account and currency), which must balance per currency.

interface TrialBalance {
  rows: Array<{ account: string; currency: string; debit: number; credit: number }>;
  balanced: boolean;
  totals: Record<string, { debit: number; credit: number }>;
}

export function Books() {
  const { api, me } = useSession();
  const chainWide = me.role === 'admin' || me.role === 'hq';
  const tb = useLoad(() => (chainWide ? api.get<TrialBalance>('/api/ledger/trial-balance') : Promise.resolve(null)), [chainWide]);
  return (
    <>
      <PageHeader title="Books" subtitle="Trial balance of every posted ledger entry, per account and currency.">
        <button type="button" className="btn" onClick={tb.reload}>
          Refresh
        </button>
      </PageHeader>
      {!chainWide ? <Notice kind="info">The trial balance is for admin and HQ users.</Notice> : null}
      {tb.error ? <Notice kind="error">{tb.error}</Notice> : null}
      {tb.data ? (
        <section className="card" aria-labelledby="tb-h">
          <div className="row between">
            <h2 id="tb-h">Trial balance</h2>
            <span className={`pill ${tb.data.balanced ? 'pill-ok' : 'pill-bad'}`} data-testid="tb-balanced">
              {tb.data.balanced ? 'Balanced' : 'Not balanced'}
            </span>
          </div>
          {tb.data.rows.length === 0 ? (
            <Empty>No entries posted yet.</Empty>
          ) : (
            <table className="table" data-testid="trial-balance">
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  <th scope="col">Currency</th>
                  <th scope="col" className="num">Debit</th>
                  <th scope="col" className="num">Credit</th>
                  <th scope="col" className="num">Balance</th>
                </tr>
              </thead>
              <tbody>
                {tb.data.rows.map((r) => (
                  <tr key={`${r.account}-${r.currency}`}>
                    <td>{r.account}</td>
                    <td>{r.currency}</td>
                    <td className="num">{r.debit ? fmt(r.debit, r.currency) : ''}</td>
                    <td className="num">{r.credit ? fmt(r.credit, r.currency) : ''}</td>
                    <td className={`num ${r.debit - r.credit < 0 ? 'neg' : ''}`}>{fmt(r.debit - r.credit, r.currency)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                {Object.entries(tb.data.totals).map(([cur, t]) => (
                  <tr key={cur}>
                    <th scope="row">Total</th>
                    <td>{cur}</td>
                    <td className="num strong">{fmt(t.debit, cur)}</td>
                    <td className="num strong">{fmt(t.credit, cur)}</td>
                    <td className="num strong">{fmt(t.debit - t.credit, cur)}</td>
                  </tr>
                ))}
              </tfoot>
            </table>
          )}
        </section>
      ) : null}
    </>
  );
}
