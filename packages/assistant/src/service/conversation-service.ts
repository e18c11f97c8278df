import { InvalidRequestError, NotFoundError } from "@seekdesk/core";
import {
  ConflictError,
  type Conversation,
  type ConversationStore,
  type MessageMetadata,
  type StoredMessage,
  type Ticket,
} from "@seekdesk/store";
import { initialDialogueState } from "../dialogue/state.ts";
import { HandoffQueue } from "../handoff/queue.ts";
import type { AsrEngine, OcrEngine, RecognizedText } from "../inputs/types.ts";
import { cancelsHandoff } from "../slots/replies-words.ts";
import type { Assistant, DialogueState, ReplySuggestion, TurnInput, TurnResult } from "../types.ts";
import { ConversationEventBus, type DeskEventBus, type QueueInfo } from "./events.ts";
import { KeyedLock } from "./keyed-lock.ts";
import type { DeskObserver } from "./metrics.ts";
import { profilePatch, toUserProfile } from "./profile.ts";
import { guessLanguage, toTurns } from "./turns.ts";

export type MessageInput =
  | { kind: "text"; text: string }
  | { kind: "image"; data: Uint8Array; mimeType?: string; caption?: string }
  | { kind: "audio"; data: Uint8Array; mimeType?: string };

export interface PostMessageRequest {
  /** Omitted: a new conversation is started for the user. */
  conversationId?: string;
  userId: string;
  channel?: string;
  input: MessageInput;
  /**
   * Client-chosen; a retried post with the same key returns the first result and writes nothing.
   * Keys are scoped to the conversation, so a client that retries must name the conversation it
   * started (the HTTP API always does).
   */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface PostMessageResult {
  conversation: Conversation;
  /** The customer's message as stored. */
  message: StoredMessage;
  /** The bot's reply (none while an agent has the conversation). */
  replies: StoredMessage[];
  /** Set while the conversation waits for an agent. */
  queue: QueueInfo | null;
  duplicate: boolean;
}

export interface ConversationServiceOptions {
  store: ConversationStore;
  assistant: Assistant;
  ocr?: OcrEngine;
  asr?: AsrEngine;
  /** Default: an in-process bus (one replica). */
  bus?: DeskEventBus;
  /** Stored messages loaded as history for a turn (the assistant windows them further). */
  historyLimit?: number;
  observer?: DeskObserver;
}

/**
 * The conversation service: the customer's side of the desk. Each message is stored before the
 * assistant sees it, the reply is stored with the state it leads to in one transaction, and a
 * retried post (same idempotency key) either returns the stored outcome or finishes the work a
 * crash interrupted. While an agent has the conversation the bot stays silent.
 */
/** Said when a waiting customer withdraws the hand-off. */
const HANDOFF_WITHDRAWN = {
  zh: "好的，已为您取消转人工。还有什么可以帮您？",
  en: "Okay, I have cancelled the request for an agent. What else can I help you with?",
} as const;

export class ConversationService {
  readonly store: ConversationStore;
  readonly bus: DeskEventBus;
  readonly queue: HandoffQueue;
  readonly lock = new KeyedLock();
  private readonly assistant: Assistant;
  private readonly ocr?: OcrEngine;
  private readonly asr?: AsrEngine;
  private readonly historyLimit: number;
  readonly observer?: DeskObserver;

  constructor(opts: ConversationServiceOptions) {
    this.store = opts.store;
    this.assistant = opts.assistant;
    this.ocr = opts.ocr;
    this.asr = opts.asr;
    this.bus = opts.bus ?? new ConversationEventBus();
    this.queue = new HandoffQueue(this.store, this.bus);
    this.historyLimit = opts.historyLimit ?? 40;
    this.observer = opts.observer;
  }

  startConversation(userId: string, channel = "web"): Promise<Conversation> {
    return this.store.createConversation({ userId, channel });
  }

