import { useCallback, useEffect } from "react";
import type { ModelStats } from "../../server/models/model-stats.ts";
import { api } from "../api.ts";
import type { Strings } from "../i18n.ts";
import { AdminTable } from "./AdminTable.tsx";
import { PanelError } from "./PanelError.tsx";
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

export function Models({ t }: { t: Strings }) {
  // The stats are in seconds.
  const ms = (s: number | null | undefined) => t.fmt.ms(s === null || s === undefined ? s : s * 1000);
  const load = useCallback(() => api<{ data: ModelStatus[] }>("/api/admin/models"), []);
  const { data, error, reload } = useLoad(load);
  // Live: the table refreshes every 5 s while the page is open.
  useEffect(() => {
    const timer = setInterval(() => void reload(), 5000);
    return () => clearInterval(timer);
  }, [reload]);
  return (
    <section aria-label={t.modelsRegion}>
      <h2>{t.modelsHeading}</h2>
      <PanelError error={error} />
      <AdminTable
        caption={t.modelsCaption}
        columns={[
          t.colModel,
          t.colBackend,
          t.colReady,
          t.colQueue,
          t.colActive,
          t.colRequests,
          t.colErrors,
          t.colTokens,
          t.colFirstToken,
          t.colPerToken,
        ]}
        items={data?.data}
        itemKey={(m) => m.id}
        empty={t.noModel}
        cells={(m) => (
          <>
            <td>{m.id}</td>
            <td>{m.backend}</td>
            <td>{m.ready ? t.yes : t.no}</td>
            <td>{m.queueDepth ?? "—"}</td>
            <td>{m.activeSequences ?? "—"}</td>
            <td>{t.fmt.number(m.stats?.requests ?? 0)}</td>
            <td>{t.fmt.number(m.stats?.errors ?? 0)}</td>
            <td>
              {t.fmt.number(m.stats?.promptTokens ?? 0)} / {t.fmt.number(m.stats?.generatedTokens ?? 0)}
            </td>
            <td>
              {ms(m.stats?.ttftP50)} / {ms(m.stats?.ttftP95)}
            </td>
            <td>{ms(m.stats?.tpotP50)}</td>
          </>
        )}
      />
      <p>
        {t.modelsNoteBefore}
        <code>/metrics</code>
        {t.modelsNoteAfter}
      </p>
    </section>
  );
}
