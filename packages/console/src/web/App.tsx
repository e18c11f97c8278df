import { type ReactNode, useCallback, useEffect, useMemo, useState } from "react";
import { Admin } from "./admin/Admin.tsx";
import { AgentWorkspace } from "./agent/AgentWorkspace.tsx";
import { Analytics } from "./analytics/Analytics.tsx";
import { api } from "./api.ts";
import { ChatPanel } from "./chat/ChatPanel.tsx";
import { useChat } from "./chat/use-chat.ts";
import { detectLang, type Lang, savedLang, saveLang, strings } from "./i18n.ts";
import { Login } from "./Login.tsx";
import { can, type Me, SessionContext } from "./session.ts";
import { useHashRoute } from "./use-hash-route.ts";

function visitorId(): string {
  const key = "seekdesk.visitor";
  let id = localStorage.getItem(key);
  if (!id) {
    id = `web-${crypto.randomUUID()}`;
    localStorage.setItem(key, id);
  }
  return id;
}

function CustomerChat({ lang }: { lang: Lang }) {
  const t = strings[lang];
  const endpoint = useMemo(() => ({ baseUrl: "", userId: visitorId(), language: lang }), [lang]);
  const chat = useChat(endpoint);
  return (
    <div className="page chat-page">
      <h1>{t.chatTitle}</h1>
      <ChatPanel chat={chat} t={t} />
    </div>
  );
}

export function App() {
  // The switcher's choice outlives the page; without one, the browser's language decides.
  const [lang, setLangState] = useState<Lang>(() => savedLang() ?? detectLang());
  const setLang = (next: Lang) => {
    saveLang(next);
    setLangState(next);
  };
  const [me, setMe] = useState<Me | null>(null);
  const [checked, setChecked] = useState(false);
  const route = useHashRoute();
  const t = strings[lang];

  const refresh = useCallback(async () => {
    try {
      setMe((await api<{ account: Me }>("/api/auth/me")).account);
    } catch {
      setMe(null);
    } finally {
      setChecked(true);
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  useEffect(() => {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  }, [lang]);

  const section = route.split("/")[1] ?? "chat";
  const needsLogin = section === "agent" || section === "admin" || section === "analytics";
  let page: ReactNode;
  if (section === "chat") page = <CustomerChat lang={lang} />;
  else if (!checked) page = <p>{t.loading}</p>;
  else if (needsLogin && !me) page = <Login t={t} />;
  else if (section === "agent" && can(me, "agent")) page = <AgentWorkspace t={t} />;
  else if (section === "admin" && can(me, "admin")) page = <Admin route={route} t={t} />;
  else if (section === "analytics" && can(me, "analytics")) page = <Analytics t={t} />;
  else page = <p role="alert">{t.forbidden}</p>;

  return (
    <SessionContext.Provider value={{ me, refresh }}>
      <header className="topbar">
        <a href="#/chat" className="brand">
          {t.appName}
        </a>
        <nav aria-label={t.mainNav}>
          <a href="#/chat" aria-current={section === "chat" ? "page" : undefined}>
            {t.navChat}
          </a>
          {(!me || can(me, "agent")) && (
            <a href="#/agent" aria-current={section === "agent" ? "page" : undefined}>
              {t.navAgent}
            </a>
          )}
          {(!me || can(me, "admin")) && (
            <a href="#/admin" aria-current={section === "admin" ? "page" : undefined}>
              {t.navAdmin}
            </a>
          )}
          <a href="#/analytics" aria-current={section === "analytics" ? "page" : undefined}>
            {t.navAnalytics}
          </a>
        </nav>
        <label className="lang">
          <span className="visually-hidden">{t.language}</span>
          <select value={lang} onChange={(e) => setLang(e.target.value as Lang)} aria-label={t.language}>
            <option value="en">English</option>
            <option value="zh">中文</option>
          </select>
        </label>
        {me && (
          <button
            type="button"
            className="logout"
            onClick={async () => {
              await api("/api/auth/logout", { method: "POST" });
              await refresh();
            }}
          >
            {t.logout} ({me.username})
          </button>
        )}
      </header>
      <main>{page}</main>
    </SessionContext.Provider>
  );
}
