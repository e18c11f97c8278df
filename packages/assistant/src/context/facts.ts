import type { Entity } from "@seekdesk/core";
import type { SlotValue } from "../types.ts";

/** Facts worth keeping after the turn that said them leaves the window. */
export function factsFromTurn(
  facts: Record<string, string>,
  entities: Entity[],
  filledSlots: Record<string, SlotValue>,
  extra: { name?: string; intent?: string | null },
): Record<string, string> {
  const out = { ...facts };
  for (const e of entities) {
    if (e.kind === "order_id") out.order_id = e.value;
    if (e.kind === "phone") out.phone = e.value;
    if (e.kind === "email") out.email = e.value;
  }
  for (const [name, v] of Object.entries(filledSlots)) out[name] = String(v.normalized);
  if (extra.name) out.name = extra.name;
  if (extra.intent) {
    // The last few intents, newest last: enough for an agent to see what the user was after.
    const recent = (out.recent_intents ?? "").split(",").filter(Boolean);
    if (recent[recent.length - 1] !== extra.intent) recent.push(extra.intent);
    out.recent_intents = recent.slice(-5).join(",");
  }
  return out;
}
