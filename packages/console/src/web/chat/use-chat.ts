import { useCallback, useEffect, useMemo, useReducer, useRef } from "react";
import { ApiError, api, readSse } from "../api.ts";
import { chatReducer, handoffFromEvent, initialChatState, lastSeq, toChatMessage } from "./chat-state.ts";
import { type MediaKind, MediaOutbox, tooLargeToSend } from "./media-outbox.ts";
import { isExpired, Outbox } from "./outbox.ts";

type Raw = Record<string, unknown>;

export interface ChatEndpoint {
  /** Empty on the console's own origin; the seekdesk URL when embedded elsewhere. */
  baseUrl: string;
  /** A widget-scoped key when embedded on another origin. */
  apiKey?: string;
  /** The customer; with a widget key, the visitor id sent on every request (x-seekdesk-visitor). */
  userId: string;
  language: "en" | "zh";
}

const storageKey = (userId: string) => `seekdesk.conversation.${userId}`;

/** A 401: the server does not accept this caller at all, so no retry will get through. */
const isDenied = (err: unknown) => err instanceof ApiError && err.status === 401;

/**
 * Whether a failed send may get through later unchanged: refused for now (401: signed out), cut
 * off (no HTTP answer), or the server busy or failing. Other answers (400, 404, 409, 413) are
 * about the message or conversation itself, and sending it again as it is would fail the same way.
 */
const mayGetThroughLater = (err: unknown) =>
  !(err instanceof ApiError) ||
  err.status === 401 ||
  err.status === 408 ||
  err.status === 429 ||
  err.status >= 500;

