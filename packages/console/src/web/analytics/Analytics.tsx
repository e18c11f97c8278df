import { useCallback, useState } from "react";
import type { AnalyticsReport } from "../../server/analytics/compute.ts";
import { useLoad } from "../admin/use-load.ts";
import { api } from "../api.ts";
import type { Strings } from "../i18n.ts";
import { LineChart } from "./Chart.tsx";

const PERIODS = [7, 14, 30] as const;

export function Analytics({ t }: { t: Strings }) {
  const { fmt } = t;
  const num = (v: number | null) => (v === null ? "—" : fmt.number(v));
  const [days, setDays] = useState(14);
  const load = useCallback(() => api<AnalyticsReport>(`/api/analytics?days=${days}`), [days]);
  const { data, error } = useLoad(load);
  return (
    <div className="page analytics">
      <h1>{t.navAnalytics}</h1>
      <label>
        {t.period}
        <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
          {PERIODS.map((n) => (
            <option key={n} value={n}>
              {t.days(n)}
            </option>
          ))}
        </select>
      </label>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {data && (
        <>
          <dl className="kpis">
            <div>
              <dt>{t.kpiConversations}</dt>
              <dd>{fmt.number(data.totals.conversations)}</dd>
            </div>
            <div>
              <dt>{t.kpiResolved}</dt>
              <dd>{fmt.percent(data.totals.resolutionRate)}</dd>
            </div>
            <div>
              <dt>{t.kpiHandoffRate}</dt>
              <dd>{fmt.percent(data.totals.handoffRate)}</dd>
            </div>
            <div>
              <dt>{t.kpiIntentAccuracy}</dt>
              <dd>{fmt.percent(data.totals.intentAccuracy)}</dd>
            </div>
            <div>
              <dt>{t.kpiSatisfaction}</dt>
              <dd>
                {data.totals.satisfaction === null
                  ? "—"
                  : t.satisfactionOf(fmt.decimal(data.totals.satisfaction, 2))}
              </dd>
            </div>
            <div>
              <dt>{t.kpiLatency}</dt>
              <dd>
                {num(data.latencyMs.p50)} / {num(data.latencyMs.p90)} / {fmt.ms(data.latencyMs.p99)}
              </dd>
            </div>
          </dl>
          <div className="charts">
            <LineChart
              title={t.chartConversations}
              points={data.daily.map((d) => ({ label: fmt.day(d.date), value: d.conversations }))}
              format={fmt.number}
            />
            <LineChart
              title={t.chartHandoffs}
              points={data.daily.map((d) => ({ label: fmt.day(d.date), value: d.handoffs }))}
              format={fmt.number}
            />
            <LineChart
              title={t.chartResolution}
              points={data.daily.map((d) => ({ label: fmt.day(d.date), value: d.resolutionRate }))}
              format={(v) => fmt.percent(v, 0)}
            />
            <LineChart
              title={t.chartLatency}
              points={data.daily.map((d) => ({ label: fmt.day(d.date), value: d.p90LatencyMs ?? 0 }))}
              format={fmt.number}
            />
          </div>
          <table>
            <caption>{t.topIntents}</caption>
            <thead>
              <tr>
                <th scope="col">{t.colIntent}</th>
                <th scope="col">{t.colTurns}</th>
              </tr>
            </thead>
            <tbody>
              {data.topIntents.map((i) => (
                <tr key={i.intent}>
                  <td>{i.intent}</td>
                  <td>{fmt.number(i.count)}</td>
                </tr>
              ))}
              {data.topIntents.length === 0 && (
                <tr>
                  <td colSpan={2}>{t.noIntents}</td>
                </tr>
              )}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
