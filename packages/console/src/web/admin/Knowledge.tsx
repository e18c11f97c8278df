import { type FormEvent, useCallback, useState } from "react";
import { api } from "../api.ts";
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

export function Knowledge() {
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
    <section aria-label="Knowledge base">
      <h2>Knowledge base</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="row">
        <form onSubmit={(e) => void upload(e)} className="card">
          <h3>Upload</h3>
          <label>
            Document (Markdown, text, HTML, PDF, DOCX, CSV/XLSX FAQ, JSONL)
            <input type="file" name="file" required />
          </label>
          <button type="submit" disabled={busy}>
            {busy ? "Uploading…" : "Upload"}
          </button>
        </form>
        <form onSubmit={(e) => void crawl(e)} className="card">
          <h3>Crawl a site</h3>
          <label>
            Start URL
            <input type="url" name="url" required />
          </label>
          <button type="submit">Crawl</button>
        </form>
        <form onSubmit={(e) => void search(e)} className="card">
          <h3>Try a search</h3>
          <label>
            Query
            <input name="q" required />
          </label>
          <button type="submit">Search</button>
        </form>
      </div>
      {hits && (
        <ol className="hits" aria-label="Search results">
          {hits.map((h) => (
            <li key={h.chunkId}>
              <strong>{h.citation.title}</strong> <small>({h.score.toFixed(3)})</small>
              <p>{h.text.slice(0, 300)}</p>
            </li>
          ))}
          {hits.length === 0 && <li>No results.</li>}
        </ol>
      )}
      <table>
        <caption>Documents</caption>
        <thead>
          <tr>
            <th scope="col">Title</th>
            <th scope="col">Source</th>
            <th scope="col">Chunks</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {data?.data.map((d) => (
            <tr key={d.id}>
              <td>{d.title}</td>
              <td>{d.source}</td>
              <td>{d.chunks}</td>
              <td>
                <button type="button" onClick={() => void showChunks(d.id)}>
                  Chunks
                </button>{" "}
                <button type="button" onClick={() => void remove(d.id)}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {chunks && (
        <section aria-label="Chunks">
          <h3>Chunks of {chunks.docId}</h3>
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
