import { type FormEvent, type ReactNode, useEffect, useRef, useState } from "react";
import type { ChatStrings as Strings } from "../i18n/chat.ts";
import type { ChatMessage, Citation, PendingMedia } from "./chat-state.ts";
import { citationLabel, type SourceView, sourceView } from "./citations.ts";
import { MAX_UPLOAD_BYTES } from "./media-outbox.ts";
import { OUTBOX_MAX_AGE_MS, OUTBOX_MAX_ENTRIES } from "./outbox.ts";
import type { useChat } from "./use-chat.ts";
import { WavRecorder } from "./wav.ts";

type Chat = ReturnType<typeof useChat>;

function MessageBubble({ m, t, onCite }: { m: ChatMessage; t: Strings; onCite: (c: Citation) => void }) {
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
              <li key={`${c.docId}-${c.section ?? ""}-${c.start}`}>
                {/^https?:\/\//.test(c.source) ? (
                  <a href={c.source} target="_blank" rel="noreferrer" className="citation">
                    [{i + 1}] {citationLabel(c)}
                  </a>
                ) : (
                  <button type="button" className="citation link" onClick={() => onCite(c)}>
                    [{i + 1}] {citationLabel(c)}
                  </button>
                )}
              </li>
            ))}
          </ol>
        </nav>
      )}
    </li>
  );
}

function SourceDialog({ view, t, onClose }: { view: SourceView | string; t: Strings; onClose: () => void }) {
  return (
    <div className="source-view" role="dialog" aria-modal="false" aria-label={t.sourceTitle}>
      {typeof view === "string" ? (
        <p role="alert">{view}</p>
      ) : (
        <>
          <h2>{view.title}</h2>
          <p className="source-text">
            {view.before}
            <mark>{view.cited}</mark>
            {view.after}
          </p>
        </>
      )}
      <button type="button" onClick={onClose}>
        {t.close}
      </button>
    </div>
  );
}

/** A photo or voice message not stored yet: a thumbnail of the photo, so the customer sees which. */
function PendingMediaView({ media, t }: { media: PendingMedia; t: Strings }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (media.kind !== "image") return;
    const u = URL.createObjectURL(media.blob);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [media]);
  return (
    <p className="msg-text msg-media">
      {url && <img src={url} alt="" className="pending-thumb" />}
      <span>{media.kind === "image" ? t.photo : t.voiceMessage}</span>
    </p>
  );
}

function canRecord(): boolean {
  return (
    typeof navigator !== "undefined" &&
    typeof navigator.mediaDevices?.getUserMedia === "function" &&
    typeof AudioContext !== "undefined"
  );
}

