import { type FormEvent, useCallback, useState } from "react";
import { api } from "../api.ts";
import type { Strings } from "../i18n.ts";
import { AdminTable } from "./AdminTable.tsx";
import { PanelError } from "./PanelError.tsx";
import { useLoad } from "./use-load.ts";

interface Doc {
  id: string;
  title: string;
  source: string;
  chunks: number;
  updatedAt?: string;
}
interface Hit {
  chunkId: string;
  text: string;
  score: number;
  citation: { title: string; source: string; section?: string };
}

export function Knowledge({ t }: { t: Strings }) {
  const load = useCallback(() => api<{ data: Doc[] }>("/api/kb/documents"), []);
  const { data, error, setError, reload } = useLoad(load);
  const [hits, setHits] = useState<Hit[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [chunks, setChunks] = useState<{ docId: string; items: { id: string; text: string }[] } | null>(null);

  const upload = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    try {
      await api("/api/kb/documents", { body: form });
      e.currentTarget?.reset?.();
      await reload();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const crawl = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const url = new FormData(e.currentTarget).get("url");
    try {
      await api("/api/kb/crawl", { body: { url, maxPages: 50 } });
      await reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const search = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const q = String(new FormData(e.currentTarget).get("q") ?? "");
    try {
      setHits((await api<{ data: Hit[] }>(`/api/kb/search?q=${encodeURIComponent(q)}&k=5`)).data);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const showChunks = async (docId: string) => {
    try {
      const res = await api<{ data: { id: string; text: string }[] }>(
        `/api/kb/documents/${encodeURIComponent(docId)}/chunks`,
      );
      setChunks({ docId, items: res.data });
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const remove = async (docId: string) => {
    await api(`/api/kb/documents/${encodeURIComponent(docId)}`, { method: "DELETE" }).catch((err) =>
      setError((err as Error).message),
    );
    await reload();
  };

  return (
    <section aria-label={t.kbRegion}>
      <h2>{t.kbRegion}</h2>
      <PanelError error={error} />
      <div className="row">
        <form onSubmit={(e) => void upload(e)} className="card">
          <h3>{t.kbUpload}</h3>
          <label>
            {t.kbDocument}
            <input type="file" name="file" required />
          </label>
          <button type="submit" disabled={busy}>
            {busy ? t.kbUploading : t.kbUpload}
          </button>
        </form>
        <form onSubmit={(e) => void crawl(e)} className="card">
          <h3>{t.kbCrawlHeading}</h3>
          <label>
            {t.kbStartUrl}
            <input type="url" name="url" required />
          </label>
          <button type="submit">{t.kbCrawl}</button>
        </form>
        <form onSubmit={(e) => void search(e)} className="card">
          <h3>{t.kbSearchHeading}</h3>
          <label>
            {t.kbQuery}
            <input name="q" required />
          </label>
          <button type="submit">{t.kbSearch}</button>
        </form>
      </div>
      {hits && (
        <ol className="hits" aria-label={t.kbResults}>
          {hits.map((h) => (
            <li key={h.chunkId}>
              <strong>{h.citation.title}</strong>{" "}
              <small title={t.kbScore}>({t.fmt.decimal(h.score, 3)})</small>
              <p>{h.text.slice(0, 300)}</p>
            </li>
          ))}
          {hits.length === 0 && <li>{t.kbNoResults}</li>}
        </ol>
      )}
      <AdminTable
        caption={t.kbDocuments}
        columns={[t.kbTitle, t.kbSource, t.kbChunks, t.kbActions]}
        items={data?.data}
        itemKey={(d) => d.id}
        empty={t.kbNoDocuments}
        cells={(d) => (
          <>
            <td>{d.title}</td>
            <td>{d.source}</td>
            <td>{t.fmt.number(d.chunks)}</td>
            <td>
              <button type="button" onClick={() => void showChunks(d.id)}>
                {t.kbChunks}
              </button>{" "}
              <button type="button" onClick={() => void remove(d.id)}>
                {t.kbRemove}
              </button>
            </td>
          </>
        )}
      />
      {chunks && (
        <section aria-label={t.kbChunks}>
          <h3>{t.kbShowChunksOf(chunks.docId)}</h3>
          <ol>
            {chunks.items.map((c) => (
              <li key={c.id}>
                <pre>{c.text}</pre>
              </li>
            ))}
          </ol>
        </section>
      )}
    </section>
  );
}
