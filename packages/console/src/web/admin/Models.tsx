import { useCallback, useEffect, useState } from "react";
import { api } from "../api.ts";
import { useLoad } from "./use-load.ts";

interface ModelStatus {
  id: string;
  backend: string;
  ready: boolean;
  healthy?: boolean;
  queueDepth?: number;
  activeSequences?: number;
}

export function Models() {
  const load = useCallback(() => api<{ data: ModelStatus[] }>("/api/admin/models"), []);
  const { data, error, reload } = useLoad(load);
  const [metrics, setMetrics] = useState<string>("");
  useEffect(() => {
    const tick = async () => {
      const res = await fetch("/metrics");
      const text = await res.text();
      setMetrics(
        text
          .split("\n")
          .filter((l) => l.startsWith("seekdesk_") && !l.includes("_bucket"))
          .slice(0, 40)
          .join("\n"),
      );
      await reload();
    };
    void tick();
    const timer = setInterval(() => void tick(), 5000);
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
            </tr>
          ))}
          {data?.data.length === 0 && (
            <tr>
              <td colSpan={5}>No generative model configured: the desk answers from retrieval.</td>
            </tr>
          )}
        </tbody>
      </table>
      <h3>Live metrics</h3>
      <pre className="metrics">{metrics}</pre>
    </section>
  );
}