/** Line icons drawn inline: emoji glyphs depend on the visitor's fonts and often render as boxes. */
function Icon({ d }: { d: string }) {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
      <path
        d={d}
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

/**
 * The customer's side of a conversation; used by the console's chat page and by the embeddable
 * widget. When the server refuses the caller (401), `denied` replaces the composer: the console's
 * page explains and offers sign-in, the widget says the chat is unavailable. A message refused so
 * stays on screen marked unsent; the chat sends it again by itself once it is admitted.
 */
export function ChatPanel({ chat, t, denied }: { chat: Chat; t: Strings; denied?: ReactNode }) {
  const { state, send, sendMedia, discard, loadDocument, notifyTyping, rate } = chat;
  const [rated, setRated] = useState<number | null>(null);
  const answered = state.messages.some((m) => m.role === "bot" || m.role === "agent");
  const [draft, setDraft] = useState("");
  const [source, setSource] = useState<SourceView | string | null>(null);
  const openSource = (c: Citation) => {
    loadDocument(c.docId).then(
      (doc) => setSource(sourceView(doc, c)),
      (err: Error) => setSource(err.message),
    );
  };
  const [recorder, setRecorder] = useState<WavRecorder | null>(null);
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
      setRecorder(null);
      void sendMedia("audio", await recorder.stop());
      return;
    }
    try {
      setRecorder(await WavRecorder.start());
    } catch {
      // No microphone, or permission refused: the button simply does nothing.
    }
  };

  // The elapsed time while recording, so the customer sees the microphone is live.
  const [elapsed, setElapsed] = useState(0);
  useEffect(() => {
    if (!recorder) return;
    setElapsed(0);
    const timer = setInterval(() => setElapsed(Math.floor(recorder.seconds)), 250);
    return () => clearInterval(timer);
  }, [recorder]);

  const h = state.handoff;
  return (
    // data-connection: the live event stream's state, for tools (and tests) that must know the
    // stream is up before they act, since its first request can be what finds a session ended.
    <section className="chat" aria-label={t.chatTitle} data-connection={state.connection}>
      {state.erased && (
        <p role="status" className="erased">
          {t.conversationErased}
        </p>
      )}
      <ol className="messages" ref={listRef} aria-live="polite">
        {state.messages.map((m) => (
          <MessageBubble key={m.seq} m={m} t={t} onCite={openSource} />
        ))}
        {state.pending.map((p) => (
          <li key={p.clientKey} className={`msg msg-user pending ${p.status}`}>
            <span className="msg-who">{t.you}</span>
            {p.media ? <PendingMediaView media={p.media} t={t} /> : <p className="msg-text">{p.text}</p>}
            {p.status === "failed" && p.refused && (
              <p className="unsent-note">
                {p.notKept
                  ? denied
                    ? t.unsentUntilSignInHere
                    : t.unsentUntilAvailableHere
                  : denied
                    ? t.unsentUntilSignIn
                    : t.unsentUntilAvailable}
              </p>
            )}
            {p.status === "failed" && p.notKept && (
              <p className="unsent-note not-kept" role="alert">
                {p.notKept === "full" && !p.media ? t.outboxFull(OUTBOX_MAX_ENTRIES) : t.notKept[p.notKept]}
              </p>
            )}
            {p.status === "failed" && p.expired && (
              <p className="unsent-note expired" role="alert">
                {t.expired(Math.round(OUTBOX_MAX_AGE_MS / 3_600_000))}
              </p>
            )}
            {p.status === "failed" && p.tooLarge && (
              <p className="unsent-note too-large" role="alert">
                {t.tooLargeToSend(Math.floor(MAX_UPLOAD_BYTES / 1024 / 1024))}
              </p>
            )}
            {p.status === "failed" && !p.refused && !p.tooLarge && !state.denied && (
              <button
                type="button"
                onClick={() =>
                  void (p.media
                    ? sendMedia(p.media.kind, p.media.blob, p.clientKey)
                    : send(p.text, p.clientKey))
                }
              >
                {p.expired ? t.sendNow : t.retry}
              </button>
            )}
            {p.status === "failed" && (p.expired || p.tooLarge) && (
              <button type="button" onClick={() => discard(p.clientKey)}>
                {t.discard}
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
      {source !== null && <SourceDialog view={source} t={t} onClose={() => setSource(null)} />}
      {answered && (
        <fieldset className="rating">
          <legend>{rated === null ? t.rateConversation : t.thanksForRating}</legend>
          {[1, 2, 3, 4, 5].map((n) => (
            <button
              key={n}
              type="button"
              className={rated !== null && n <= rated ? "star on" : "star"}
              aria-label={t.rateStars(n)}
              aria-pressed={rated === n}
              onClick={() => {
                rate(n).then(
                  () => setRated(n),
                  () => setRated(null),
                );
              }}
            >
              ★
            </button>
          ))}
        </fieldset>
      )}
      {state.denied ? (
        <div className="chat-denied">{denied ?? <p role="alert">{t.chatUnavailable}</p>}</div>
      ) : (
        <form className="composer" onSubmit={submit}>
          <label htmlFor="chat-input" className="visually-hidden">
            {t.placeholder}
          </label>
          <input
            id="chat-input"
            value={draft}
            onChange={(e) => {
              setDraft(e.target.value);
              notifyTyping();
            }}
            placeholder={t.placeholder}
            autoComplete="off"
          />
          <button type="submit">{t.send}</button>
          {h.status !== "waiting" && h.status !== "agent" && (
            <button type="button" className="handoff" onClick={() => void send(t.talkToHuman)}>
              {t.talkToHuman}
            </button>
          )}
          <button
            type="button"
            onClick={() => fileRef.current?.click()}
            aria-label={t.attachImage}
            title={t.attachImage}
          >
            <Icon d="M4 5h16v14H4zM4 15l5-5 4 4 3-3 4 4M15 9.5a1.5 1.5 0 1 0 0-.01" />
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
          {canRecord() && (
            <button
              type="button"
              onClick={() => void toggleRecording()}
              aria-label={recorder ? t.stopRecording : t.recordVoice}
              title={recorder ? t.stopRecording : t.recordVoice}
            >
              <Icon
                d={
                  recorder
                    ? "M7 7h10v10H7z"
                    : "M12 3a3 3 0 0 1 3 3v6a3 3 0 0 1-6 0V6a3 3 0 0 1 3-3zM5 11a7 7 0 0 0 14 0M12 18v3"
                }
              />
              {recorder && <span className="elapsed">{elapsed}s</span>}
            </button>
          )}
        </form>
      )}
    </section>
  );
}