  /** The conversation if it belongs to `userId` (null: any user, for agents and admins). */
  async conversationFor(conversationId: string, userId: string | null): Promise<Conversation> {
    const c = await this.store.getConversation(conversationId);
    // Someone else's conversation reads as missing: no hint that the id exists.
    if (!c || (userId !== null && c.userId !== userId))
      throw new NotFoundError(
        `No conversation ${conversationId}`,
        "conversation_not_found",
        "conversation_id",
      );
    return c;
  }

  async postMessage(req: PostMessageRequest): Promise<PostMessageResult> {
    const conversation = req.conversationId
      ? await this.conversationFor(req.conversationId, req.userId)
      : await this.startConversation(req.userId, req.channel);
    if (conversation.status === "closed")
      throw new ConflictError(
        `Conversation ${conversation.id} is closed; start a new one`,
        "conversation_closed",
      );
    const recognized = await this.recognize(req.input, req.signal);
    return this.lock.run(conversation.id, () => this.handle(conversation.id, req, recognized));
  }

  /** Replies the agent could send next, for a transcript (empty when the assistant offers none). */
  async suggestReplies(
    transcript: readonly StoredMessage[],
    signal?: AbortSignal,
  ): Promise<ReplySuggestion[]> {
    return (await this.assistant.suggestReplies?.(toTurns(transcript), signal)) ?? [];
  }

  /** Typing indicator from the customer; forwarded to the agent when one has the conversation. */
  async customerTyping(conversationId: string, userId: string | null): Promise<void> {
    const c = await this.conversationFor(conversationId, userId);
    const ticket = c.status === "bot" ? null : await this.store.activeTicketFor(c.id);
    if (ticket)
      this.bus.publishAgents({ type: "customer_typing", ticketId: ticket.id, conversationId: c.id });
  }

  async closeConversation(conversationId: string, userId: string | null): Promise<Conversation> {
    const c = await this.conversationFor(conversationId, userId);
    return this.lock.run(c.id, async () => {
      const ticket = await this.store.activeTicketFor(c.id);
      if (ticket) {
        const closed = await this.store.closeTicket(ticket.id);
        this.bus.publishAgents({ type: "ticket_closed", ticket: closed });
        await this.queue.broadcastPositions();
      }
      const updated = await this.store.setConversationStatus(c.id, "closed");
      this.bus.publish(c.id, { type: "status", status: "closed" });
      return updated;
    });
  }

  /** Queue position while the conversation waits for an agent, else null. */
  async queueInfo(conversationId: string): Promise<QueueInfo | null> {
    const t = await this.store.activeTicketFor(conversationId);
    return t && t.status === "queued" ? this.queue.info(t.id) : null;
  }

  private async recognize(
    input: MessageInput,
    signal?: AbortSignal,
  ): Promise<RecognizedText & { kind: MessageInput["kind"] }> {
    if (input.kind === "text") {
      if (input.text.trim() === "") throw new InvalidRequestError("text must not be empty", "text");
      return { kind: "text", text: input.text, confidence: 1, engine: "text" };
    }
    if (input.data.byteLength === 0)
      throw new InvalidRequestError(`${input.kind} must not be empty`, input.kind);
    if (input.kind === "image") {
      if (!this.ocr)
        throw new InvalidRequestError(
          "Image messages are not enabled on this server",
          "image",
          "ocr_disabled",
        );
      const r = await this.ocr.recognize(input.data, { signal });
      const text = [input.caption?.trim(), r.text.trim()].filter(Boolean).join("\n");
      if (!text)
        throw new InvalidRequestError("No text could be read from the image", "image", "no_text_found");
      return { ...r, text, kind: "image" };
    }
    if (!this.asr)
      throw new InvalidRequestError("Voice messages are not enabled on this server", "audio", "asr_disabled");
    const r = await this.asr.transcribe(input.data, { signal, mimeType: input.mimeType });
    if (!r.text.trim())
      throw new InvalidRequestError("No speech could be recognised in the audio", "audio", "no_speech_found");
    return { ...r, kind: "audio" };
  }

