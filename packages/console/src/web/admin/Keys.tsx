import { type FormEvent, useCallback, useState } from "react";
import { api } from "../api.ts";
import type { Strings } from "../i18n.ts";
import { AdminTable } from "./AdminTable.tsx";
import { PanelError } from "./PanelError.tsx";
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
  expiresAt?: string | null;
  models?: string[] | null;
  lastUsedAt?: string | null;
}

/** The forms' expiry choices, in days (0: never). */
const EXPIRY_DAYS = [0, 7, 30, 90, 365] as const;

function ExpiryOptions({ t }: { t: Strings }) {
  return EXPIRY_DAYS.map((d) => (
    <option key={d} value={d}>
      {d === 0 ? t.keyNever : t.afterDays(d)}
    </option>
  ));
}

/** A form field's space- or comma-separated list, empty entries dropped. */
function listField(f: FormData, name: string): string[] {
  return String(f.get(name) ?? "")
    .split(/[\s,]+/)
    .filter((v) => v !== "");
}

export function Keys({ t }: { t: Strings }) {
  const load = useCallback(() => api<{ data: KeyInfo[] }>("/api/admin/keys"), []);
  const { data, error, setError, reload } = useLoad(load);
  const [created, setCreated] = useState<{ key: string; scope: string } | null>(null);
  const create = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    try {
      const origins = listField(f, "origins");
      const scope = String(f.get("scope"));
      const models = listField(f, "models");
      const days = Number(f.get("expires") ?? 0);
      const res = await api<{ key: string }>("/api/admin/keys", {
        body: {
          name: f.get("name"),
          scope,
          ...(origins.length > 0 ? { origins } : {}),
          ...(models.length > 0 ? { models } : {}),
          rpm: f.get("rpm") ? Number(f.get("rpm")) : undefined,
          ...(days > 0 ? { expiresAt: new Date(Date.now() + days * 86_400_000).toISOString() } : {}),
        },
      });
      setCreated({ key: res.key, scope });
      // Emptied for the next key: the one made is in the list below, and its secret above.
      form.reset();
      await reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const [editing, setEditing] = useState<KeyInfo | null>(null);
  const save = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!editing) return;
    const f = new FormData(e.currentTarget);
    const models = listField(f, "models");
    const expires = String(f.get("expires") ?? "keep");
    try {
      await api(`/api/admin/keys/${editing.id}`, {
        method: "PATCH",
        body: {
          rpm: f.get("rpm") ? Number(f.get("rpm")) : null,
          models: models.length > 0 ? models : null,
          ...(expires === "keep"
            ? {}
            : {
                expiresAt:
                  expires === "0" ? null : new Date(Date.now() + Number(expires) * 86_400_000).toISOString(),
              }),
        },
      });
      setEditing(null);
      await reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const rotate = async (k: KeyInfo) => {
    if (!window.confirm(t.rotateKeyConfirm(k.name))) return;
    try {
      const res = await api<{ key: string }>(`/api/admin/keys/${k.id}/rotate`, { method: "POST" });
      // Shown where a new key's secret is: once, with the widget snippet for a widget key.
      setCreated({ key: res.key, scope: k.scope ?? "api" });
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
    <section aria-label={t.keysRegion}>
      <h2>{t.keysRegion}</h2>
      <PanelError error={error} />
      <form onSubmit={(e) => void create(e)} className="card">
        <label>
          {t.keyName}
          <input name="name" required />
        </label>
        <label>
          {t.keyScope}
          <select name="scope">
            <option value="api">{t.scopeApi}</option>
            <option value="widget">{t.scopeWidget}</option>
          </select>
        </label>
        <label>
          {t.keyOrigins}
          <input name="origins" placeholder="https://shop.example.com" />
        </label>
        <label>
          {t.keyModels}
          <input name="models" placeholder="deepseek-r1" />
        </label>
        <label>
          {t.keyRpm}
          <input name="rpm" type="number" min={1} />
        </label>
        <label>
          {t.keyExpires}
          <select name="expires" defaultValue="0">
            <ExpiryOptions t={t} />
          </select>
        </label>
        <button type="submit">{t.createKey}</button>
      </form>
      {created && (
        <div role="status" className="card">
          <p>
            {t.newKeyShownOnce}
            <code>{created.key}</code>
          </p>
          {created.scope === "widget" && (
            <>
              <p>{t.pasteSnippet}</p>
              <pre className="snippet">
                {`<script src="${window.location.origin}/widget.js" data-key="${created.key}" data-server="${window.location.origin}"></script>`}
              </pre>
            </>
          )}
        </div>
      )}
      <AdminTable
        caption={t.keysCaption}
        columns={[
          t.colName,
          t.colScope,
          t.colOrigins,
          t.colModels,
          t.colLimits,
          t.colLastUsed,
          t.colCreated,
          t.colExpires,
          t.colStatus,
        ]}
        items={data?.data}
        itemKey={(k) => k.id}
        cells={(k) => (
          <>
            <td>{k.name}</td>
            <td>{t.scopeName[k.scope ?? "api"] ?? k.scope}</td>
            <td>{k.origins?.join(", ") ?? t.anyOrigin}</td>
            <td>{k.models?.join(", ") ?? t.anyModel}</td>
            <td>{k.rpm ? t.perMinute(t.fmt.number(k.rpm)) : "—"}</td>
            <td>
              {k.lastUsedAt ? (
                <time dateTime={k.lastUsedAt}>{t.fmt.dateTime(k.lastUsedAt)}</time>
              ) : (
                t.keyNeverUsed
              )}
            </td>
            <td>
              <time dateTime={k.createdAt}>{t.fmt.dateTime(k.createdAt)}</time>
            </td>
            <td>
              {k.expiresAt ? <time dateTime={k.expiresAt}>{t.fmt.dateTime(k.expiresAt)}</time> : t.keyNever}
            </td>
            <td>
              {k.revokedAt ? (
                t.revoked
              ) : k.expiresAt && Date.parse(k.expiresAt) <= Date.now() ? (
                t.keyExpired
              ) : (
                <>
                  <button type="button" onClick={() => setEditing(k)}>
                    {t.editKey}
                  </button>{" "}
                  <button type="button" onClick={() => void rotate(k)}>
                    {t.rotateKey}
                  </button>{" "}
                  <button type="button" onClick={() => void revoke(k.id)}>
                    {t.revoke}
                  </button>
                </>
              )}
            </td>
          </>
        )}
      />
      {editing && (
        // Keyed by the key, so opening another one starts from its own values.
        <form
          key={editing.id}
          onSubmit={(e) => void save(e)}
          className="card"
          aria-label={t.editKeyTitle(editing.name)}
        >
          <h3>{t.editKeyTitle(editing.name)}</h3>
          <label>
            {t.keyRpm}
            <input name="rpm" type="number" min={1} defaultValue={editing.rpm ?? ""} />
          </label>
          <label>
            {t.keyModels}
            <input name="models" defaultValue={editing.models?.join(", ") ?? ""} />
          </label>
          <label>
            {t.keyExpires}
            <select name="expires" defaultValue="keep">
              <option value="keep">
                {editing.expiresAt
                  ? t.keepExpiry(t.fmt.dateTime(editing.expiresAt))
                  : t.keepExpiry(t.keyNever)}
              </option>
              <ExpiryOptions t={t} />
            </select>
          </label>
          <button type="submit">{t.saveKey}</button>{" "}
          <button type="button" onClick={() => setEditing(null)}>
            {t.cancel}
          </button>
        </form>
      )}
    </section>
  );
}
