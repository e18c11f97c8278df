import { type FormEvent, useCallback } from "react";
import { api } from "../api.ts";
import { useLoad } from "./use-load.ts";

interface Account {
  id: number;
  username: string;
  displayName: string;
  role: "admin" | "agent" | "viewer";
  disabled: boolean;
}

export function Users() {
  const load = useCallback(() => api<{ data: Account[] }>("/api/admin/users"), []);
  const { data, error, setError, reload } = useLoad(load);
  const create = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    try {
      await api("/api/admin/users", {
        body: { username: f.get("username"), password: f.get("password"), role: f.get("role") },
      });
      e.currentTarget?.reset?.();
      await reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const patch = async (id: number, body: Partial<Account>) => {
    await api(`/api/admin/users/${id}`, { method: "PATCH", body }).catch((err) =>
      setError((err as Error).message),
    );
    await reload();
  };
  return (
    <section aria-label="Users">
      <h2>Users and roles</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <form onSubmit={(e) => void create(e)} className="card">
        <label>
          Username
          <input name="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" minLength={8} required autoComplete="new-password" />
        </label>
        <label>
          Role
          <select name="role">
            <option value="agent">agent</option>
            <option value="viewer">viewer</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <button type="submit">Add user</button>
      </form>
      <table>
        <caption>Accounts</caption>
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {data?.data.map((u) => (
            <tr key={u.id}>
              <td>{u.username}</td>
              <td>
                <select
                  aria-label={`Role of ${u.username}`}
                  value={u.role}
                  onChange={(e) => void patch(u.id, { role: e.target.value as Account["role"] })}
                >
                  <option value="admin">admin</option>
                  <option value="agent">agent</option>
                  <option value="viewer">viewer</option>
                </select>
              </td>
              <td>
                <button type="button" onClick={() => void patch(u.id, { disabled: !u.disabled })}>
                  {u.disabled ? "Enable" : "Disable"}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
