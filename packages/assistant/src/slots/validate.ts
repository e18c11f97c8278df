import type { SlotDefinition } from "../domain/schema.ts";
import type { Language, SlotValue } from "../types.ts";

const MESSAGES = {
  min: { zh: "{label}不能小于 {n}。", en: "The {label} cannot be less than {n}." },
  max: { zh: "{label}不能大于 {n}。", en: "The {label} cannot be more than {n}." },
  past: { zh: "{label}不能早于现在。", en: "The {label} cannot be in the past." },
  pattern: { zh: "{label}的格式不正确。", en: "The {label} does not look right." },
  enum: { zh: "{label}不在可选范围内。", en: "That is not a valid {label}." },
};

function say(key: keyof typeof MESSAGES, def: SlotDefinition, language: Language, n?: number): string {
  return MESSAGES[key][language].replace("{label}", def.label[language]).replace("{n}", String(n ?? ""));
}

/** The local "YYYY-MM-DDTHH:MM" of an instant, for comparing with slot values. */
export function localStamp(now: Date, utcOffsetMinutes: number): string {
  return new Date(now.getTime() + utcOffsetMinutes * 60_000).toISOString().slice(0, 16);
}

/** Null when the value is acceptable; otherwise a message in the user's language. */
export function validateSlot(
  def: SlotDefinition,
  v: SlotValue,
  language: Language,
  now: Date,
  utcOffsetMinutes: number,
): string | null {
  const n = v.normalized;
  if ((def.type === "money" || def.type === "number") && typeof n === "number") {
    if (def.min !== undefined && n < def.min) return say("min", def, language, def.min);
    if (def.max !== undefined && n > def.max) return say("max", def, language, def.max);
  }
  if ((def.type === "date" || def.type === "datetime") && def.future && typeof n === "string") {
    const today = localStamp(now, utcOffsetMinutes);
    // A date alone is compared by day; a full datetime by minute.
    if (n.length === 10 ? n < today.slice(0, 10) : /^\d{4}-/.test(n) && n < today)
      return say("past", def, language);
  }
  if (def.type === "regex" && def.pattern && !new RegExp(`^(?:${def.pattern})$`).test(String(n))) {
    return say("pattern", def, language);
  }
  if (def.type === "enum" && def.values && !(String(n) in def.values)) return say("enum", def, language);
  return null;
}
