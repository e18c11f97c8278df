import { type Entity, extractEntities } from "@seekdesk/core";
import type { SlotDefinition } from "../domain/schema.ts";
import type { SlotValue } from "../types.ts";
import { matchEnum } from "./enum-match.ts";

export interface SlotExtractionContext {
  now: Date;
  utcOffsetMinutes?: number;
  orderIdPattern: string;
  /** The slot the bot just asked for: a bare answer ("350", "周三", a free-text address) fills it. */
  requestedSlot: string | null;
  turn: number;
  /** Entities of the text when the caller already has them. */
  entities?: Entity[];
  /**
   * The form is showing its summary for confirmation: a message that starts like a correction
   * ("改成…", "不对，是…", "no, it's …", "to …") also fills a free-text slot that was not asked for.
   */
  correcting?: boolean;
}

const RULE_CONFIDENCE = 0.9;
/** A bare number or free text that only fits because it was asked for is less certain. */
const ANSWER_CONFIDENCE = 0.8;

/** Lead-ins people put before a free-text answer: "新地址是…", "改成…", "it's …". */
const TEXT_LEAD_IN =
  /^(?:(?:不对|不是|错了)[，,。\s]*)?(?:我的|新的?)?(?:收货)?(?:地址|address)?\s*(?:是|为|改成|改为|换成|:|：|is|to|it's|it is|please use|use)?\s*/i;

/**
 * How a correction of the summary starts: a change word ("改成", "change it to", "actually"), or a
 * "no" followed by one ("不对，是…", "no, it's …"); a bare "no" is not a correction.
 */
const CORRECTION =
  /^(?:(?:no|nope|不对|不是|错了)[,，.。!！\s]*(?:是|应该是|改成|改为|换成|it's|it is|use|to|change (?:it |the address )?to|make it)\s*|(?:改成|改为|换成|应该是|地址是|新地址是?|actually,?|change (?:it |the address )?to|make it|to)\s*)/i;

function value(
  raw: string,
  normalized: SlotValue["normalized"],
  turn: number,
  confidence = RULE_CONFIDENCE,
): SlotValue {
  return { raw, normalized, confidence, source: "rule", turn };
}

function first<K extends Entity["kind"]>(
  entities: Entity[],
  kind: K,
): Extract<Entity, { kind: K }> | undefined {
  return entities.find((e): e is Extract<Entity, { kind: K }> => e.kind === kind);
}

/** One slot from the text, or null. Entities are shared across slots so each is found once. */
function extractOne(
  name: string,
  def: SlotDefinition,
  text: string,
  entities: Entity[],
  ctx: SlotExtractionContext,
): SlotValue | null {
  const asked = ctx.requestedSlot === name;
  const turn = ctx.turn;
  switch (def.type) {
    case "order_id": {
      const e = first(entities, "order_id");
      return e ? value(e.text, e.value, turn) : null;
    }
    case "phone": {
      const e = first(entities, "phone");
      return e ? value(e.text, e.value, turn) : null;
    }
    case "email": {
      const e = first(entities, "email");
      return e ? value(e.text, e.value, turn) : null;
    }
    case "place": {
      const e = first(entities, "place");
      return e ? value(e.text, e.value.name, turn) : null;
    }
    case "date": {
      const e = entities.find((x) => x.kind === "date" || x.kind === "datetime");
      return e && (e.kind === "date" || e.kind === "datetime")
        ? value(e.text, e.value.slice(0, 10), turn)
        : null;
    }
    case "time": {
      const e = entities.find((x) => x.kind === "time" || x.kind === "datetime");
      return e && (e.kind === "time" || e.kind === "datetime")
        ? value(e.text, e.value.slice(-5), turn)
        : null;
    }
    case "datetime": {
      const e = entities.find((x) => x.kind === "datetime" || x.kind === "date" || x.kind === "time");
      if (!e || (e.kind !== "datetime" && e.kind !== "date" && e.kind !== "time")) return null;
      // A date or a time alone is a partial datetime; the form merges it with what it had.
      return value(e.text, e.value, turn, e.kind === "datetime" ? RULE_CONFIDENCE : ANSWER_CONFIDENCE);
    }
    case "money": {
      const e = first(entities, "money");
      if (e) return value(e.text, e.value.amount, turn);
      const n = asked ? (first(entities, "number") ?? null) : null;
      return n ? value(n.text, n.value, turn, ANSWER_CONFIDENCE) : null;
    }
    case "number": {
      const e = entities.find((x) => x.kind === "number" || x.kind === "quantity" || x.kind === "money");
      if (!e) return null;
      if (e.kind === "number")
        return value(e.text, e.value, turn, asked ? RULE_CONFIDENCE : ANSWER_CONFIDENCE);
      if (e.kind === "quantity" || e.kind === "money")
        return value(e.text, e.value.amount, turn, ANSWER_CONFIDENCE);
      return null;
    }
    case "enum": {
      const m = matchEnum(text, def.values ?? {});
      return m ? value(m.raw, m.value, turn) : null;
    }
    case "regex": {
      const m = new RegExp(def.pattern ?? "(?!)").exec(text);
      return m ? value(m[0], m[0], turn) : null;
    }
    case "text": {
      const correction = !asked && ctx.correcting ? CORRECTION.exec(text.trim()) : null;
      if (!asked && !correction) return null;
      const answer = text
        .trim()
        .slice(correction?.[0].length ?? 0)
        .replace(TEXT_LEAD_IN, "")
        .replace(/[。.!！]+$/, "")
        .trim();
      return answer.length >= 2 ? value(text.trim(), answer, turn, ANSWER_CONFIDENCE) : null;
    }
  }
}

/**
 * Fills the given slots from one message by rules: entity normalisation for typed slots,
 * synonyms for enums, and the whole answer for a free-text slot that was just asked for.
 */
export function extractSlots(
  text: string,
  slots: Record<string, SlotDefinition>,
  ctx: SlotExtractionContext,
): Record<string, SlotValue> {
  const entities =
    ctx.entities ??
    extractEntities(text, {
      now: ctx.now,
      utcOffsetMinutes: ctx.utcOffsetMinutes,
      orderIdPattern: ctx.orderIdPattern,
    });
  const out: Record<string, SlotValue> = {};
  // The asked-for slot reads first, so a bare answer lands where the question pointed; free-text
  // slots read last, so they can leave out what a typed slot took.
  const rank = (n: string) => (slots[n].type === "text" ? 2 : n === ctx.requestedSlot ? 0 : 1);
  const names = Object.keys(slots).sort((a, b) => rank(a) - rank(b));
  const correcting = ctx.correcting && Object.values(slots).filter((d) => d.type === "text").length === 1;
  for (const name of names) {
    // An order number sent when the bot asked for an address answers the order slot, not the
    // address: a free-text slot reads what the typed slots left of the message.
    const own = slots[name].type === "text" ? withoutTaken(text, Object.values(out)) : text;
    const v = extractOne(name, slots[name], own, entities, { ...ctx, correcting });
    if (v) out[name] = v;
  }
  return out;
}

function withoutTaken(text: string, taken: readonly SlotValue[]): string {
  let rest = text;
  for (const v of taken) if (v.raw) rest = rest.replace(v.raw, " ");
  return rest.replace(/\s+/g, " ").replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, "");
}
