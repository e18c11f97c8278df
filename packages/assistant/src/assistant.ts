import { type Citation, type Entity, extractEntities } from "@seekdesk/core";
import { factsFromTurn } from "./context/facts.ts";
import { detectLanguage } from "./context/language.ts";
import {
  applyProfileUpdates,
  mergeUpdates,
  profileUpdatesFromMessage,
  requestedReplyLanguage,
} from "./context/profile.ts";
import { summarizeTurns } from "./context/summary.ts";
import { contextWindow, turnsToSummarize } from "./context/window.ts";
import type { IntentDefinition, SlotDefinition } from "./domain/schema.ts";
import { runAction } from "./replies/actions.ts";
import { asksForHuman, handoffSummary } from "./replies/handoff.ts";
import { extractiveAnswer } from "./replies/kb-extractive.ts";
import { groundedPrompt, streamGroundedAnswer } from "./replies/kb-generative.ts";
import { suggestReplies } from "./replies/suggest.ts";
import { renderTemplate } from "./replies/template.ts";
import { chooseTone, tonePrefix } from "./replies/tone.ts";
import { analyzeSentiment, sentimentTrend } from "./sentiment/index.ts";
import { extractSlots } from "./slots/extract.ts";
import { type FormOutcome, runForm } from "./slots/form.ts";
import { extractSlotsWithLlm, mergeExtractions } from "./slots/llm-extract.ts";
import { isCancel, isNo, isYes } from "./slots/replies-words.ts";
import type {
  AssistantConfig,
  CreateAssistantOptions,
  DialogueState,
  HandoffReason,
  Language,
  LiveAssistant,
  ProfileUpdates,
  ReplyKind,
  ReplyTone,
  SentimentSnapshot,
  SlotValue,
  TurnClassifier,
  TurnContext,
  TurnInput,
  TurnResult,
  UserProfile,
} from "./types.ts";

function storedReplyLanguage(profile: UserProfile | null): Language | null {
  const v = profile?.preferences.replyLanguage;
  return v === "zh" || v === "en" ? v : null;
}

export const DEFAULT_ASSISTANT_CONFIG: AssistantConfig = {
  windowTurns: 8,
  handoffThreshold: 0.6,
  maxLowConfidenceTurns: 2,
  negativeSentimentThreshold: -0.6,
  empathyThreshold: -0.25,
  sensitiveIntents: [],
  handoffPhrases: [],
  retrievalK: 5,
  summaryBatchTurns: 4,
  clarifyThreshold: 0.3,
};

interface Outcome {
  kind: ReplyKind;
  text: string;
  citations?: Citation[];
  handoff?: HandoffReason;
  stream?: AsyncIterable<string>;
  final?: Promise<string>;
  /** The tone prefix is already part of `text` (streamed answers put it first in the stream). */
  toned?: boolean;
}

/** See `messages.whatFor` of the domain file. */
const WHAT_FOR = {
  zh: "好的，已记下 {value}。请问需要我帮您做什么呢？",
  en: "Got it: {value}. What would you like me to do with it?",
};

/** Entities that identify something; a message of nothing else names no request. */
const IDENTIFIERS = new Set<Entity["kind"]>(["order_id", "phone", "email"]);

/** The identifier when the message is nothing but one (and punctuation or filler like "订单号"). */
function bareIdentifier(text: string, entities: readonly Entity[]): string | null {
  const ids = entities.filter((e) => IDENTIFIERS.has(e.kind));
  if (ids.length !== 1) return null;
  const rest = text
    .replace(ids[0].text, "")
    .replace(
      /订单号?|单号|手机号?|电话|邮箱|order( number| no\.?| id)?|phone( number)?|e-?mail|my|is|it's|是|[\s\p{P}\p{S}]/giu,
      "",
    );
  return rest.length === 0 ? ids[0].text : null;
}

const CLARIFY = {
  zh: "请问您是想咨询「{topic}」吗？",
  en: "Do you mean: {topic}?",
};

const REASK = {
  zh: "抱歉，我没有理解。",
  en: "Sorry, I did not catch that. ",
};

/**
 * The turn pipeline: language, sentiment, intent, slots and forms, replies, hand-off, context
 * and profile. Without an LLM every step is rules and the classifier; with one, slot extraction
 * is helped by JSON-schema extraction, knowledge answers are generated from the retrieved
 * chunks, and old turns are summarised.
 */
