import { useMemo, useState } from "react";
import { createRoot } from "react-dom/client";
import { ChatPanel } from "../chat/ChatPanel.tsx";
import { useChat } from "../chat/use-chat.ts";
import { chatStrings } from "../i18n/chat.ts";
import { detectLang, type Lang } from "../i18n/lang.ts";
import css from "../styles.css?inline";

/**
 * The embeddable widget: `<script src="https://desk.example.com/widget.js" data-key="sk-widget-…"></script>`.
 * It renders inside a shadow root so the host page's CSS cannot break it (nor it the page's), and talks
 * to seekdesk across origins with a widget-scoped key that opens only the conversation routes
 * (created with `seekdesk keys create --scope widget --origin https://shop.example.com`).
 */
interface WidgetOptions {
  baseUrl: string;
  apiKey?: string;
  lang: Lang;
  userId: string;
  open: boolean;
}

function Widget({ opts }: { opts: WidgetOptions }) {
  const [open, setOpen] = useState(opts.open);
  const t = chatStrings[opts.lang];
  const endpoint = useMemo(
    () => ({ baseUrl: opts.baseUrl, apiKey: opts.apiKey, userId: opts.userId, language: opts.lang }),
    [opts],
  );
  const chat = useChat(endpoint);
  return (
    <div className="sd-widget" lang={opts.lang === "zh" ? "zh-CN" : "en"}>
      {open && (
        <div className="sd-panel" role="dialog" aria-label={t.chatTitle}>
          <header className="sd-head">
            <strong>{t.chatTitle}</strong>
            <button type="button" onClick={() => setOpen(false)} aria-label={t.closeWidget}>
              ×
            </button>
          </header>
          <ChatPanel chat={chat} t={t} />
        </div>
      )}
      {!open && (
        <button type="button" className="sd-launcher" onClick={() => setOpen(true)} aria-label={t.openWidget}>
          <svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true" focusable="false">
            <path
              d="M4 5h16v11H9l-5 4z"
              fill="none"
              stroke="currentColor"
              strokeWidth="2"
              strokeLinejoin="round"
            />
          </svg>
        </button>
      )}
    </div>
  );
}

/**
 * This browser's visitor id. With a widget key it is sent on every request (x-seekdesk-visitor)
 * and is what the server knows the customer by, so it must stay unguessable: a random UUID.
 * A host page that sets `data-user` instead must use 16–200 characters of [A-Za-z0-9_:.-].
 */
function visitorId(): string {
  const key = "seekdesk.widget.visitor";
  let id = localStorage.getItem(key);
  if (!id) {
    id = `widget-${crypto.randomUUID()}`;
    localStorage.setItem(key, id);
  }
  return id;
}

function mount() {
  const script =
    (document.currentScript as HTMLScriptElement | null) ??
    document.querySelector<HTMLScriptElement>("script[src*='widget.js']");
  const src = script?.src ? new URL(script.src) : new URL(window.location.href);
  const opts: WidgetOptions = {
    baseUrl: script?.dataset.server ?? src.origin,
    apiKey: script?.dataset.key,
    lang: (script?.dataset.lang as Lang | undefined) ?? detectLang(),
    userId: script?.dataset.user ?? visitorId(),
    open: script?.dataset.open === "true",
  };
  const host = document.createElement("div");
  host.id = "seekdesk-widget";
  document.body.appendChild(host);
  const shadow = host.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = css;
  shadow.appendChild(style);
  const container = document.createElement("div");
  shadow.appendChild(container);
  createRoot(container).render(<Widget opts={opts} />);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
else mount();
