/**
 * The contract of the dialogue engine. The conversation service persists these shapes (they are
 * plain JSON: no Dates, Maps or class instances) and calls `Assistant.turn` once per user message.
 */
import type { Backend, Citation, Retriever } from "@seekdesk/core";
import type { Domain } from "./domain/schema.ts";

export type { Domain } from "./domain/schema.ts";

export type Language = "zh" | "en";

/** A JSON value a slot normalises to: "2026-12-01T15:00", 350, "SD20260001", "damaged". */
export type SlotNormalized = string | number | boolean;

export interface SlotValue {
  /** The words the user said, as they appeared in the text. */
  raw: string;
  normalized: SlotNormalized;
  /** 0..1; rule matches are 0.9, LLM extractions carry their own, profile facts 0.7. */
  confidence: number;
  source: "rule" | "llm" | "profile" | "context";
  /** Index of the user turn that filled it (state.turnCount at the time). */
  turn: number;
}

/**
 * idle: no form is open. filling: asking for missing slots. confirming: all required slots are
 * filled and the user was asked to confirm. done / cancelled: the last form's outcome (the next
 * turn starts from idle again).
 */
export type FormStatus = "idle" | "filling" | "confirming" | "done" | "cancelled";

export interface DialogueState {
  /** Schema version of this object, so a stored state can be migrated. */
  version: 1;
  activeIntent: string | null;
  formStatus: FormStatus;
  /** The slot the last bot question asked for; an answer without other cues fills it. */
  requestedSlot: string | null;
  /** Slots of the active form (or of the last completed one, until a new form opens). */
  slots: Record<string, SlotValue>;
  /** Set while waiting for a yes/no on a filled form; the text of the confirmation question. */
  pendingConfirmation: string | null;
  /** The intent a "did you mean …?" question proposed; a yes on the next turn acts on it. */
  pendingIntent?: string | null;
  /** Consecutive user turns below the hand-off threshold. */
  lowConfidenceTurns: number;
  /** Consecutive user turns classified out of scope. */
  oosTurns: number;
  /**
   * Facts kept from turns that left the context window: `name`, `order_id`, `phone`, the last
   * intents, any filled slot. Keys are slot names; values are normalised strings.
   */
  facts: Record<string, string>;
  /** An LLM summary of turns older than the window; null without an LLM. */
  summary: string | null;
  language: Language;
  /** User turns processed so far in this conversation. */
  turnCount: number;
  /** Sentiment scores (-1..1) of the user turns inside the window, oldest first. */
  sentimentScores: number[];
  /** How many turns of the history are already folded into `summary` (LLM only). */
  summarizedTurns: number;
}

export type { ReplySuggestion } from "./replies/suggest.ts";

import type { ReplySuggestion } from "./replies/suggest.ts";

export interface Turn {
  role: "user" | "bot" | "agent";
  text: string;
  /** ISO-8601 timestamp. */
  at: string;
  intent?: string | null;
  confidence?: number;
  /** Sentiment score -1..1 of a user turn. */
  sentiment?: number;
  citations?: Citation[];
}

export interface PastIssue {
  intent: string;
  summary: string;
  /** ISO-8601 timestamp. */
  at: string;
  orderId?: string;
}

export interface UserProfile {
  userId: string;
  name?: string;
  language?: Language;
  preferences: Record<string, string>;
  pastOrders: string[];
  pastIssues: PastIssue[];
  /** ISO-8601 timestamp. */
  updatedAt: string;
}

/**
 * What a turn learned about the user. Scalars replace; `pastOrders`, `pastIssues` and
 * `preferences` hold only the additions. Apply with `applyProfileUpdates`.
 */
export type ProfileUpdates = Partial<Omit<UserProfile, "userId" | "updatedAt">>;

export interface TurnInput {
  conversationId: string;
  userId: string;
  text: string;
  /** OCR or ASR confidence 0..1 of the text; multiplies the turn's intent confidence. */
  inputConfidence?: number;
  channel?: "text" | "image" | "voice";
}

export interface TurnContext {
  /** Every turn of the conversation so far, oldest first, without the current input. */
  history: Turn[];
  state: DialogueState;
  profile: UserProfile | null;
  /** The reference time for dates like "明天"; defaults to the current time. */
  now?: Date;
  signal?: AbortSignal;
}

export type ReplyKind =
  | "answer"
  | "slot_question"
  | "confirm"
  | "template"
  | "action"
  | "handoff"
  | "fallback";
export type ReplyTone = "neutral" | "empathetic" | "apologetic";

export type HandoffReason =
  | "low_confidence"
  | "repeated_low_confidence"
  | "out_of_scope"
  | "negative_sentiment"
  | "user_request"
  | "sensitive_intent";

export interface SentimentSnapshot {
  /** -1 (very negative) .. 1 (very positive). */
  score: number;
  label: "negative" | "neutral" | "positive";
  /** Direction of the scores over the window. */
  trend: "improving" | "stable" | "worsening";
  /** Least-squares change in score per turn over the window: below 0 the customer is getting angrier. */
  slope: number;
}