function newClientKey(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto
    ? crypto.randomUUID()
    : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

/**
 * One customer conversation: starts or resumes it, sends messages with idempotency keys (a retry
 * never duplicates), and keeps a live event stream that resumes from the last seen message after
 * any disconnect, catching up over HTTP first so nothing is lost in between. Every message, text,
 * photo or voice, is kept in the browser's outbox until the server has stored it: one refused
 * because the session ended is sent again, once and under the same key, when the chat starts over
 * after sign-in.
 */
export function useChat(endpoint: ChatEndpoint) {
  const [state, dispatch] = useReducer(chatReducer, initialChatState);
  const stateRef = useRef(state);
  stateRef.current = state;
  const { baseUrl, apiKey, userId, language } = endpoint;
  const outbox = useMemo(() => new Outbox(userId), [userId]);
  const mediaOutbox = useMemo(() => new MediaOutbox(userId), [userId]);
  /** Client keys whose POST is on its way: a second press (or the outbox's re-send) waits for it. */
  const inflight = useRef(new Set<string>());

  const ensureConversation = useCallback(async (): Promise<string> => {
    if (stateRef.current.conversationId) return stateRef.current.conversationId;
    const saved = localStorage.getItem(storageKey(userId));
    if (saved) {
      dispatch({ type: "conversation", id: saved });
      return saved;
    }
    const created = await api<{ id: string }>("/api/conversations", {
      baseUrl,
      apiKey,
      visitorId: userId,
      body: { userId: userId, language: language, channel: "web" },
    });
    localStorage.setItem(storageKey(userId), created.id);
    dispatch({ type: "conversation", id: created.id });
    return created.id;
  }, [baseUrl, apiKey, userId, language]);

  // Resume a saved conversation on load.
  useEffect(() => {
    const saved = localStorage.getItem(storageKey(userId));
    if (saved) dispatch({ type: "conversation", id: saved });
  }, [userId]);

  const conversationId = state.conversationId;
  useEffect(() => {
    if (!conversationId) return;
    const controller = new AbortController();
    let attempt = 0;
    // The browser knows about a lost network before TCP does: drop the stream at once when it goes
    // offline, and retry without waiting out the backoff when it comes back.
    let current: AbortController | null = null;
    let wake: (() => void) | null = null;
    // Erased on the server (its user's data deleted): the thread is cleared and never resumed.
    let gone = false;
    const erased = () => {
      gone = true;
      localStorage.removeItem(storageKey(userId));
      outbox.clear();
      void mediaOutbox.clear();
      dispatch({ type: "erased" });
    };
    const onOffline = () => current?.abort();
    const onOnline = () => {
      attempt = 0;
      wake?.();
    };
    window.addEventListener("offline", onOffline);
    window.addEventListener("online", onOnline);
    const loop = async () => {
      while (!controller.signal.aborted) {
        dispatch({ type: "connection", connection: attempt === 0 ? "connecting" : "reconnecting" });
        current = new AbortController();
        const signal = AbortSignal.any([controller.signal, current.signal]);
        try {
          if (typeof navigator !== "undefined" && navigator.onLine === false) throw new Error("offline");
          const after = lastSeq(stateRef.current);
          const missed = await api<{ data: Raw[] }>(
            `/api/conversations/${conversationId}/messages?after=${after}`,
            { baseUrl, apiKey, visitorId: userId, signal },
          );
          dispatch({ type: "messages", messages: missed.data.map(toChatMessage) });
          await readSse(
            `${baseUrl}/api/conversations/${conversationId}/events`,
            (ev) => {
              attempt = 0;
              dispatch({ type: "connection", connection: "open" });
              handleEvent(ev.event, ev.data);
            },
            {
              apiKey: apiKey,
              visitorId: userId,
              signal,
              lastEventId: String(lastSeq(stateRef.current)),
              credentials: baseUrl ? "omit" : "same-origin",
            },
          );
          if (gone) return;
        } catch (err) {
          if (controller.signal.aborted || gone) return;
          if ((err as { status?: number }).status === 404) {
            erased();
            return;
          }
          if (isDenied(err)) {
            dispatch({ type: "denied" });
            return;
          }
        }
        attempt++;
        dispatch({ type: "connection", connection: "reconnecting" });
        const delay = Math.min(10_000, 250 * 2 ** attempt);
        await new Promise<void>((r) => {
          const timer = setTimeout(r, delay);
          wake = () => {
            clearTimeout(timer);
            r();
          };
        });
        wake = null;
      }
    };
    const handleEvent = (event: string, data: string) => {
      const payload = JSON.parse(data) as Raw;
      const inner = (key: string) => (payload[key] ?? payload) as Raw;
      if (event === "deleted") erased();
      else if (event === "message")
        dispatch({ type: "messages", messages: [toChatMessage(inner("message"))] });
      else if (event === "reply_chunk" || event === "delta")
        dispatch({ type: "delta", text: String(payload.text ?? "") });
      else if (event === "queue" || event === "handoff" || event === "status") {
        const handoff = handoffFromEvent(event, payload);
        if (handoff) dispatch({ type: "handoff", handoff });
      } else if (event === "typing" && payload.role !== "bot") {
        dispatch({ type: "typing", typing: Boolean(payload.typing) });
      }
    };
    void loop();
    return () => {
      controller.abort();
      window.removeEventListener("offline", onOffline);
      window.removeEventListener("online", onOnline);
    };
  }, [conversationId, baseUrl, apiKey, userId, outbox, mediaOutbox]);

  const send = useCallback(
    // `at`: when the message was first sent; a resend from the outbox keeps it, so its age limit
    // counts from the customer's sending, not from the last page load.
    async (text: string, clientKey = newClientKey(), at = Date.now()) => {
      const trimmed = text.trim();
      if (!trimmed || inflight.current.has(clientKey)) return;
      inflight.current.add(clientKey);
      dispatch({ type: "send", clientKey, text: trimmed });
      // Kept before the request leaves; where the outbox cannot take it, this page still holds it.
      const notKept = outbox.put({ clientKey, text: trimmed, at }) ?? undefined;
      try {
        const id = await ensureConversation();
        const res = await api<{ messages?: Raw[] }>(`/api/conversations/${id}/messages`, {
          baseUrl,
          apiKey,
          visitorId: userId,
          body: { text: trimmed, idempotencyKey: clientKey },
        });
        outbox.remove(clientKey);
        if (res.messages) dispatch({ type: "messages", messages: res.messages.map(toChatMessage) });
      } catch (err) {
        const later = mayGetThroughLater(err);
        if (!later) outbox.remove(clientKey);
        if (err instanceof ApiError && err.code === "conversation_not_found") {
          // Erased where this page could not hear it (`seekdesk users delete` on SQLite): clear
          // the thread; a retry of this message starts a new conversation.
          localStorage.removeItem(storageKey(userId));
          dispatch({ type: "erased" });
        }
        const refused = isDenied(err);
        dispatch({
          type: "sendFailed",
          clientKey,
          error: (err as Error).message,
          refused,
          notKept: later ? notKept : undefined,
        });
        if (refused) dispatch({ type: "denied" });
      } finally {
        inflight.current.delete(clientKey);
      }
    },
    [ensureConversation, baseUrl, apiKey, userId, outbox],
  );

  const sendMedia = useCallback(
    async (kind: MediaKind, blob: Blob, clientKey = newClientKey(), at = Date.now()) => {
      if (inflight.current.has(clientKey)) return;
      if (tooLargeToSend(blob.size)) {
        // The server would refuse it (413) only after the whole upload: say so at once instead.
        dispatch({ type: "send", clientKey, text: "", media: { kind, blob } });
        dispatch({ type: "sendFailed", clientKey, error: "too large", tooLarge: true });
        return;
      }
      inflight.current.add(clientKey);
      dispatch({ type: "send", clientKey, text: "", media: { kind, blob } });
      // Kept before the request leaves, as text is, so a reload while it is on its way loses nothing.
      const keeping = mediaOutbox.put({ clientKey, kind, blob, at });
      try {
        const id = await ensureConversation();
        const res = await api<{ messages?: Raw[] }>(`/api/conversations/${id}/messages`, {
          baseUrl,
          apiKey,
          visitorId: userId,
          headers: { "idempotency-key": clientKey },
          body: mediaForm(kind, blob),
        });
        void mediaOutbox.remove(clientKey);
        if (res.messages) dispatch({ type: "messages", messages: res.messages.map(toChatMessage) });
      } catch (err) {
        const later = mayGetThroughLater(err);
        if (!later) void mediaOutbox.remove(clientKey);
        if (err instanceof ApiError && err.code === "conversation_not_found") {
          localStorage.removeItem(storageKey(userId));
          dispatch({ type: "erased" });
        }
        const refused = isDenied(err);
        const notKept = later ? ((await keeping) ?? undefined) : undefined;
        dispatch({ type: "sendFailed", clientKey, error: (err as Error).message, refused, notKept });
        if (refused) dispatch({ type: "denied" });
      } finally {
        inflight.current.delete(clientKey);
      }
    },
    [ensureConversation, baseUrl, apiKey, userId, mediaOutbox],
  );

  // What an earlier page or session of this identity sent but never saw stored (refused when its
  // session ended, or cut off) goes out again now, once per start of the chat, one message after
  // the other in the order they were first sent, so the server stores them in that order too.
  // What waited past the age limit stays in the outbox but is only shown, marked expired: the
  // customer sends it now (as a new send, so its age starts over) or discards it.
  const resumed = useRef(false);
  /** Keys shown as expired: dropped from the outbox too should the server turn out to hold them. */
  const expiredKeys = useRef(new Set<string>());
  useEffect(() => {
    if (resumed.current) return;
    resumed.current = true;
    void (async () => {
      const texts = outbox.list().map((e) => ({
        at: e.at,
        shown: { clientKey: e.clientKey, text: e.text },
        go: () => send(e.text, e.clientKey, e.at),
      }));
      const media = (await mediaOutbox.list()).map((e) => ({
        at: e.at,
        shown: { clientKey: e.clientKey, text: "", media: { kind: e.kind, blob: e.blob } },
        go: () => sendMedia(e.kind, e.blob, e.clientKey, e.at),
      }));
      const now = Date.now();
      const fresh: (typeof texts)[number][] = [];
      for (const item of [...texts, ...media].sort((a, b) => (a.at ?? 0) - (b.at ?? 0))) {
        if (!isExpired(item.at, now)) fresh.push(item);
        else {
          expiredKeys.current.add(item.shown.clientKey);
          dispatch({ type: "expired", ...item.shown });
        }
      }
      for (const item of fresh) await item.go();
    })();
  }, [outbox, mediaOutbox, send, sendMedia]);

  const stored = state.messages;
  useEffect(() => {
    for (const m of stored)
      if (m.clientKey && expiredKeys.current.delete(m.clientKey)) {
        outbox.remove(m.clientKey);
        void mediaOutbox.remove(m.clientKey);
      }
  }, [stored, outbox, mediaOutbox]);

  /** Drops a message that was not sent (expired, or too large) from the thread and the outbox. */
  const discard = useCallback(
    (clientKey: string) => {
      expiredKeys.current.delete(clientKey);
      outbox.remove(clientKey);
      void mediaOutbox.remove(clientKey);
      dispatch({ type: "discard", clientKey });
    },
    [outbox, mediaOutbox],
  );

  // Tell the agent the customer is typing, at most every 2 s, and only while a human is involved.
  const lastTyping = useRef(0);
  const notifyTyping = useCallback(() => {
    const id = stateRef.current.conversationId;
    const status = stateRef.current.handoff.status;
    if (!id || (status !== "agent" && status !== "waiting")) return;
    const now = Date.now();
    if (now - lastTyping.current < 2000) return;
    lastTyping.current = now;
    void api(`/api/conversations/${id}/typing`, {
      baseUrl,
      apiKey,
      visitorId: userId,
      method: "POST",
      body: {},
    }).catch(() => {});
  }, [baseUrl, apiKey, userId]);

  /** The customer's 1–5 rating of the conversation (satisfaction in analytics). */
  const rate = useCallback(
    async (rating: number) => {
      const id = stateRef.current.conversationId;
      if (!id) return;
      await api(`/api/conversations/${id}/rating`, { baseUrl, apiKey, visitorId: userId, body: { rating } });
    },
    [baseUrl, apiKey, userId],
  );

  /** The cited document, so the customer can read a citation's source in place. */
  const loadDocument = useCallback(
    (docId: string) =>
      api<{ title: string; text: string }>(`/api/kb/documents/${encodeURIComponent(docId)}`, {
        baseUrl,
        apiKey,
        visitorId: userId,
      }),
    [baseUrl, apiKey, userId],
  );

  return { state, send, sendMedia, discard, loadDocument, notifyTyping, rate };
}

/**
 * A photo or voice message as multipart: its bytes go as they are, under the server's upload limit
 * (assistant.inputs.maxUploadBytes), where base64 in JSON grew them by a third and hit the JSON body
 * limit at about 3 MB. Its idempotency key goes as the Idempotency-Key header, which the API takes
 * for the body field: the outbox's re-send carries the same one.
 */
function mediaForm(kind: MediaKind, blob: Blob): FormData {
  const form = new FormData();
  form.append(kind, blob, kind === "image" ? "photo" : "voice");
  return form;
}
