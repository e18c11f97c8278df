import { useCallback, useState } from "react";
import { api } from "../api.ts";
import { useLoad } from "./use-load.ts";

interface IntentInfo {
  name: string;
  examples: string[];
  reply?: string;
}
interface EvalReport {
  accuracy: number;
  macro_f1: number;
  labels: string[];
  confusion: number[][];
  train_ms: number;
}

export function Intents() {
  const load = useCallback(() => api<{ data: IntentInfo[] }>("/api/admin/intents"), []);
  const { data, error, setError, reload } = useLoad(load);
  const [report, setReport] = useState<EvalReport | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const addExample = async (intent: string, text: string) => {
    try {
      await api(`/api/admin/intents/${encodeURIComponent(intent)}/examples`, { body: { text } });
      await reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const removeExample = async (intent: string, text: string) => {
    try {
      await api(`/api/admin/intents/${encodeURIComponent(intent)}/examples`, {
        method: "DELETE",
        body: { text },
      });
      await reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const trainAndEvaluate = async () => {
    setBusy(true);
    try {
      setReport(await api<EvalReport>("/api/admin/intents/train", { method: "POST", body: {} }));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-label="Intents">
      <h2>Intents ({data?.data.length ?? 0})</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <button type="button" onClick={() => void trainAndEvaluate()} disabled={busy}>
        {busy ? "Training…" : "Train and evaluate"}
      </button>
      {report && (
        <div className="card">
          <p>
            Accuracy {(report.accuracy * 100).toFixed(1)}% · macro-F1 {(report.macro_f1 * 100).toFixed(1)}% ·
            trained in {report.train_ms} ms
          </p>
          <div className="scroll">
            <table className="confusion">
              <caption>Confusion matrix (rows: true intent, columns: predicted)</caption>
              <thead>
                <tr>
                  <th scope="col">true \ predicted</th>
                  {report.labels.map((l) => (
                    <th key={l} scope="col" title={l}>
                      {l.slice(0, 6)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {report.confusion.map((row, i) => (
                  <tr key={report.labels[i]}>
                    <th scope="row">{report.labels[i]}</th>
                    {row.map((n, j) => (
                      <td key={report.labels[j]} className={i === j ? "diag" : n > 0 ? "off" : ""}>
                        {n || ""}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
      <ul className="intent-list">
        {data?.data.map((it) => (
          <li key={it.name}>
            <button
              type="button"
              onClick={() => setOpen(open === it.name ? null : it.name)}
              aria-expanded={open === it.name}
            >
              {it.name} ({it.examples.length})
            </button>
            {open === it.name && (
              <div>
                <ul>
                  {it.examples.map((ex) => (
                    <li key={ex}>
                      {ex}{" "}
                      <button
                        type="button"
                        className="link"
                        aria-label={`Remove the example “${ex}”`}
                        onClick={() => void removeExample(it.name, ex)}
                      >
                        remove
                      </button>
                    </li>
                  ))}
                </ul>
                <form
                  onSubmit={(e) => {
                    e.preventDefault();
                    const text = String(new FormData(e.currentTarget).get("example") ?? "");
                    void addExample(it.name, text);
                    e.currentTarget.reset();
                  }}
                >
                  <label>
                    New example
                    <input name="example" required />
                  </label>
                  <button type="submit">Add</button>
                </form>
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
