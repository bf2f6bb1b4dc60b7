import { currentLocale } from '../i18n';
import { useTranslation } from 'react-i18next';
import i18next from 'i18next';
import { useEffect, useMemo, useRef, useState } from 'react';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { currencyExponent } from '../../core/money';
import type { DashboardReply, EventRow, Figures } from '../api';
import { fmt } from '../money';
import { Empty, Notice, PageHeader, storeName, typeLabel, useLoad, useSession } from '../ui';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

// A period at a glance (today by default): net sales, transactions, average basket, refunds
// and post-voids for the chain and per store, sales and returns by hour or day (GET
// /api/dashboard, figures the hub keeps at ingest), the newest sales as they happen (the hub's
// socket feed; the figures are read again after each), and the alerts waiting for a person.

const PERIODS = [
  { id: 'today', label: 'dashboard.today', days: 0 },
  { id: 'yesterday', label: 'dashboard.yesterday', days: -1 },
  { id: '7d', label: 'dashboard.d7', days: 7 },
  { id: '30d', label: 'dashboard.d30', days: 30 },
] as const;
type PeriodId = (typeof PERIODS)[number]['id'];

const SALE_TYPES = new Set(['sale.completed', 'sale.refunded', 'sale.post_voided']);

/** The period in this browser's time zone, as ISO times with the zone's offset turned to UTC. */
export function periodRange(id: PeriodId, now = new Date()): { from: string; to: string; bucket: 'hour' | 'day' } {
  const midnight = new Date(now);
  midnight.setHours(0, 0, 0, 0);
  const day = 86_400_000;
  const p = PERIODS.find((x) => x.id === id)!;
  if (p.days === 0) return { from: midnight.toISOString(), to: new Date(midnight.getTime() + day).toISOString(), bucket: 'hour' };
  if (p.days === -1) return { from: new Date(midnight.getTime() - day).toISOString(), to: midnight.toISOString(), bucket: 'hour' };
  return { from: new Date(midnight.getTime() - (p.days - 1) * day).toISOString(), to: new Date(midnight.getTime() + day).toISOString(), bucket: 'day' };
}

