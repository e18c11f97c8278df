import { type FormEvent, useCallback, useState } from "react";
import { api } from "../api.ts";
import { useLoad } from "./use-load.ts";

interface KeyInfo {
  id: string;
  name: string;
  scope?: string;
  rpm?: number | null;
  tpm?: number | null;
  createdAt: string;
  revokedAt?: string | null;
}

export function Keys() {
  const load = useCallback(() => api<{ data: KeyInfo[] }>("/api/admin/keys"), []);
  const { data, error, setError, reload } = useLoad(load);
  const [created, setCreated] = useState<string | null>(null);
  const create = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    try {
      const res = await api<{ key: string }>("/api/admin/keys", {
        body: {
          name: f.get("name"),
          scope: f.get("scope"),
          rpm: f.get("rpm") ? Number(f.get("rpm")) : undefined,
        },
      });
      setCreated(res.key);
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
          Requests per minute
          <input name="rpm" type="number" min={1} />
        </label>
        <button type="submit">Create key</button>
      </form>
      {created && (
        <p role="status" className="card">
          New key (shown once): <code>{created}</code>
        </p>
      )}
      <table>
        <caption>Keys</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Scope</th>
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
