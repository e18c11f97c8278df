import { type FormEvent, useCallback, useState } from "react";
import { api } from "../api.ts";
import type { Strings } from "../i18n.ts";
import { PanelError } from "./PanelError.tsx";
import { useLoad } from "./use-load.ts";

interface DeskSettings {
  handoffThreshold: number;
  windowTurns: number;
  maxLowConfidenceTurns: number;
  negativeSentimentThreshold: number;
  sensitiveIntents: string[];
  handoffPhrases: string[];
}

export function Settings({ t }: { t: Strings }) {
  const load = useCallback(() => api<DeskSettings>("/api/admin/settings"), []);
  const { data, error, setError, reload } = useLoad(load);
  const [saved, setSaved] = useState(false);
  const save = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    try {
      await api("/api/admin/settings", {
        method: "PUT",
        body: {
          handoffThreshold: Number(f.get("handoffThreshold")),
          windowTurns: Number(f.get("windowTurns")),
          maxLowConfidenceTurns: Number(f.get("maxLowConfidenceTurns")),
          negativeSentimentThreshold: Number(f.get("negativeSentimentThreshold")),
          sensitiveIntents: String(f.get("sensitiveIntents") ?? "")
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean),
          handoffPhrases: String(f.get("handoffPhrases") ?? "")
            .split("\n")
            .map((s) => s.trim())
            .filter(Boolean),
        },
      });
      setSaved(true);
      await reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  if (!data) return error ? <p role="alert">{error}</p> : <p>{t.loading}</p>;
  return (
    <form className="card" aria-label={t.settingsRegion} onSubmit={(e) => void save(e)}>
      <h2>{t.settingsHeading}</h2>
      <PanelError error={error} />
      <label>
        {t.handoffThreshold}
        <input
          name="handoffThreshold"
          type="number"
          step="0.05"
          min="0"
          max="1"
          defaultValue={data.handoffThreshold}
        />
      </label>
      <label>
        {t.windowTurns}
        <input name="windowTurns" type="number" min="1" max="40" defaultValue={data.windowTurns} />
      </label>
      <label>
        {t.maxLowConfidenceTurns}
        <input
          name="maxLowConfidenceTurns"
          type="number"
          min="1"
          max="10"
          defaultValue={data.maxLowConfidenceTurns}
        />
      </label>
      <label>
        {t.negativeSentimentThreshold}
        <input
          name="negativeSentimentThreshold"
          type="number"
          step="0.05"
          min="-1"
          max="0"
          defaultValue={data.negativeSentimentThreshold}
        />
      </label>
      <label>
        {t.sensitiveIntents}
        <input name="sensitiveIntents" defaultValue={data.sensitiveIntents.join(", ")} />
      </label>
      <label>
        {t.handoffPhrases}
        <textarea name="handoffPhrases" rows={3} defaultValue={data.handoffPhrases.join("\n")} />
      </label>
      <button type="submit">{t.save}</button>
      {saved && <p role="status">{t.saved}</p>}
    </form>
  );
}
