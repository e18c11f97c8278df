import { recognizeAmounts } from "./amounts.ts";
import { localToday } from "./calendar.ts";
import { recognizeContacts } from "./contacts.ts";
import type { Recognizer, RecognizerContext } from "./context.ts";
import { recognizeDates } from "./dates.ts";
import { recognizePlaces } from "./places.ts";
import { recognizeTimes } from "./times.ts";
import type { Entity, EntityOptions } from "./types.ts";

/** Earlier recognizers win ties of equal length: "400-820-8820" is a service number, not a date. */
const RECOGNIZERS: Recognizer[] = [
  recognizeContacts,
  recognizeDates,
  recognizeTimes,
  recognizeAmounts,
  recognizePlaces,
];

export const DEFAULT_ORDER_ID_PATTERN = "SD\\d{6,12}";

/** Connectors allowed between a date and the time that belongs to it. */
const DATE_THEN_TIME = /^\s*(?:,|，|的|at|@|around|about|大约|大概|约)?\s*$/i;
const TIME_THEN_DATE = /^\s*(?:,|，|on)?\s*$/i;

function overlaps(a: Entity, b: Entity): boolean {
  return a.start < b.end && b.start < a.end;
}

/** Longest match first; among equal lengths the earlier recognizer; the rest must not overlap. */
function resolveOverlaps(candidates: { e: Entity; rank: number }[]): Entity[] {
  const sorted = [...candidates].sort(
    (a, b) => b.e.end - b.e.start - (a.e.end - a.e.start) || a.rank - b.rank || a.e.start - b.e.start,
  );
  const kept: Entity[] = [];
  for (const { e } of sorted) if (!kept.some((k) => overlaps(k, e))) kept.push(e);
  return kept.sort((a, b) => a.start - b.start);
}

/** "下周二下午三点", "tomorrow at 3pm", "3pm tomorrow" become one datetime. */
function combineDateTimes(text: string, entities: Entity[]): Entity[] {
  const out: Entity[] = [];
  for (let i = 0; i < entities.length; i++) {
    const a = entities[i];
    const b = entities[i + 1];
    if (b) {
      const gap = text.slice(a.end, b.start);
      const date =
        a.kind === "date" && b.kind === "time" && DATE_THEN_TIME.test(gap)
          ? a
          : b.kind === "date" && a.kind === "time" && TIME_THEN_DATE.test(gap)
            ? b
            : null;
      const time = date === a ? b : date === b ? a : null;
      if (date && time && date.kind === "date" && time.kind === "time") {
        out.push({
          kind: "datetime",
          text: text.slice(a.start, b.end),
          start: a.start,
          end: b.end,
          value: `${date.value}T${time.value}`,
        });
        i++;
        continue;
      }
    }
    out.push(a);
  }
  return out;
}

/**
 * Finds dates, times, amounts, quantities, numbers, phones, order ids, e-mails and places in
 * Chinese or English text. Pure: the same text, `now` and options give the same entities.
 */
export function extractEntities(text: string, opts: EntityOptions): Entity[] {
  const ctx: RecognizerContext = {
    today: localToday(opts.now, opts.utcOffsetMinutes ?? -opts.now.getTimezoneOffset()),
    bias: opts.dateBias ?? "nearest",
    orderIdPattern: opts.orderIdPattern ?? DEFAULT_ORDER_ID_PATTERN,
  };
  const candidates = RECOGNIZERS.flatMap((recognize, rank) => recognize(text, ctx).map((e) => ({ e, rank })));
  const entities = combineDateTimes(text, resolveOverlaps(candidates));
  return opts.kinds ? entities.filter((e) => opts.kinds?.includes(e.kind)) : entities;
}

/** The normalised form of an entity as text: "2026-12-01 15:00", "350 CNY", "2 kg", "+8613800138000". */
export function formatEntity(e: Entity): string {
  switch (e.kind) {
    case "datetime":
      return e.value.replace("T", " ");
    case "money":
      return `${e.value.amount} ${e.value.currency}`;
    case "quantity":
      return `${e.value.amount} ${e.value.unit}`;
    case "number":
      return String(e.value);
    case "place":
      return e.value.name;
    default:
      return e.value;
  }
}

/** Rewrites every recognised entity to its normalised form (for indexing and deduplication). */
export function normalizeEntitiesInText(text: string, opts: EntityOptions): string {
  let out = "";
  let at = 0;
  for (const e of extractEntities(text, opts)) {
    out += text.slice(at, e.start) + formatEntity(e);
    at = e.end;
  }
  return out + text.slice(at);
}
