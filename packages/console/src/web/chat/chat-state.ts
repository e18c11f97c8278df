import type { Citation } from "@seekdesk/core";
import type { MediaKind, NotKept } from "./media-outbox.ts";

/**
 * The chat thread as the browser sees it. Messages arrive from three places that overlap: the
 * reply to our own POST, the live event stream, and the catch-up fetch after a reconnect. The
 * server numbers every message of a conversation (`seq`), so merging by seq makes all three
 * idempotent: nothing is lost and nothing shows twice, whatever order they come in.
 */
export type { Citation };

export interface ChatMessage {
  seq: number;
  role: "user" | "bot" | "agent" | "system";
  text: string;
  at: string;
  citations?: Citation[];
  /** Client key of a message we sent, so the optimistic copy can be replaced by the stored one. */
  clientKey?: string;
}

export interface PendingMessage {
  clientKey: string;
  text: string;
  status: "sending" | "failed";
  error?: string;
  /**
   * Refused because the caller is not (or no longer) admitted: kept in the browser's outbox and
   * sent again, once, after the next sign-in or page load, rather than offered for a retry that
   * would be refused too.
   */
  refused?: boolean;
  /** An image or voice message, with its bytes: shown in the bubble, and sent again from them. */
  media?: PendingMedia;
  /**
   * Why a message that did not get through is held only in this page (lost on reload) rather than
   * kept in the browser's outbox (text: outbox.ts, media: media-outbox.ts); absent when kept, or
   * while sending.
   */
  notKept?: NotKept;
  /**
   * Found in the outbox older than its age limit (outbox.ts, OUTBOX_MAX_AGE_MS): not sent by
   * itself, kept until the customer sends it now or discards it.
   */
  expired?: boolean;
  /** A file over the upload limit, refused before anything was sent: the customer discards it. */
  tooLarge?: boolean;
}

export interface PendingMedia {
  kind: MediaKind;
  blob: Blob;
}

export interface HandoffStatus {
  status: "bot" | "waiting" | "agent" | "closed";
  position?: number;
  etaSeconds?: number;
  agentName?: string;
}

const HANDOFF_STATES = new Set<HandoffStatus["status"]>(["bot", "waiting", "agent", "closed"]);

/**
 * The hand-off status carried by a stream event: `queue` (position and wait while queued),
 * `handoff` (the status on connect and on every change: accepted, transferred, closed). Unknown
 * payloads give null so a newer server cannot put the widget into a state it does not know.
 */
export function handoffFromEvent(event: string, payload: Record<string, unknown>): HandoffStatus | null {
  const body = (event === "queue" && typeof payload.queue === "object" ? payload.queue : payload) as Record<
    string,
    unknown
  >;
  const status = event === "queue" ? "waiting" : body.status;
  if (typeof status !== "string" || !HANDOFF_STATES.has(status as HandoffStatus["status"])) return null;
  const out: HandoffStatus = { status: status as HandoffStatus["status"] };
  if (typeof body.position === "number") out.position = body.position;
  if (typeof body.etaSeconds === "number") out.etaSeconds = body.etaSeconds;
  const agent = body.agentName ?? body.agentId;
  if (typeof agent === "string") out.agentName = agent;
  return out;
}

export interface ChatState {
  conversationId: string | null;
  messages: ChatMessage[];
  pending: PendingMessage[];
  /** Text streamed for a bot reply not yet stored, keyed by nothing: one reply streams at a time. */
  streaming: string | null;
  handoff: HandoffStatus;
  connection: "idle" | "connecting" | "open" | "reconnecting";
  agentTyping: boolean;
  /**
   * The server refused who we are (401): a keyed install with no session for the console's chat
   * page, an expired session, a revoked widget key. Retrying cannot help, so the panel says so.
   */
  denied: boolean;
  /**
   * The conversation was erased (its user's data deleted, or it is gone from the server): the
   * thread is cleared, and the next message starts a new conversation.
   */
  erased: boolean;
}