export function createAssistant(opts: CreateAssistantOptions): LiveAssistant {
  const { domain, retriever, llm } = opts;
  const analyze = opts.sentiment ?? analyzeSentiment;
  const actions = opts.actions ?? {};
  const intents = new Map(domain.intents.map((i) => [i.name, i]));

  /** What a turn reads once at its start; replaced whole, never mutated, so a swap is atomic. */
  interface Live {
    config: AssistantConfig;
    classifier: TurnClassifier;
    sensitive: Set<string>;
    userTurnsInWindow: number;
  }
  const settle = (config: AssistantConfig, classifier: TurnClassifier): Live => ({
    config,
    classifier,
    sensitive: new Set([
      ...config.sensitiveIntents,
      ...domain.intents.filter((i) => i.sensitive).map((i) => i.name),
    ]),
    userTurnsInWindow: Math.max(2, Math.ceil(config.windowTurns / 2)),
  });
  let live = settle({ ...DEFAULT_ASSISTANT_CONFIG, ...opts.config }, opts.classifier);

  function slotDefs(intent: IntentDefinition): Record<string, SlotDefinition> {
    return Object.fromEntries(intent.slots.map((s) => [s.name, domain.slots[s.name]]));
  }

  async function turn(input: TurnInput, ctx: TurnContext): Promise<TurnResult> {
    const { config, classifier, sensitive, userTurnsInWindow } = live;
    const now = ctx.now ?? new Date();
    const utcOffsetMinutes = config.utcOffsetMinutes ?? -now.getTimezoneOffset();
    const text = input.text.trim();
    const prev = ctx.state;
    const detected: Language = detectLanguage(
      text,
      prev.turnCount === 0 ? (ctx.profile?.language ?? domain.defaultLanguage) : prev.language,
    );
    // A stated wish ("请用英文回复", in this message or kept on the profile) beats detection.
    const language: Language = requestedReplyLanguage(text) ?? storedReplyLanguage(ctx.profile) ?? detected;
    const window = contextWindow(ctx.history, config.windowTurns);
    const entities: Entity[] = extractEntities(text, {
      now,
      utcOffsetMinutes,
      orderIdPattern: domain.orderIdPattern,
    });

    // What slot extraction and retrieval read: this message, or the earlier one a "yes" to a
    // clarification question ("您是想咨询…吗？") refers to.
    let said = text;
    let saidEntities = entities;

    const mood = analyze(text);
    const scores = [...prev.sentimentScores, mood.score].slice(-userTurnsInWindow);
    const trend = sentimentTrend(scores);
    const sentiment: SentimentSnapshot = {
      score: mood.score,
      label: mood.label,
      trend: trend.label,
      slope: trend.slope,
    };
    const tone: ReplyTone = chooseTone(mood.score, mood.label, trend.label, config.empathyThreshold);

    const prediction = classifier.classify(text);
    const inputConfidence = Math.min(1, Math.max(0, input.inputConfidence ?? 1));
    const confidence = prediction.confidence * inputConfidence;
    const predicted = prediction.oos ? null : prediction.intent;

    let profileUpdates: ProfileUpdates = profileUpdatesFromMessage(text, language, entities, ctx.profile);
    const profile: UserProfile | null =
      ctx.profile || profileUpdates.name
        ? applyProfileUpdates(ctx.profile, input.userId, profileUpdates, now)
        : null;

    const state: DialogueState = {
      ...prev,
      language,
      turnCount: prev.turnCount + 1,
      sentimentScores: scores,
      facts: { ...prev.facts },
      slots: { ...prev.slots },
      // A clarification question is answered (or ignored) by this turn.
      pendingIntent: null,
      // A finished or cancelled form is history: this turn starts from idle.
      formStatus: prev.formStatus === "done" || prev.formStatus === "cancelled" ? "idle" : prev.formStatus,
    };

    if (llm) {
      const dropped = turnsToSummarize(ctx.history, config.windowTurns, prev.summarizedTurns);
      if (dropped.length >= config.summaryBatchTurns) {
        state.summary = await summarizeTurns({
          ...llm,
          previous: prev.summary,
          turns: dropped,
          language,
          signal: ctx.signal,
        });
        state.summarizedTurns = prev.summarizedTurns + dropped.length;
      }
    }

    let turnIntent: string | null = predicted;
    let filled: Record<string, SlotValue> = {};

    const handoff = (reason: HandoffReason): Outcome => ({
      kind: "handoff",
      text: domain.messages.handoff[language],
      handoff: reason,
    });

    async function extractFor(
      intent: IntentDefinition,
      requestedSlot: string | null,
      correcting = false,
    ): Promise<Record<string, SlotValue>> {
      const defs = slotDefs(intent);
      const rules = extractSlots(said, defs, {
        now,
        utcOffsetMinutes,
        orderIdPattern: domain.orderIdPattern,
        requestedSlot,
        correcting,
        turn: state.turnCount,
        entities: saidEntities,
      });
      const wanted = requestedSlot ?? intent.slots.find((s) => s.required && !rules[s.name])?.name;
      // The model is asked only when the rules missed what the form needs and the message is not a bare yes/no/cancel.
      if (!llm || !wanted || rules[wanted] || isYes(said) || isNo(said) || isCancel(said)) return rules;
      const fromLlm = await extractSlotsWithLlm({
        ...llm,
        domain,
        intent,
        text: said,
        language,
        now,
        utcOffsetMinutes,
        turn: state.turnCount,
        signal: ctx.signal,
      });
      // The model fills gaps; changing a value already held takes the user's own words (rules).
      for (const name of Object.keys(fromLlm))
        if (state.slots[name] && state.activeIntent === intent.name) delete fromLlm[name];
      return mergeExtractions(rules, fromLlm);
    }

    async function finishForm(intent: IntentDefinition, slots: Record<string, SlotValue>): Promise<Outcome> {
      state.formStatus = "done";
      state.requestedSlot = null;
      state.pendingConfirmation = null;
      const policy = intent.reply;
      const action =
        policy.type === "action" ? policy.action : policy.type === "form" ? policy.action : undefined;
      if (action) {
        const result = await runAction(
          action,
          { intent: intent.name, slots, language, profile, domain, now },
          actions,
        );
        if (result.profileUpdates) profileUpdates = mergeUpdates(profileUpdates, result.profileUpdates);
        return { kind: "action", text: result.text };
      }
      const template = policy.type === "form" ? policy.template : undefined;
      return {
        kind: "template",
        text: template ? renderTemplate(template[language], { domain, language, slots, profile }) : "",
      };
    }

    async function applyForm(
      intent: IntentDefinition,
      outcome: FormOutcome,
      slots: Record<string, SlotValue>,
    ): Promise<Outcome> {
      state.activeIntent = intent.name;
      state.slots = slots;
      switch (outcome.kind) {
        case "ask":
          state.formStatus = "filling";
          state.requestedSlot = outcome.slot;
          state.pendingConfirmation = null;
          return { kind: "slot_question", text: outcome.question };
        case "confirm":
          state.formStatus = "confirming";
          state.requestedSlot = null;
          state.pendingConfirmation = outcome.question;
          return { kind: "confirm", text: outcome.question };
        case "which":
          state.formStatus = "filling";
          state.requestedSlot = outcome.listen;
          state.pendingConfirmation = null;
          return { kind: "slot_question", text: outcome.question };
        case "complete":
          return finishForm(intent, slots);
        case "cancelled":
          state.formStatus = "cancelled";
          state.requestedSlot = null;
          state.pendingConfirmation = null;
          state.slots = {};
          return { kind: "template", text: domain.messages.cancelled[language] };
        case "unrelated":
          return { kind: "fallback", text: domain.messages.fallback[language] };
      }
    }

    async function startIntent(intent: IntentDefinition): Promise<Outcome> {
      const policy = intent.reply;
      if (policy.type === "handoff" || sensitive.has(intent.name)) {
        return handoff(intent.name === "human_agent" ? "user_request" : "sensitive_intent");
      }
      if (policy.type === "kb") return knowledgeAnswer(intent);
      if (policy.type === "template") {
        return {
          kind: "template",
          text: renderTemplate(policy.text[language], { domain, language, profile }),
        };
      }
      // action and form: fill the slots first.
      const extracted = await extractFor(intent, null);
      filled = extracted;
      const form = runForm({
        domain,
        intent,
        state: { ...state, slots: {} },
        text,
        language,
        extracted,
        starting: true,
        now,
        utcOffsetMinutes,
      });
      return applyForm(intent, form.outcome, form.slots);
    }

    async function knowledgeAnswer(intent: IntentDefinition | null): Promise<Outcome> {
      const noAnswer: Outcome = { kind: "fallback", text: domain.messages.noAnswer[language] };
      if (!retriever) return noAnswer;
      const hint = intent?.reply.type === "kb" ? intent.reply.query?.[language] : undefined;
      const query = hint ? `${said} ${hint}` : said;
      const hits = await retriever.search(query, { k: config.retrievalK, signal: ctx.signal });
      if (hits.length === 0) return noAnswer;
      if (llm) {
        const sameLanguage = hits.filter((h) => detectLanguage(h.text, language) === language);
        const used = (sameLanguage.length > 0 ? sameLanguage : hits).slice(0, 4);
        const messages = groundedPrompt({
          shopName: domain.name,
          question: said,
          hits: used,
          window,
          summary: state.summary,
          facts: state.facts,
          language,
          userName: profile?.name,
        });
        const prefix = tonePrefix(tone, language);
        const { stream, final } = streamGroundedAnswer({ ...llm, messages, prefix, signal: ctx.signal });
        return {
          kind: "answer",
          text: prefix,
          citations: used.map((h) => h.citation),
          stream,
          final,
          toned: true,
        };
      }
      const answer = extractiveAnswer(said, hits, language, hint);
      if (!answer) return noAnswer;
      return { kind: "answer", text: answer.text, citations: answer.citations };
    }

    function lowConfidence(): Outcome {
      state.lowConfidenceTurns = prev.lowConfidenceTurns + 1;
      state.oosTurns = prediction.oos ? prev.oosTurns + 1 : 0;
      if (state.lowConfidenceTurns >= config.maxLowConfidenceTurns) {
        if (state.oosTurns >= config.maxLowConfidenceTurns) return handoff("out_of_scope");
        return handoff(config.maxLowConfidenceTurns <= 1 ? "low_confidence" : "repeated_low_confidence");
      }
      const guess = prediction.ranked[0];
      const guessed = guess && !prediction.oos ? intents.get(guess.intent) : undefined;
      if (
        guessed &&
        guess.confidence * inputConfidence >= config.clarifyThreshold &&
        !sensitive.has(guessed.name) &&
        // Small talk is not worth a question: "did you mean: thanks?" reads as a bug.
        guessed.reply.type !== "template" &&
        guessed.reply.type !== "handoff"
      ) {
        state.pendingIntent = guessed.name;
        return { kind: "confirm", text: CLARIFY[language].replace("{topic}", guessed.description[language]) };
      }
      return { kind: "fallback", text: domain.messages.fallback[language] };
    }

    /** Sustained strong negativity: this turn at or below the threshold, the one before negative too, not improving. */
    function tooAngry(): boolean {
      if (mood.score > config.negativeSentimentThreshold) return false;
      const before = scores.length >= 2 ? scores[scores.length - 2] : 0;
      return before <= config.empathyThreshold && trend.label !== "improving";
    }

    let outcome: Outcome;
    const pendingIntent = prev.pendingIntent ? intents.get(prev.pendingIntent) : undefined;
    const formOpen =
      (prev.formStatus === "filling" || prev.formStatus === "confirming") && prev.activeIntent !== null;
    const activeIntent = formOpen ? intents.get(prev.activeIntent ?? "") : undefined;

    if (asksForHuman(text, config.handoffPhrases)) {
      turnIntent = intents.has("human_agent") ? "human_agent" : turnIntent;
      outcome = handoff("user_request");
    } else if (tooAngry()) {
      outcome = handoff("negative_sentiment");
    } else if (activeIntent) {
      state.lowConfidenceTurns = 0;
      state.oosTurns = 0;
      const extracted = await extractFor(activeIntent, prev.requestedSlot, prev.formStatus === "confirming");
      const form = runForm({
        domain,
        intent: activeIntent,
        state,
        text,
        language,
        extracted,
        starting: false,
        now,
        utcOffsetMinutes,
      });
      const switchTo =
        form.outcome.kind === "unrelated" &&
        // Only the explicit phrases (above) leave a form for a person; a guess of human_agent does not.
        predicted !== "human_agent" &&
        predicted &&
        predicted !== activeIntent.name &&
        confidence >= config.handoffThreshold
          ? intents.get(predicted)
          : undefined;
      if (switchTo && (switchTo.reply.type === "kb" || switchTo.reply.type === "template")) {
        // A side question: answer it and come back to the open question.
        const side = await startIntent(switchTo);
        const pending =
          state.pendingConfirmation ??
          (state.requestedSlot ? runFormPrompt(activeIntent, state.requestedSlot, language) : "");
        outcome = side.stream ? side : { ...side, text: pending ? `${side.text}\n\n${pending}` : side.text };
      } else if (switchTo) {
        state.formStatus = "idle";
        state.slots = {};
        state.requestedSlot = null;
        state.pendingConfirmation = null;
        outcome = await startIntent(switchTo);
      } else if (form.outcome.kind === "unrelated") {
        turnIntent = activeIntent.name;
        const again =
          prev.formStatus === "confirming"
            ? prev.pendingConfirmation
            : prev.requestedSlot
              ? runFormPrompt(activeIntent, prev.requestedSlot, language)
              : null;
        outcome = {
          kind: prev.formStatus === "confirming" ? "confirm" : "slot_question",
          text: `${REASK[language]}${again ?? ""}`,
        };
      } else {
        turnIntent = activeIntent.name;
        filled = extracted;
        outcome = await applyForm(activeIntent, form.outcome, form.slots);
      }
    } else if (pendingIntent && isYes(text)) {
      // "Yes" to "did you mean …?": act on the message the question was about.
      const earlier = [...ctx.history].reverse().find((t) => t.role === "user");
      if (earlier) {
        said = earlier.text;
        saidEntities = extractEntities(said, {
          now,
          utcOffsetMinutes,
          orderIdPattern: domain.orderIdPattern,
        });
      }
      state.lowConfidenceTurns = 0;
      state.oosTurns = 0;
      turnIntent = pendingIntent.name;
      outcome = await startIntent(pendingIntent);
    } else if (bareIdentifier(text, entities)) {
      // "SD20260001" with nothing asked for: the classifier can only guess which form it belongs
      // to (it used to open a return). Keep it as a fact (below) and ask what it is for.
      turnIntent = null;
      const template = domain.messages.whatFor?.[language] ?? WHAT_FOR[language];
      outcome = {
        kind: "slot_question",
        text: template.replace("{value}", bareIdentifier(text, entities) ?? ""),
      };
    } else if (!predicted || confidence < config.handoffThreshold) {
      outcome = lowConfidence();
    } else {
      state.lowConfidenceTurns = 0;
      state.oosTurns = 0;
      const intent = intents.get(predicted);
      outcome = intent ? await startIntent(intent) : lowConfidence();
    }

    let handoffInfo: TurnResult["handoff"];
    if (outcome.handoff) {
      const summary = handoffSummary({
        reason: outcome.handoff,
        domain,
        state,
        profile,
        sentiment,
        window,
        currentText: text,
        intent: turnIntent,
        language,
      });
      handoffInfo = { reason: outcome.handoff, summary };
      profileUpdates = mergeUpdates(profileUpdates, {
        pastIssues: [
          { intent: turnIntent ?? "unknown", summary: `handoff: ${outcome.handoff}`, at: now.toISOString() },
        ],
      });
      // The bot resumes after the agent closes the ticket; it must not hand off again at once.
      state.lowConfidenceTurns = 0;
      state.oosTurns = 0;
      state.sentimentScores = [];
    }

    const stillFilling = state.formStatus === "filling" || state.formStatus === "confirming";
    if (turnIntent && outcome.kind !== "fallback" && !stillFilling) state.activeIntent = turnIntent;
    state.facts = factsFromTurn(state.facts, entities, filled, {
      name: profileUpdates.name,
      intent: turnIntent,
    });

    const prefix = outcome.toned ? "" : tonePrefix(tone, language);
    const replyText = `${prefix}${outcome.text}`;
    return {
      reply: { text: replyText, kind: outcome.kind, citations: outcome.citations ?? [], tone },
      intent: { name: turnIntent, confidence, oos: prediction.oos },
      slots: state.slots,
      state,
      sentiment,
      ...(handoffInfo ? { handoff: handoffInfo } : {}),
      profileUpdates,
      ...(outcome.stream ? { stream: outcome.stream, final: outcome.final } : {}),
      context: { window, facts: state.facts, summary: state.summary },
    };
  }

  function runFormPrompt(intent: IntentDefinition, slot: string, language: Language): string {
    const own = intent.slots.find((s) => s.name === slot)?.prompt;
    return (own ?? domain.slots[slot].prompt)[language];
  }

  return {
    domain,
    turn,
    suggestReplies: (transcript, signal) =>
      suggestReplies({
        shopName: domain.name,
        retriever,
        ...(llm ? { llm } : {}),
        transcript,
        k: live.config.retrievalK,
        window: live.config.windowTurns,
        ...(signal ? { signal } : {}),
      }),
    get config() {
      return live.config;
    },
    configure(patch) {
      const given = Object.entries(patch).filter(([, v]) => v !== undefined);
      live = settle({ ...live.config, ...Object.fromEntries(given) }, live.classifier);
      return live.config;
    },
    setClassifier(classifier) {
      live = settle(live.config, classifier);
    },
  };
}
