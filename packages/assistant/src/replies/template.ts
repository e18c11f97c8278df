import type { Domain } from "../domain/schema.ts";
import { formatSlotValue } from "../slots/format.ts";
import type { Language, SlotValue, UserProfile } from "../types.ts";

/**
 * Fills `{slot}`, `{row.field}`, `{reference}` and `{name}` placeholders. `{row.x}` reads the
 * column `x_<language>` when the table has one, else `x`. `{name}` is ", Anna" / "，王芳" or
 * nothing, so "Hello{name}!" reads well with or without a known name.
 */
export function renderTemplate(
  template: string,
  vars: {
    domain: Domain;
    language: Language;
    slots?: Record<string, SlotValue>;
    row?: Record<string, unknown>;
    reference?: string;
    profile?: UserProfile | null;
  },
): string {
  const { domain, language } = vars;
  return template.replace(/\{([a-z_]+(?:\.[a-z_]+)?)\}/gi, (whole, key: string) => {
    if (key === "name") {
      const name = vars.profile?.name;
      return name ? (language === "zh" ? `，${name}` : `, ${name}`) : "";
    }
    if (key === "reference") return vars.reference ?? whole;
    if (key.startsWith("row.")) {
      const field = key.slice(4);
      const v = vars.row?.[`${field}_${language}`] ?? vars.row?.[field];
      return v === undefined || v === null ? whole : String(v);
    }
    const slot = vars.slots?.[key];
    const def = domain.slots[key];
    if (slot && def) return formatSlotValue(def, slot, language);
    return whole;
  });
}