export type ChatAction =
  | { type: "conversation"; id: string }
  | { type: "send"; clientKey: string; text: string; media?: PendingMedia }
  | {
      type: "sendFailed";
      clientKey: string;
      error: string;
      refused?: boolean;
      notKept?: NotKept;
      tooLarge?: boolean;
    }
  | { type: "expired"; clientKey: string; text: string; media?: PendingMedia }
  | { type: "discard"; clientKey: string }
  | { type: "messages"; messages: ChatMessage[] }
  | { type: "delta"; text: string }
  | { type: "handoff"; handoff: HandoffStatus }
  | { type: "typing"; typing: boolean }
  | { type: "connection"; connection: ChatState["connection"] }
  | { type: "denied" }
  | { type: "erased" };

/** The server's stored message (seekdesk's conversation store) as the thread shows it. */
export function toChatMessage(raw: Record<string, unknown>): ChatMessage {
  const meta = (raw.metadata ?? {}) as { citations?: Citation[] };
  return {
    seq: Number(raw.seq),
    role: raw.role as ChatMessage["role"],
    text: String(raw.text ?? ""),
    at: String(raw.createdAt ?? raw.at ?? ""),
    citations: (raw.citations as Citation[] | undefined) ?? meta.citations,
    clientKey: (raw.idempotencyKey as string | null | undefined) ?? (raw.clientKey as string | undefined),
  };
}

export const initialChatState: ChatState = {
  conversationId: null,
  messages: [],
  pending: [],
  streaming: null,
  handoff: { status: "bot" },
  connection: "idle",
  agentTyping: false,
  denied: false,
  erased: false,
};

/** Highest seq held: the point a reconnecting client resumes from. */
export function lastSeq(state: ChatState): number {
  return state.messages.length === 0 ? 0 : state.messages[state.messages.length - 1].seq;
}

function mergeMessages(existing: ChatMessage[], incoming: ChatMessage[]): ChatMessage[] {
  if (incoming.length === 0) return existing;
  const bySeq = new Map<number, ChatMessage>();
  for (const m of existing) bySeq.set(m.seq, m);
  for (const m of incoming) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case "conversation":
      if (state.conversationId === action.id) return state;
      // The first message is pending while its conversation is being created: keep it.
      return {
        ...initialChatState,
        conversationId: action.id,
        pending: state.conversationId === null ? state.pending : [],
      };
    case "send": {
      // A retry reuses the client key, so it replaces the failed copy instead of adding another.
      const rest = state.pending.filter((p) => p.clientKey !== action.clientKey);
      return {
        ...state,
        pending: [
          ...rest,
          {
            clientKey: action.clientKey,
            text: action.text,
            status: "sending",
            ...(action.media ? { media: action.media } : {}),
          },
        ],
      };
    }
    case "sendFailed":
      return {
        ...state,
        pending: state.pending.map((p) =>
          p.clientKey === action.clientKey
            ? {
                ...p,
                status: "failed",
                error: action.error,
                ...(action.refused ? { refused: true } : {}),
                ...(action.notKept ? { notKept: action.notKept } : {}),
                ...(action.tooLarge ? { tooLarge: true } : {}),
              }
            : p,
        ),
      };
    case "expired":
      return {
        ...state,
        pending: [
          ...state.pending.filter((p) => p.clientKey !== action.clientKey),
          {
            clientKey: action.clientKey,
            text: action.text,
            status: "failed",
            expired: true,
            ...(action.media ? { media: action.media } : {}),
          },
        ],
      };
    case "discard":
      return { ...state, pending: state.pending.filter((p) => p.clientKey !== action.clientKey) };
    case "messages": {
      const messages = mergeMessages(state.messages, action.messages);
      const stored = new Set(messages.map((m) => m.clientKey).filter((k): k is string => Boolean(k)));
      const botArrived = action.messages.some((m) => m.role === "bot");
      return {
        ...state,
        messages,
        pending: state.pending.filter((p) => !stored.has(p.clientKey)),
        streaming: botArrived ? null : state.streaming,
        agentTyping: action.messages.some((m) => m.role === "agent") ? false : state.agentTyping,
      };
    }
    case "delta":
      return { ...state, streaming: (state.streaming ?? "") + action.text };
    case "handoff":
      return { ...state, handoff: action.handoff };
    case "typing":
      return { ...state, agentTyping: action.typing };
    case "connection":
      return { ...state, connection: action.connection };
    case "denied":
      return { ...state, denied: true, connection: "idle" };
    case "erased":
      // What the customer had not yet got stored stays on screen, to retry in a new conversation.
      return { ...initialChatState, erased: true, pending: state.pending };
  }
}