export function Dashboard() {
  const { api, stores, live } = useSession();
  const { t } = useTranslation();
  const [period, setPeriod] = useState<PeriodId>('today');
  const range = useMemo(() => periodRange(period), [period]);
  const [figures, setFigures] = useState<DashboardReply | null>(null);
  const [error, setError] = useState<string | null>(null);
  const feed = useLoad(() => api.get<{ sales: EventRow[] }>('/api/sales', { limit: 12 }), []);
  const [recent, setRecent] = useState<EventRow[]>([]);
  const [fresh, setFresh] = useState<string | null>(null);
  const loading = useRef<{ busy: boolean; again: boolean }>({ busy: false, again: false });

  // One read in flight at a time; sales arriving meanwhile cause exactly one more read.
  const refresh = useMemo(() => {
    const run = async (): Promise<void> => {
      if (loading.current.busy) {
        loading.current.again = true;
        return;
      }
      loading.current.busy = true;
      try {
        setFigures(await api.get<DashboardReply>('/api/dashboard', range));
        setError(null);
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err));
      } finally {
        loading.current.busy = false;
        if (loading.current.again) {
          loading.current.again = false;
          void run();
        }
      }
    };
    return run;
  }, [api, range]);

  useEffect(() => {
    setFigures(null);
    void refresh();
  }, [refresh]);
  useEffect(() => {
    if (feed.data) setRecent(feed.data.sales);
  }, [feed.data]);
  useEffect(() => {
    const offJ = live.onJournal((e) => {
      if (!SALE_TYPES.has(e.type)) return;
      setRecent((xs) => (xs.some((x) => x.event_id === e.event_id) ? xs : [e, ...xs].slice(0, 12)));
      setFresh(e.event_id);
      void refresh();
    });
    const offA = live.onAlert(() => void refresh());
    return () => {
      offJ();
      offA();
    };
  }, [live, refresh]);

  const byStore = new Map((figures?.by_store ?? []).map((f) => [f.store_id, f]));
  const kinds = Object.entries(figures?.alerts.by_kind ?? {});
  const periodLabel = t(PERIODS.find((p) => p.id === period)!.label);

  return (
    <>
      <PageHeader title={periodLabel} subtitle={describeRange(range)}>
        <div className="segmented" role="group" aria-label={t('dashboard.period')}>
          {PERIODS.map((p) => (
            <button key={p.id} type="button" className={p.id === period ? 'on' : ''} aria-pressed={p.id === period} onClick={() => setPeriod(p.id)} data-testid={`period-${p.id}`}>
              {t(p.label)}
            </button>
          ))}
        </div>
      </PageHeader>
      {error ? <Notice kind="error">{error}</Notice> : null}
      <section className="kpis" aria-label={t('dashboard.chainTotals')}>
        {(figures?.totals.length ? figures.totals : [null]).map((c, i) => (
          <div className="kpi-group" key={c?.currency ?? i}>
            <Kpi label={t('dashboard.netSales')} value={c ? fmt(c.net_sales, c.currency) : '—'} testId={`kpi-net-${c?.currency ?? 'none'}`} sub={c ? t('dashboard.salesSub', { amount: fmt(c.sales_total, c.currency) }) : t('dashboard.noSalesYet')} />
            <Kpi label={t('dashboard.transactions')} value={c ? String(c.transactions) : '0'} testId="kpi-transactions" />
            <Kpi label={t('dashboard.averageBasket')} value={c?.average_basket != null ? fmt(c.average_basket, c.currency) : '—'} />
            <Kpi
              label={t('dashboard.refundsVoids')}
              value={c ? fmt(c.refunds_total + c.voids_total, c.currency) : '—'}
              neg={!!c && c.refunds_total + c.voids_total < 0}
              sub={c ? t('dashboard.refundsSub', { refunds: c.refunds_count, voids: c.voids_count }) : undefined}
            />
          </div>
        ))}
        <a className="kpi kpi-alert" href="#/alerts" data-testid="kpi-alerts">
          <div className="kpi-label">{t('dashboard.alertsWaiting')}</div>
          <div className={`kpi-value ${figures?.alerts.open ? 'warn' : ''}`}>{figures?.alerts.open ?? '—'}</div>
          <div className="muted small">{kinds.map(([k, n]) => `${n} ${k.replace(/_/g, ' ')}`).join(' · ') || t('dashboard.nothing')}</div>
        </a>
      </section>

      <div className="grid-2">
        <section className="card" aria-labelledby="by-time">
          <h2 id="by-time">{t(range.bucket === 'hour' ? 'dashboard.byTime_hour' : 'dashboard.byTime_day')}</h2>
          <TimeChart figures={figures} />
        </section>
        <section className="card" aria-labelledby="by-store">
          <h2 id="by-store">{t('dashboard.byStore')}</h2>
          <table className="table" data-testid="store-figures">
            <thead>
              <tr>
                <th scope="col">{t('common.store')}</th>
                <th scope="col" className="num">{t('dashboard.netSales')}</th>
                <th scope="col" className="num">{t('dashboard.trans')}</th>
                <th scope="col" className="num">{t('dashboard.avgBasket')}</th>
                <th scope="col" className="num">{t('dashboard.returns')}</th>
              </tr>
            </thead>
            <tbody>
              {stores.map((s) => {
                const f = byStore.get(s.store_id);
                const back = (f?.refunds_total ?? 0) + (f?.voids_total ?? 0);
                return (
                  <tr key={s.store_id} data-testid={`store-row-${s.store_id}`}>
                    <th scope="row">{s.name}</th>
                    <td className="num" data-testid={`net-${s.store_id}`}>{fmt(f?.net_sales ?? 0, s.currency)}</td>
                    <td className="num">{f?.transactions ?? 0}</td>
                    <td className="num">{f?.average_basket != null ? fmt(f.average_basket, s.currency) : '—'}</td>
                    <td className={`num ${back < 0 ? 'neg' : ''}`}>{fmt(back, s.currency)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      </div>

      <section className="card" aria-labelledby="feed">
        <h2 id="feed">
          {t('dashboard.latest')} <span className="muted small">{t('dashboard.latestSub')}</span>
        </h2>
        {recent.length === 0 ? (
          <Empty>{t('dashboard.empty')}</Empty>
        ) : (
          <table className="table" data-testid="sales-feed" aria-live="polite">
            <thead>
              <tr>
                <th scope="col">{t('dashboard.time')}</th>
                <th scope="col">{t('common.store')}</th>
                <th scope="col">{t('dashboard.receipt')}</th>
                <th scope="col">{t('dashboard.type')}</th>
                <th scope="col" className="num">{t('dashboard.amount')}</th>
              </tr>
            </thead>
            <tbody>
              {recent.map((e) => (
                <tr key={e.event_id} className={fresh === e.event_id ? 'fresh' : ''} data-testid="feed-row" data-event={`${e.terminal_id}/${e.seq}`}>
                  <td>{new Date(e.occurred_at).toLocaleTimeString(currentLocale())}</td>
                  <td>{storeName(stores, e.store_id)}</td>
                  <td>
                    <a href={`#/sales?open=${e.event_id}`}>{e.receipt_no}</a>
                  </td>
                  <td>
                    <span className={`tag tag-${e.type.replace('sale.', '')}`}>{typeLabel(e.type)}</span>
                  </td>
                  <td className={`num ${(e.amount ?? 0) < 0 ? 'neg' : ''}`}>{e.currency && e.amount !== null ? fmt(e.amount, e.currency) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

function describeRange(r: { from: string; to: string; bucket: string }): string {
  const f = new Intl.DateTimeFormat(currentLocale(), { dateStyle: 'full' });
  const last = new Date(Date.parse(r.to) - 1);
  const a = f.format(new Date(r.from));
  const b = f.format(last);
  return a === b ? a : `${a} – ${b}`;
}

function Kpi(props: { label: string; value: string; sub?: string; testId?: string; neg?: boolean }) {
  return (
    <div className="kpi">
      <div className="kpi-label">{props.label}</div>
      <div className={`kpi-value ${props.neg ? 'neg' : ''}`} data-testid={props.testId}>
        {props.value}
      </div>
      {props.sub ? <div className="muted small">{props.sub}</div> : null}
    </div>
  );
}

function TimeChart(props: { figures: DashboardReply | null }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart(canvas.current, {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { position: 'bottom' } },
        scales: { x: { stacked: true, grid: { display: false } }, y: { stacked: true } },
      },
    });
    return () => chart.current?.destroy();
  }, []);
  const f = props.figures;
  useEffect(() => {
    const c = chart.current;
    if (!c || !f) return;
    const cur = f.totals[0]?.currency ?? f.by_time[0]?.currency ?? 'USD';
    const slots = buckets(f);
    const at = new Map(f.by_time.filter((x) => x.currency === cur).map((x) => [Date.parse(x.at), x]));
    const rows: Array<Figures | undefined> = slots.map((t) => at.get(t));
    const scale = 10 ** currencyExponent(cur);
    const label = (t: number) =>
      f.bucket === 'hour' ? new Date(t).toLocaleTimeString(currentLocale(), { hour: 'numeric' }) : new Date(t).toLocaleDateString(currentLocale(), { month: 'short', day: 'numeric' });
    c.data.labels = slots.map(label);
    // Bar heights only: minor units over the currency's exponent, for the axis. What a person
    // reads as an amount (tooltips, tables) goes through core's money helpers.
    c.data.datasets = [
      { label: i18next.t('dashboard.chartSales'), data: rows.map((r) => (r?.sales_total ?? 0) / scale), backgroundColor: '#0f766e', borderRadius: 3 },
      { label: i18next.t('dashboard.chartReturns'), data: rows.map((r) => ((r?.refunds_total ?? 0) + (r?.voids_total ?? 0)) / scale), backgroundColor: '#dc2626', borderRadius: 3 },
    ];
    c.options.plugins!.tooltip = {
      callbacks: {
        label: (item) => {
          const r = rows[item.dataIndex];
          const v = item.datasetIndex === 0 ? (r?.sales_total ?? 0) : (r?.refunds_total ?? 0) + (r?.voids_total ?? 0);
          return `${item.dataset.label}: ${fmt(v, cur)}${item.datasetIndex === 0 && r ? ` (${i18next.t('dashboard.tooltipSales', { count: r.transactions })})` : ''}`;
        },
      },
    };
    (c.options.scales!.y as { title?: unknown }).title = { display: true, text: cur };
    c.update();
  });
  const total = f?.totals[0];
  return (
    <div className="chart-box">
      <canvas
        ref={canvas}
        role="img"
        aria-label={total ? i18next.t('dashboard.chartLabel', { count: total.transactions, net: fmt(total.net_sales, total.currency) }) : i18next.t('dashboard.chartEmpty')}
        data-testid="time-chart"
      />
    </div>
  );
}

/** The chart's slots: each hour of the day from 06:00 (earlier if there were sales) to the last hour with sales or now; or each day. */
function buckets(f: DashboardReply): number[] {
  const from = Date.parse(f.from);
  const to = Date.parse(f.to);
  if (f.bucket === 'day') {
    const out: number[] = [];
    for (let t = from; t < to; t += 86_400_000) out.push(Math.floor(t / 86_400_000) * 86_400_000);
    return out;
  }
  const hour = 3_600_000;
  const first = Math.floor(from / hour) * hour;
  const had = f.by_time.map((x) => Date.parse(x.at));
  const start = Math.min(first + 6 * hour, ...had);
  const end = Math.min(to - hour, Math.max(Date.now(), ...had));
  const out: number[] = [];
  for (let t = start; t <= end; t += hour) out.push(t);
  return out;
}
