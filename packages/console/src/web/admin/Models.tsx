import { useCallback, useEffect } from "react";
import type { ModelStats } from "../../server/models/model-stats.ts";
import { api } from "../api.ts";
import { useLoad } from "./use-load.ts";

interface ModelStatus {
  id: string;
  backend: string;
  ready: boolean;
  healthy?: boolean;
  queueDepth?: number;
  activeSequences?: number;
  stats?: ModelStats;
}

const ms = (s: number | null | undefined) =>
  s === null || s === undefined ? "—" : `${Math.round(s * 1000)} ms`;

export function Models() {
  const load = useCallback(() => api<{ data: ModelStatus[] }>("/api/admin/models"), []);
  const { data, error, reload } = useLoad(load);
  // Live: the table refreshes every 5 s while the page is open.
  useEffect(() => {
    const timer = setInterval(() => void reload(), 5000);
    return () => clearInterval(timer);
  }, [reload]);
  return (
    <section aria-label="Models">
      <h2>Models and backends</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <table>
        <caption>Configured models</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Backend</th>
            <th scope="col">Ready</th>
            <th scope="col">Queue</th>
            <th scope="col">Active</th>
            <th scope="col">Requests</th>
            <th scope="col">Errors</th>
            <th scope="col">Tokens in / out</th>
            <th scope="col">First token p50 / p95</th>
            <th scope="col">Per token p50</th>
          </tr>
        </thead>
        <tbody>
          {data?.data.map((m) => (
            <tr key={m.id}>
              <td>{m.id}</td>
              <td>{m.backend}</td>
              <td>{m.ready ? "yes" : "no"}</td>
              <td>{m.queueDepth ?? "—"}</td>
              <td>{m.activeSequences ?? "—"}</td>
              <td>{m.stats?.requests ?? 0}</td>
              <td>{m.stats?.errors ?? 0}</td>
              <td>
                {m.stats?.promptTokens ?? 0} / {m.stats?.generatedTokens ?? 0}
              </td>
              <td>
                {ms(m.stats?.ttftP50)} / {ms(m.stats?.ttftP95)}
              </td>
              <td>{ms(m.stats?.tpotP50)}</td>
            </tr>
          ))}
          {data?.data.length === 0 && (
            <tr>
              <td colSpan={10}>No generative model configured: the desk answers from retrieval.</td>
            </tr>
          )}
        </tbody>
      </table>
      <p>
        Figures since the server started; Prometheus scrapes the full set at <code>/metrics</code>.
      </p>
    </section>
  );
}