  private async handle(
    conversationId: string,
    req: PostMessageRequest,
    recognized: RecognizedText & { kind: MessageInput["kind"] },
  ): Promise<PostMessageResult> {
    const metadata: MessageMetadata = { inputKind: recognized.kind };
    if (recognized.kind !== "text") {
      metadata.inputConfidence = recognized.confidence;
      metadata.inputEngine = recognized.engine;
    }
    const { message, duplicate } = await this.store.appendMessage(conversationId, {
      role: "user",
      text: recognized.text,
      metadata,
      idempotencyKey: req.idempotencyKey ?? null,
    });
    if (!duplicate) {
      this.bus.publish(conversationId, { type: "message", message });
      this.observer?.message("user", recognized.kind);
    }
    const conversation = await this.conversationFor(conversationId, null);

    if (conversation.status !== "bot") {
      // With an agent (or waiting for one): the message is theirs, the bot stays silent.
      const ticket = await this.store.activeTicketFor(conversationId);
      if (ticket?.status === "queued" && !duplicate && cancelsHandoff(recognized.text))
        return this.withdrawHandoff(conversation, ticket, message);
      if (ticket && !duplicate)
        this.bus.publishAgents({ type: "customer_message", ticketId: ticket.id, message });
      const queue = ticket?.status === "queued" ? await this.queue.info(ticket.id) : null;
      return { conversation, message, replies: [], queue, duplicate };
    }

    if (duplicate) {
      const replies = (
        await this.store.listMessages(conversationId, { afterSeq: message.seq, limit: 50 })
      ).filter((m) => m.metadata.replyTo === message.seq);
      if (replies.length > 0) {
        // The reply was stored but the hand-off it asked for may not have been (crash between).
        const handoff = replies.at(-1)?.metadata.handoff as { reason: string; summary: string } | undefined;
        const queue = handoff ? await this.openHandoff(conversation, handoff) : null;
        return {
          conversation: await this.conversationFor(conversationId, null),
          message,
          replies,
          queue,
          duplicate,
        };
      }
      // No reply yet: the first attempt died mid-turn. Finish it now.
    }
    return this.runTurn(conversation, message, recognized, duplicate, req.signal);
  }

  /**
   * The customer no longer wants to wait for an agent: the ticket closes, the bot says so and
   * takes the conversation back (with fresh low-confidence counters, or the next unsure turn
   * would queue them again at once).
   */
  private async withdrawHandoff(
    conversation: Conversation,
    ticket: Ticket,
    message: StoredMessage,
  ): Promise<PostMessageResult> {
    const closed = await this.store.closeTicket(ticket.id);
    const state = (await this.store.loadState(conversation.id)) as DialogueState | null;
    const lang = state?.language ?? guessLanguage(message.text, undefined);
    const { message: reply } = await this.store.appendMessage(
      conversation.id,
      {
        role: "bot",
        text: HANDOFF_WITHDRAWN[lang],
        metadata: { replyTo: message.seq, event: "handoff_withdrawn", ticketId: ticket.id },
      },
      state ? { state: { ...state, lowConfidenceTurns: 0, oosTurns: 0 } } : {},
    );
    this.bus.publishAgents({ type: "ticket_closed", ticket: closed });
    this.bus.publish(conversation.id, { type: "status", status: "bot" });
    this.bus.publish(conversation.id, { type: "message", message: reply });
    await this.queue.broadcastPositions();
    return {
      conversation: await this.conversationFor(conversation.id, null),
      message,
      replies: [reply],
      queue: null,
      duplicate: false,
    };
  }

