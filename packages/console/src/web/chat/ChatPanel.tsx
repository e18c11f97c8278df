import { type FormEvent, useEffect, useRef, useState } from "react";
import type { Strings } from "../i18n.ts";
import type { ChatMessage } from "./chat-state.ts";
import type { useChat } from "./use-chat.ts";

type Chat = ReturnType<typeof useChat>;

function citationHref(source: string, baseUrl: string): string {
  if (/^https?:\/\//.test(source)) return source;
  return `${baseUrl}/api/kb/source?ref=${encodeURIComponent(source)}`;
}

function MessageBubble({ m, t, baseUrl }: { m: ChatMessage; t: Strings; baseUrl: string }) {
  const who = m.role === "user" ? t.you : m.role === "agent" ? t.agent : t.bot;
  return (
    <li className={`msg msg-${m.role}`} data-seq={m.seq} data-role={m.role}>
      <span className="msg-who">{who}</span>
      <p className="msg-text">{m.text}</p>
      {m.citations && m.citations.length > 0 && (
        <nav className="citations" aria-label={t.sources}>
          <span>{t.sources}:</span>
          <ol>
            {m.citations.map((c, i) => (
              <li key={`${c.docId}-${c.section ?? ""}-${c.title}`}>
                <a
                  href={citationHref(c.source, baseUrl)}
                  target="_blank"
                  rel="noreferrer"
                  className="citation"
                >
                  [{i + 1}] {c.title}
                  {c.section ? ` · ${c.section}` : ""}
                </a>
              </li>
            ))}
          </ol>
        </nav>
      )}
    </li>
  );
}

/** The customer's side of a conversation; used by the console's chat page and by the embeddable widget. */
export function ChatPanel({ chat, t, baseUrl }: { chat: Chat; t: Strings; baseUrl: string }) {
  const { state, send, sendMedia } = chat;
  const [draft, setDraft] = useState("");
  const [recorder, setRecorder] = useState<MediaRecorder | null>(null);
  const listRef = useRef<HTMLOListElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);

  const scrollKey = `${state.messages.length}:${state.pending.length}:${state.streaming?.length ?? 0}`;
  useEffect(() => {
    if (scrollKey) listRef.current?.lastElementChild?.scrollIntoView?.({ block: "end" });
  }, [scrollKey]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void send(draft);
    setDraft("");
  };

  const toggleRecording = async () => {
    if (recorder) {
      recorder.stop();
      setRecorder(null);
      return;
    }
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const rec = new MediaRecorder(stream);
    const parts: Blob[] = [];
    rec.ondataavailable = (ev) => parts.push(ev.data);
    rec.onstop = () => {
      for (const track of stream.getTracks()) track.stop();
      void sendMedia("audio", new Blob(parts, { type: rec.mimeType }));
    };
    rec.start();
    setRecorder(rec);
  };

  const h = state.handoff;
  return (
    <section className="chat" aria-label={t.chatTitle}>
      <ol className="messages" ref={listRef} aria-live="polite">
        {state.messages.map((m) => (
          <MessageBubble key={m.seq} m={m} t={t} baseUrl={baseUrl} />
        ))}
        {state.pending.map((p) => (
          <li key={p.clientKey} className={`msg msg-user pending ${p.status}`}>
            <span className="msg-who">{t.you}</span>
            <p className="msg-text">{p.text}</p>
            {p.status === "failed" && (
              <button type="button" onClick={() => void send(p.text, p.clientKey)}>
                {t.retry}
              </button>
            )}
          </li>
        ))}
        {state.streaming && (
          <li className="msg msg-bot streaming">
            <span className="msg-who">{t.bot}</span>
            <p className="msg-text">{state.streaming}</p>
          </li>
        )}
      </ol>
      <div className="chat-status" role="status">
        {h.status === "waiting" && h.position !== undefined && (
          <p className="queue">{t.waiting(h.position, h.etaSeconds ?? 60)}</p>
        )}
        {h.status === "agent" && <p className="with-agent">{t.withAgent(h.agentName ?? t.agent)}</p>}
        {state.agentTyping && <p className="typing">{t.agentTyping}</p>}
        {state.connection === "reconnecting" && <p className="reconnecting">{t.reconnecting}</p>}
      </div>
      <form className="composer" onSubmit={submit}>
        <label htmlFor="chat-input" className="visually-hidden">
          {t.placeholder}
        </label>
        <input
          id="chat-input"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          placeholder={t.placeholder}
          autoComplete="off"
        />
        <button type="submit">{t.send}</button>
        <button
          type="button"
          onClick={() => fileRef.current?.click()}
          aria-label={t.attachImage}
          title={t.attachImage}
        >
          🖼
        </button>
        <input
          ref={fileRef}
          type="file"
          accept="image/*"
          hidden
          aria-label={t.attachImage}
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void sendMedia("image", f);
            e.target.value = "";
          }}
        />
        {typeof MediaRecorder !== "undefined" && (
          <button
            type="button"
            onClick={() => void toggleRecording()}
            aria-label={recorder ? t.stopRecording : t.recordVoice}
            title={recorder ? t.stopRecording : t.recordVoice}
          >
            {recorder ? "⏹" : "🎤"}
          </button>
        )}
      </form>
    </section>
  );
}
