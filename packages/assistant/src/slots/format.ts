import type { SlotDefinition } from "../domain/schema.ts";
import type { Language, SlotValue } from "../types.ts";

const ZH_WEEKDAYS = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];
const EN_WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const EN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function formatDate(iso: string, language: Language): string {
  const [y, m, d] = iso.split("-").map(Number);
  const wd = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return language === "zh"
    ? `${m}月${d}日（${ZH_WEEKDAYS[wd]}）`
    : `${EN_WEEKDAYS[wd]} ${d} ${EN_MONTHS[m - 1]}`;
}

/** A slot value as said back to the user: "12月1日（周二）15:00", "Tue 1 Dec 15:00", "350 元". */
export function formatSlotValue(def: SlotDefinition, v: SlotValue, language: Language): string {
  const n = v.normalized;
  if (def.type === "enum") return def.valueLabels?.[String(n)]?.[language] ?? String(n);
  if (def.type === "money" && typeof n === "number") return language === "zh" ? `${n} 元` : `${n} CNY`;
  if (typeof n === "string" && (def.type === "date" || def.type === "datetime")) {
    const date = /^\d{4}-\d{2}-\d{2}/.exec(n)?.[0];
    const time = /\d{2}:\d{2}$/.exec(n)?.[0];
    if (date && time) return `${formatDate(date, language)} ${time}`;
    if (date) return formatDate(date, language);
  }
  return String(n);
}

/** "订单号：SD20260001，退货原因：商品破损" / "order number SD20260001, reason damaged". */
export function summarizeSlots(
  slots: Record<string, SlotValue>,
  order: string[],
  defs: Record<string, SlotDefinition>,
  language: Language,
): string {
  const parts = order
    .filter((name) => slots[name] && defs[name])
    .map((name) => {
      const label = defs[name].label[language];
      const shown = formatSlotValue(defs[name], slots[name], language);
      return language === "zh" ? `${label}：${shown}` : `${label} ${shown}`;
    });
  return parts.join(language === "zh" ? "，" : ", ");
}
