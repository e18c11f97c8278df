import { type FormEvent, useCallback, useState } from "react";
import { api } from "../api.ts";
import { useLoad } from "./use-load.ts";

interface KeyInfo {
  id: string;
  name: string;
  scope?: string;
  origins?: string[] | null;
  rpm?: number | null;
  tpm?: number | null;
  createdAt: string;
  revokedAt?: string | null;
}

export function Keys() {
  const load = useCallback(() => api<{ data: KeyInfo[] }>("/api/admin/keys"), []);
  const { data, error, setError, reload } = useLoad(load);
  const [created, setCreated] = useState<{ key: string; scope: string } | null>(null);
  const create = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    try {
      const origins = String(f.get("origins") ?? "")
        .split(/[\s,]+/)
        .filter((o) => o !== "");
      const scope = String(f.get("scope"));
      const res = await api<{ key: string }>("/api/admin/keys", {
        body: {
          name: f.get("name"),
          scope,
          ...(origins.length > 0 ? { origins } : {}),
          rpm: f.get("rpm") ? Number(f.get("rpm")) : undefined,
        },
      });
      setCreated({ key: res.key, scope });
      await reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const revoke = async (id: string) => {
    await api(`/api/admin/keys/${id}`, { method: "DELETE" }).catch((err) => setError((err as Error).message));
    await reload();
  };
  return (
    <section aria-label="API keys">
      <h2>API keys</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <form onSubmit={(e) => void create(e)} className="card">
        <label>
          Name
          <input name="name" required />
        </label>
        <label>
          Scope
          <select name="scope">
            <option value="api">API (all model routes)</option>
            <option value="widget">Widget (conversation routes only)</option>
          </select>
        </label>
        <label>
          Allowed origins (widget keys; space or comma separated, empty = any site)
          <input name="origins" placeholder="https://shop.example.com" />
        </label>
        <label>
          Requests per minute
          <input name="rpm" type="number" min={1} />
        </label>
        <button type="submit">Create key</button>
      </form>
      {created && (
        <div role="status" className="card">
          <p>
            New key (shown once): <code>{created.key}</code>
          </p>
          {created.scope === "widget" && (
            <>
              <p>Paste this into your site's pages:</p>
              <pre className="snippet">
                {`<script src="${window.location.origin}/widget.js" data-key="${created.key}" data-server="${window.location.origin}"></script>`}
              </pre>
            </>
          )}
        </div>
      )}
      <table>
        <caption>Keys</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Scope</th>
            <th scope="col">Origins</th>
            <th scope="col">Limits</th>
            <th scope="col">Created</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {data?.data.map((k) => (
            <tr key={k.id}>
              <td>{k.name}</td>
              <td>{k.scope ?? "api"}</td>
              <td>{k.origins?.join(", ") ?? "any"}</td>
              <td>{k.rpm ? `${k.rpm} rpm` : "—"}</td>
              <td>{k.createdAt}</td>
              <td>
                {k.revokedAt ? (
                  "revoked"
                ) : (
                  <button type="button" onClick={() => void revoke(k.id)}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
