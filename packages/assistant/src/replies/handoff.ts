import type { Domain } from "../domain/schema.ts";
import { summarizeSlots } from "../slots/format.ts";
import type {
  DialogueState,
  HandoffReason,
  Language,
  SentimentSnapshot,
  Turn,
  UserProfile,
} from "../types.ts";

/** An explicit request for a person, in either language. */
const HUMAN_REQUEST =
  /转人工|人工客服|人工服务|找人工|要人工|接人工|真人客服|转接客服|talk to (a |an )?(human|person|agent|someone|real person)|speak (to|with) (a |an )?(human|person|agent|someone|representative)|(human|live|real) agent|agent,? please|real (person|human)|customer service representative|\boperator\b/i;

/** True when `text` asks for a person: a built-in request, or one of `extraPhrases` (any case). */
export function asksForHuman(text: string, extraPhrases: readonly string[] = []): boolean {
  if (HUMAN_REQUEST.test(text)) return true;
  if (extraPhrases.length === 0) return false;
  const lower = text.toLowerCase();
  return extraPhrases.some((p) => p.trim() !== "" && lower.includes(p.trim().toLowerCase()));
}

const REASON_TEXT: Record<HandoffReason, Record<Language, string>> = {
  low_confidence: { zh: "无法确定用户意图", en: "intent unclear" },
  repeated_low_confidence: { zh: "连续多轮无法确定意图", en: "intent unclear for several turns" },
  out_of_scope: { zh: "连续多轮超出服务范围", en: "out of scope for several turns" },
  negative_sentiment: { zh: "用户情绪强烈不满", en: "customer strongly dissatisfied" },
  user_request: { zh: "用户要求人工服务", en: "customer asked for a human" },
  sensitive_intent: { zh: "敏感问题需人工处理", en: "sensitive issue" },
};

/**
 * A few lines an agent reads before taking over: who, why, what is known, the mood, and the
 * last messages. Written in the conversation's language.
 */
export function handoffSummary(opts: {
  reason: HandoffReason;
  domain: Domain;
  state: DialogueState;
  profile: UserProfile | null;
  sentiment: SentimentSnapshot;
  window: Turn[];
  currentText: string;
  intent: string | null;
  language: Language;
}): string {
  const { language: lang, state } = opts;
  const zh = lang === "zh";
  const lines: string[] = [];
  const who = opts.profile?.name ?? state.facts.name;
  lines.push(`${zh ? "转人工原因" : "Reason"}: ${REASON_TEXT[opts.reason][lang]}`);
  if (who) lines.push(`${zh ? "用户" : "Customer"}: ${who}`);
  if (opts.intent) lines.push(`${zh ? "意图" : "Intent"}: ${opts.intent}`);
  const slotNames = Object.keys(state.slots);
  if (slotNames.length > 0) {
    lines.push(
      `${zh ? "已收集" : "Collected"}: ${summarizeSlots(state.slots, slotNames, opts.domain.slots, lang)}`,
    );
  }
  const facts = Object.entries(state.facts)
    .filter(([k]) => k !== "name" && !(k in state.slots))
    .map(([k, v]) => `${k}=${v}`);
  if (facts.length > 0) lines.push(`${zh ? "已知信息" : "Known"}: ${facts.join(", ")}`);
  if (opts.profile && opts.profile.pastIssues.length > 0) {
    lines.push(
      `${zh ? "历史问题" : "Past issues"}: ${opts.profile.pastIssues
        .slice(-3)
        .map((i) => i.intent)
        .join(", ")}`,
    );
  }
  lines.push(
    `${zh ? "情绪" : "Sentiment"}: ${opts.sentiment.label} (${opts.sentiment.score.toFixed(2)}, ${opts.sentiment.trend})`,
  );
  if (state.summary) lines.push(`${zh ? "早前对话概要" : "Earlier"}: ${state.summary}`);
  const recent = [...opts.window.filter((t) => t.role === "user").map((t) => t.text), opts.currentText].slice(
    -3,
  );
  lines.push(`${zh ? "最近消息" : "Last messages"}: ${recent.map((t) => `“${t}”`).join(" / ")}`);
  return lines.join("\n");
}