  private async runTurn(
    conversation: Conversation,
    message: StoredMessage,
    recognized: RecognizedText & { kind: MessageInput["kind"] },
    duplicate: boolean,
    signal?: AbortSignal,
  ): Promise<PostMessageResult> {
    const started = performance.now();
    const [storedState, profileRecord, recent] = await Promise.all([
      this.store.loadState(conversation.id),
      this.store.getProfile(conversation.userId),
      this.store.recentMessages(conversation.id, this.historyLimit + 1),
    ]);
    const profile = toUserProfile(profileRecord);
    const state =
      (storedState as DialogueState | null) ??
      initialDialogueState(guessLanguage(recognized.text, profile?.language));
    const input: TurnInput = {
      conversationId: conversation.id,
      userId: conversation.userId,
      text: recognized.text,
      channel: recognized.kind === "audio" ? "voice" : recognized.kind,
      ...(recognized.kind !== "text" ? { inputConfidence: recognized.confidence } : {}),
    };
    this.bus.publish(conversation.id, { type: "typing", role: "bot", typing: true });
    let result: TurnResult;
    let text: string;
    try {
      result = await this.assistant.turn(input, {
        history: toTurns(recent.filter((m) => m.seq < message.seq)),
        state,
        profile,
        signal,
      });
      text = await this.drain(conversation.id, message.seq, result);
    } finally {
      this.bus.publish(conversation.id, { type: "typing", role: "bot", typing: false });
    }

    const { message: reply } = await this.store.appendMessage(
      conversation.id,
      {
        role: "bot",
        text,
        metadata: {
          replyTo: message.seq,
          intent: result.intent.name ?? undefined,
          confidence: result.intent.confidence,
          oos: result.intent.oos,
          sentiment: { score: result.sentiment.score, label: result.sentiment.label },
          citations: result.reply.citations,
          kind: result.reply.kind,
          tone: result.reply.tone,
          ...(result.handoff ? { handoff: result.handoff } : {}),
        },
        // Keyed by the user message, so a finished reply is never stored twice.
        idempotencyKey: `reply:${message.seq}`,
      },
      { state: result.state },
    );
    this.bus.publish(conversation.id, { type: "message", message: reply });
    this.observer?.message("bot");
    this.observer?.turn((performance.now() - started) / 1000, result.intent.name);

    const patch = profilePatch(profile, result.profileUpdates);
    const newProfile =
      Object.keys(patch).length > 0 ? await this.store.mergeProfile(conversation.userId, patch) : null;
    const queue = result.handoff
      ? await this.openHandoff(conversation, result.handoff, result, toUserProfile(newProfile) ?? profile)
      : null;
    return {
      conversation: await this.conversationFor(conversation.id, null),
      message,
      replies: [reply],
      queue,
      duplicate,
    };
  }

  private async drain(conversationId: string, replyTo: number, result: TurnResult): Promise<string> {
    if (!result.stream) return result.reply.text;
    let text = result.reply.text;
    if (text) this.bus.publish(conversationId, { type: "reply_chunk", replyTo, text });
    for await (const piece of result.stream) {
      text += piece;
      this.bus.publish(conversationId, { type: "reply_chunk", replyTo, text: piece });
    }
    return result.final ? await result.final : text;
  }

  private async openHandoff(
    conversation: Conversation,
    handoff: { reason: string; summary: string },
    result?: TurnResult,
    profile?: unknown,
  ): Promise<QueueInfo | null> {
    const active = await this.store.activeTicketFor(conversation.id);
    if (active) return active.status === "queued" ? this.queue.info(active.id) : null;
    this.observer?.handoff(handoff.reason);
    const { queue } = await this.queue.open({
      conversationId: conversation.id,
      reason: handoff.reason,
      summary: handoff.summary,
      state: result?.state ?? (await this.store.loadState(conversation.id)),
      sentiment: result?.sentiment ?? null,
      profile: profile ?? toUserProfile(await this.store.getProfile(conversation.userId)),
    });
    return queue;
  }
}
