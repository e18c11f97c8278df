import { useCallback, useState } from "react";
import { api } from "../api.ts";
import type { Strings } from "../i18n.ts";
import { PanelError } from "./PanelError.tsx";
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

export function Intents({ t }: { t: Strings }) {
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
    <section aria-label={t.intentsRegion}>
      <h2>{t.intentsHeading(data?.data.length ?? 0)}</h2>
      <PanelError error={error} />
      <button type="button" onClick={() => void trainAndEvaluate()} disabled={busy}>
        {busy ? t.training : t.train}
      </button>
      {report && (
        <div className="card">
          <p>
            {t.evalSummary(
              t.fmt.percent(report.accuracy),
              t.fmt.percent(report.macro_f1),
              t.fmt.ms(report.train_ms),
            )}
          </p>
          <div className="scroll">
            <table className="confusion">
              <caption>{t.confusionCaption}</caption>
              <thead>
                <tr>
                  <th scope="col">{t.confusionCorner}</th>
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
                        aria-label={t.removeExample(ex)}
                        onClick={() => void removeExample(it.name, ex)}
                      >
                        {t.remove}
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
                    {t.newExample}
                    <input name="example" required />
                  </label>
                  <button type="submit">{t.add}</button>
                </form>
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
