import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Admin } from "./admin/Admin.tsx";
import { AgentWorkspace } from "./agent/AgentWorkspace.tsx";
import { Analytics } from "./analytics/Analytics.tsx";
import { api, SESSION_REFUSED_EVENT } from "./api.ts";
import { ChatPanel } from "./chat/ChatPanel.tsx";
import { useChat } from "./chat/use-chat.ts";
import { detectLang, type Lang, type Strings, savedLang, saveLang, strings } from "./i18n.ts";
import { Login } from "./Login.tsx";
import { can, type Me, SessionContext, useSession } from "./session.ts";
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

/**
 * The console's own chat page. A signed-in account (any role) chats as itself, the customer
 * `account:<username>` (a namespace the server keeps apart from integrations' customer ids), to try
 * the bot; its session is its credential, so no key ever reaches the page. A visitor without a session chats
 * only while the server holds no key: on a keyed install the server refuses anonymous callers, and
 * the page says where customers chat and lets staff sign in, rather than fail on the first message.
 *
 * A session that ends under the page (the chat's request answered 401) signs the whole page out:
 * the top bar and the line above the chat show the signed-out state at once, not at the next
 * reload. The ended account's chat stays on screen, with what it could not send marked as waiting,
 * until someone signs in; the chat then starts over and sends that.
 */
function CustomerChat({ lang, me, checked }: { lang: Lang; me: Me | null; checked: boolean }) {
  const t = strings[lang];
  const { refresh } = useSession();
  const [anonymousOpen, setAnonymousOpen] = useState<boolean | null>(null);
  // Bumped by each sign-in from this page: a session that expired mid-chat and is renewed under
  // the same name must not keep the refused conversation's state.
  const [signIns, setSignIns] = useState(0);
  const signedIn = useCallback(() => setSignIns((n) => n + 1), []);
  /** The account whose session ended while its chat was open (cleared by the next sign-in). */
  const [lapsed, setLapsed] = useState<string | null>(null);
  useEffect(() => {
    if (me) setLapsed(null);
  }, [me]);
  const denied = useCallback(() => {
    if (!me) return;
    setLapsed(me.username);
    // Asks the server rather than assume: only a session it no longer knows signs the page out.
    void refresh();
  }, [me, refresh]);
  useEffect(() => {
    if (!checked || me) return;
    let live = true;
    api<{ anonymous: boolean }>("/api/auth/chat-access").then(
      (r) => live && setAnonymousOpen(r.anonymous),
      // A server without the route: try the chat; a 401 then shows the same notice.
      () => live && setAnonymousOpen(true),
    );
    return () => {
      live = false;
    };
  }, [checked, me]);

  const account = me?.username ?? lapsed;
  let body: ReactNode;
  if (!checked) body = <p>{t.loading}</p>;
  else if (account)
    // One shape signed in or lapsed, so the same chat stays mounted when its session ends.
    body = (
      <>
        <p className="muted chat-as" role="status">
          {me ? t.chatSignedInAs(me.username) : t.chatSignedOut(account)}
        </p>
        <ChatSession
          key={`account:${account}:${signIns}`}
          userId={`account:${account}`}
          lang={lang}
          onSignedIn={signedIn}
          onDenied={denied}
        />
      </>
    );
  else if (anonymousOpen === null) body = <p>{t.loading}</p>;
  else if (anonymousOpen)
    body = <ChatSession key="visitor" userId={visitorId()} lang={lang} onSignedIn={signedIn} />;
  else body = <StaffOnlyNotice t={t} onSignedIn={signedIn} />;
  return (
    <div className="page chat-page">
      <h1>{t.chatTitle}</h1>
      {body}
    </div>
  );
}

/** One identity's conversation; keyed by it, so signing in or out starts from a clean state. */
function ChatSession({
  userId,
  lang,
  onSignedIn,
  onDenied,
}: {
  userId: string;
  lang: Lang;
  onSignedIn: () => void;
  /** The server refused this identity (401). */
  onDenied?: () => void;
}) {
  const t = strings[lang];
  const endpoint = useMemo(() => ({ baseUrl: "", userId, language: lang }), [userId, lang]);
  const chat = useChat(endpoint);
  // Told once per refusal: the callback changes with the session it reports on.
  const deniedRef = useRef(onDenied);
  deniedRef.current = onDenied;
  const isDenied = chat.state.denied;
  useEffect(() => {
    if (isDenied) deniedRef.current?.();
  }, [isDenied]);
  return <ChatPanel chat={chat} t={t} denied={<StaffOnlyNotice t={t} onSignedIn={onSignedIn} />} />;
}

function StaffOnlyNotice({ t, onSignedIn }: { t: Strings; onSignedIn: () => void }) {
  return (
    <section className="card staff-only" aria-labelledby="staff-only-title">
      <h2 id="staff-only-title">{t.chatKeyedTitle}</h2>
      <p>{t.chatKeyedExplain}</p>
      <Login t={t} onSignedIn={onSignedIn} />
    </section>
  );
}

/** The top bar's sign-in leads here; the chat is where an account goes first. */
function goToChat() {
  window.location.hash = "#/chat";
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
  // A staff page's call refused with 401: re-read the session, so a lapsed one signs the whole page
  // out. The chat handles its own refusals (it keeps the lapsed account's transcript and outbox
  // on screen first), so its calls are left to it.
  const sectionRef = useRef("");
  useEffect(() => {
    const onRefused = () => {
      if (sectionRef.current !== "chat") void refresh();
    };
    window.addEventListener(SESSION_REFUSED_EVENT, onRefused);
    return () => window.removeEventListener(SESSION_REFUSED_EVENT, onRefused);
  }, [refresh]);
  useEffect(() => {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  }, [lang]);

  const section = route.split("/")[1] ?? "chat";
  sectionRef.current = section;
  const needsLogin = section === "agent" || section === "admin" || section === "analytics";
  let page: ReactNode;
  if (section === "chat") page = <CustomerChat lang={lang} me={me} checked={checked} />;
  else if (section === "login") page = <Login t={t} onSignedIn={goToChat} />;
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
        {checked && !me && section !== "login" && (
          <a href="#/login" className="sign-in">
            {t.login}
          </a>
        )}
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