export interface TurnResult {
  reply: {
    /** The full reply text. When `stream` is set, this is the text known before generation. */
    text: string;
    kind: ReplyKind;
    citations: Citation[];
    tone: ReplyTone;
  };
  intent: { name: string | null; confidence: number; oos: boolean };
  slots: Record<string, SlotValue>;
  /** The state to persist and pass back on the next turn. */
  state: DialogueState;
  sentiment: SentimentSnapshot;
  handoff?: { reason: HandoffReason; summary: string };
  profileUpdates: ProfileUpdates;
  /**
   * Present when the reply is generated by an LLM: the visible text pieces (no reasoning). The
   * consumer must drain it; `reply.text` then holds the prefix (tone) only, and `final` resolves
   * to the full text once the stream ends.
   */
  stream?: AsyncIterable<string>;
  final?: Promise<string>;
  /** What this turn's decisions saw: the window of recent turns, the kept facts and the summary. */
  context: { window: Turn[]; facts: Record<string, string>; summary: string | null };
}

export interface Assistant {
  readonly domain: Domain;
  turn(input: TurnInput, ctx: TurnContext): Promise<TurnResult>;
  /** Replies an agent could send next, from the knowledge base and, with a model, a draft. */
  suggestReplies?(
    transcript: readonly Pick<Turn, "role" | "text">[],
    signal?: AbortSignal,
  ): Promise<ReplySuggestion[]>;
}

/**
 * An assistant whose settings and intent classifier can change while it serves (the console's
 * settings and "train" pages). Each turn reads both once, when it starts: a turn in flight
 * finishes with what it began with, the next one uses the new ones.
 */
export interface LiveAssistant extends Assistant {
  /** The settings turns starting now use. */
  readonly config: Readonly<AssistantConfig>;
  /** Replaces the given settings for turns that start from now on; returns the full settings. */
  configure(patch: Partial<AssistantConfig>): AssistantConfig;
  /** Replaces the intent classifier for turns that start from now on. */
  setClassifier(classifier: TurnClassifier): void;
}

/** What the assistant needs of an intent classifier (the intents package provides one). */
export interface ClassifierPrediction {
  intent: string | null;
  confidence: number;
  oos: boolean;
  ranked: { intent: string; confidence: number }[];
}

export interface TurnClassifier {
  classify(text: string): ClassifierPrediction;
}

export interface SentimentResult {
  score: number;
  label: "negative" | "neutral" | "positive";
  strength: number;
}

export type SentimentAnalyzer = (text: string) => SentimentResult;

export interface AssistantConfig {
  /** Turns kept in the context window (user and bot turns both count). */
  windowTurns: number;
  /** Intent confidence below which the turn counts as low-confidence. */
  handoffThreshold: number;
  /** Consecutive low-confidence or out-of-scope turns before a hand-off. */
  maxLowConfidenceTurns: number;
  /** A sentiment score at or below this (with a falling or flat trend) hands off. */
  negativeSentimentThreshold: number;
  /** Sentiment score below which replies get an apology or empathy prefix. */
  empathyThreshold: number;
  /** Intents that always go to a human (in addition to those marked sensitive in the domain). */
  sensitiveIntents: string[];
  /**
   * Phrases that count as asking for a person, on top of the built-in ones ("转人工", "talk to a
   * human"): matched case-insensitively anywhere in the message.
   */
  handoffPhrases: string[];
  /** Hits passed to the extractive or generative answer. */
  retrievalK: number;
  /** The customers' offset from UTC in minutes, for "明天" and "3pm". Default: this host's. */
  utcOffsetMinutes?: number;
  /** With an LLM: fold turns into the summary once this many have left the window. */
  summaryBatchTurns: number;
  /**
   * Below the hand-off threshold but at or above this, the bot asks "did you mean …?" about the
   * best guess instead of a plain fallback; a yes acts on it.
   */
  clarifyThreshold: number;
}

export interface ActionContext {
  intent: string;
  slots: Record<string, SlotValue>;
  language: Language;
  profile: UserProfile | null;
  domain: Domain;
  now: Date;
}

export interface ActionResult {
  text: string;
  /** Added to the profile (e.g. a past issue for a submitted return). */
  profileUpdates?: ProfileUpdates;
}

/** A named handler a domain's `action` replies call; `lookup` and `submit` are built in. */
export type ActionHandler = (ctx: ActionContext) => ActionResult | Promise<ActionResult>;

export interface CreateAssistantOptions {
  domain: Domain;
  classifier: TurnClassifier;
  retriever: Retriever | null;
  llm?: { backend: Backend; model: string };
  /** Defaults to the sentiment analyser of this package. */
  sentiment?: SentimentAnalyzer;
  /** Extra action handlers by name; they override built-ins of the same name. */
  actions?: Record<string, ActionHandler>;
  config?: Partial<AssistantConfig>;
}
