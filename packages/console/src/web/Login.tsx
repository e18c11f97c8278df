import { type FormEvent, useState } from "react";
import { api } from "./api.ts";
import type { Strings } from "./i18n.ts";
import { useSession } from "./session.ts";

/** The sign-in form; `onSignedIn` runs after the session is refreshed (the chat page starts over then). */
export function Login({ t, onSignedIn }: { t: Strings; onSignedIn?: () => void }) {
  const { refresh } = useSession();
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    try {
      await api("/api/auth/login", {
        body: { username: form.get("username"), password: form.get("password") },
      });
      setError(null);
      await refresh();
      onSignedIn?.();
    } catch {
      setError(t.loginFailed);
    }
  };
  return (
    <form className="card login" onSubmit={(e) => void submit(e)}>
      <h2>{t.login}</h2>
      <label>
        {t.username}
        <input name="username" autoComplete="username" required />
      </label>
      <label>
        {t.password}
        <input name="password" type="password" autoComplete="current-password" required />
      </label>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <button type="submit">{t.login}</button>
    </form>
  );
}
