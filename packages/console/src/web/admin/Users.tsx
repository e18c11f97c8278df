import { type FormEvent, useCallback } from "react";
import { api } from "../api.ts";
import type { Strings } from "../i18n.ts";
import { AdminTable } from "./AdminTable.tsx";
import { PanelError } from "./PanelError.tsx";
import { useLoad } from "./use-load.ts";

/** One order for every role list, agent (a new account's default) first. */
const ROLES = ["agent", "viewer", "admin"] as const;

interface Account {
  id: number;
  username: string;
  displayName: string;
  role: "admin" | "agent" | "viewer";
  disabled: boolean;
}

export function Users({ t }: { t: Strings }) {
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
    <section aria-label={t.usersRegion}>
      <h2>{t.usersHeading}</h2>
      <PanelError error={error} />
      <form onSubmit={(e) => void create(e)} className="card">
        <label>
          {t.username}
          <input name="username" required />
        </label>
        <label>
          {t.password}
          <input name="password" type="password" minLength={8} required autoComplete="new-password" />
        </label>
        <label>
          {t.userRole}
          <select name="role">
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t.roleName[r]}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{t.addUser}</button>
      </form>
      <AdminTable
        caption={t.accountsCaption}
        columns={[t.colUser, t.colRole, t.colStatus]}
        items={data?.data}
        itemKey={(u) => u.id}
        cells={(u) => (
          <>
            <td>{u.username}</td>
            <td>
              <select
                aria-label={t.roleOf(u.username)}
                value={u.role}
                onChange={(e) => void patch(u.id, { role: e.target.value as Account["role"] })}
              >
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {t.roleName[r]}
                  </option>
                ))}
              </select>
            </td>
            <td>
              <button type="button" onClick={() => void patch(u.id, { disabled: !u.disabled })}>
                {u.disabled ? t.enable : t.disable}
              </button>
            </td>
          </>
        )}
      />
    </section>
  );
}
