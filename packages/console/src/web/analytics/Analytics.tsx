import { useCallback, useState } from "react";
import type { AnalyticsReport } from "../../server/analytics/compute.ts";
import { useLoad } from "../admin/use-load.ts";
import { api } from "../api.ts";
import { LineChart } from "./Chart.tsx";

const pct = (v: number | null) => (v === null ? "—" : `${(v * 100).toFixed(1)}%`);

export function Analytics() {
  const [days, setDays] = useState(14);
  const load = useCallback(() => api<AnalyticsReport>(`/api/analytics?days=${days}`), [days]);
  const { data, error } = useLoad(load);
  return (
    <div className="page analytics">
      <h1>Analytics</h1>
      <label>
        Period
        <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
          <option value={7}>7 days</option>
          <option value={14}>14 days</option>
          <option value={30}>30 days</option>
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
              <dt>Conversations</dt>
              <dd>{data.totals.conversations}</dd>
            </div>
            <div>
              <dt>Resolved by the bot</dt>
              <dd>{pct(data.totals.resolutionRate)}</dd>
            </div>
            <div>
              <dt>Hand-off rate</dt>
              <dd>{pct(data.totals.handoffRate)}</dd>
            </div>
            <div>
              <dt>Intent accuracy (agent feedback)</dt>
              <dd>{pct(data.totals.intentAccuracy)}</dd>
            </div>
            <div>
              <dt>Satisfaction</dt>
              <dd>
                {data.totals.satisfaction === null ? "—" : `${data.totals.satisfaction.toFixed(2)} / 5`}
              </dd>
            </div>
            <div>
              <dt>Reply latency p50 / p90 / p99</dt>
              <dd>
                {data.latencyMs.p50 ?? "—"} / {data.latencyMs.p90 ?? "—"} / {data.latencyMs.p99 ?? "—"} ms
              </dd>
            </div>
          </dl>
          <div className="charts">
            <LineChart
              title="Conversations per day"
              points={data.daily.map((d) => ({ label: d.date, value: d.conversations }))}
            />
            <LineChart
              title="Hand-offs per day"
              points={data.daily.map((d) => ({ label: d.date, value: d.handoffs }))}
            />
            <LineChart
              title="Resolution rate"
              points={data.daily.map((d) => ({ label: d.date, value: d.resolutionRate }))}
              format={(v) => `${(v * 100).toFixed(0)}%`}
            />
            <LineChart
              title="Reply latency p90 (ms)"
              points={data.daily.map((d) => ({ label: d.date, value: d.p90LatencyMs ?? 0 }))}
            />
          </div>
          <table>
            <caption>Top intents</caption>
            <thead>
              <tr>
                <th scope="col">Intent</th>
                <th scope="col">Turns</th>
              </tr>
            </thead>
            <tbody>
              {data.topIntents.map((i) => (
                <tr key={i.intent}>
                  <td>{i.intent}</td>
                  <td>{i.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
