import type { Domain, IntentDefinition } from "../domain/schema.ts";
import type { DialogueState, Language, SlotValue } from "../types.ts";
import { summarizeSlots } from "./format.ts";
import { mergeSlotValue } from "./merge.ts";
import { isCancel, isNo, isYes } from "./replies-words.ts";
import { validateSlot } from "./validate.ts";

export type FormOutcome =
  /** Ask for the missing slot `slot`. */
  | { kind: "ask"; slot: string; question: string }
  /** Everything is filled: ask the user to confirm the summary. */
  | { kind: "confirm"; question: string }
  /** Filled (and confirmed when the intent asks for it): run the action or template. */
  | { kind: "complete" }
  | { kind: "cancelled" }
  /** The user said no without saying what to change. */
  | { kind: "which"; question: string; listen: string | null }
  /** The message carries nothing for this form (no slot, no yes/no): maybe a new topic. */
  | { kind: "unrelated" };

export interface FormTurn {
  domain: Domain;
  intent: IntentDefinition;
  state: DialogueState;
  text: string;
  language: Language;
  /** Slot values found in this message (rules merged with the LLM), for this intent's slots. */
  extracted: Record<string, SlotValue>;
  /** True on the turn that opens the form (no yes/no/cancel reading of the message). */
  starting: boolean;
  now: Date;
  utcOffsetMinutes: number;
}

export interface FormResult {
  outcome: FormOutcome;
  slots: Record<string, SlotValue>;
  /** Validation messages for rejected values, in the user's language. */
  errors: string[];
}

/** Facts that may prefill a slot of the same name: they identify things, they do not choose. */
const PREFILLABLE = new Set(["order_id", "phone", "email"]);

const WHICH = {
  zh: "好的，请问哪一项需要修改？（{labels}）",
  en: "Okay, what should I change? ({labels})",
};

function prompt(domain: Domain, intent: IntentDefinition, slot: string, language: Language): string {
  const own = intent.slots.find((s) => s.name === slot)?.prompt;
  return (own ?? domain.slots[slot].prompt)[language];
}

/**
 * One step of a form: fold the message's values into the slots (validating each), then ask for
 * the next missing required slot, ask for confirmation, or complete. Yes, no, corrections and
 * cancellation are read only once the form is open.
 */
export function runForm(t: FormTurn): FormResult {
  const { domain, intent, state, language } = t;
  if (!t.starting && isCancel(t.text))
    return { outcome: { kind: "cancelled" }, slots: state.slots, errors: [] };

  const slots: Record<string, SlotValue> = t.starting ? {} : { ...state.slots };
  if (t.starting) {
    for (const s of intent.slots) {
      const fact = state.facts[s.name];
      if (fact && PREFILLABLE.has(domain.slots[s.name]?.type ?? "") && !t.extracted[s.name]) {
        slots[s.name] = {
          raw: fact,
          normalized: fact,
          confidence: 0.7,
          source: "context",
          turn: state.turnCount,
        };
      }
    }
  }

  const errors: string[] = [];
  let rejected: string | null = null;
  let changed = false;
  for (const [name, next] of Object.entries(t.extracted)) {
    const def = domain.slots[name];
    if (!def) continue;
    const merged = mergeSlotValue(def, slots[name], next, t.now, t.utcOffsetMinutes);
    const error = validateSlot(def, merged, language, t.now, t.utcOffsetMinutes);
    if (error) {
      errors.push(error);
      rejected ??= name;
      continue;
    }
    if (slots[name]?.normalized !== merged.normalized) changed = true;
    slots[name] = merged;
  }

  if (!t.starting && !changed && !rejected) {
    if (state.formStatus === "confirming") {
      if (isYes(t.text)) return { outcome: { kind: "complete" }, slots, errors };
      if (isNo(t.text)) {
        const labels = intent.slots.map((s) => domain.slots[s.name].label[language]).join(" / ");
        // Typed slots are found anywhere in the next message; a free-text one only when listened for.
        const listen = intent.slots.find((s) => domain.slots[s.name]?.type === "text")?.name ?? null;
        return {
          outcome: { kind: "which", question: WHICH[language].replace("{labels}", labels), listen },
          slots,
          errors,
        };
      }
    }
    return { outcome: { kind: "unrelated" }, slots, errors };
  }

  const missing = rejected ?? intent.slots.find((s) => s.required && !slots[s.name])?.name;
  if (missing) {
    const question = [...errors, prompt(domain, intent, missing, language)].join(
      language === "zh" ? "" : " ",
    );
    return { outcome: { kind: "ask", slot: missing, question }, slots, errors };
  }
  const needsConfirm = intent.reply.type === "form" && intent.reply.confirm;
  if (needsConfirm) {
    const summary = summarizeSlots(
      slots,
      intent.slots.map((s) => s.name),
      domain.slots,
      language,
    );
    return {
      outcome: { kind: "confirm", question: domain.messages.confirm[language].replace("{summary}", summary) },
      slots,
      errors,
    };
  }
  return { outcome: { kind: "complete" }, slots, errors };
}
