import { createHash } from "node:crypto";
import type { ActionDefinition } from "../domain/schema.ts";
import type { ActionContext, ActionHandler, ActionResult } from "../types.ts";
import { renderTemplate } from "./template.ts";

/** A stable reference for a submitted request: the same slots on the same day give the same id. */
function reference(prefix: string, ctx: ActionContext): string {
  const basis = JSON.stringify([
    ctx.intent,
    Object.entries(ctx.slots).map(([k, v]) => [k, v.normalized]),
    ctx.now.toISOString().slice(0, 10),
  ]);
  return `${prefix}-${createHash("sha256").update(basis).digest("hex").slice(0, 8).toUpperCase()}`;
}

function lookup(def: Extract<ActionDefinition, { handler: "lookup" }>, ctx: ActionContext): ActionResult {
  const key = ctx.slots[def.slot]?.normalized;
  const row = ctx.domain.tables[def.table]?.find(
    (r) => String(r[def.key]).toUpperCase() === String(key).toUpperCase(),
  );
  const template = (row ? def.found : def.notFound)[ctx.language];
  return {
    text: renderTemplate(template, {
      domain: ctx.domain,
      language: ctx.language,
      slots: ctx.slots,
      row,
      profile: ctx.profile,
    }),
  };
}

function submit(def: Extract<ActionDefinition, { handler: "submit" }>, ctx: ActionContext): ActionResult {
  const ref = reference(def.prefix, ctx);
  const text = renderTemplate(def.done[ctx.language], {
    domain: ctx.domain,
    language: ctx.language,
    slots: ctx.slots,
    reference: ref,
    profile: ctx.profile,
  });
  const orderId = ctx.slots.order_id?.normalized;
  return {
    text,
    profileUpdates: {
      pastIssues: [
        {
          intent: ctx.intent,
          summary: `${ref}: ${text}`,
          at: ctx.now.toISOString(),
          ...(orderId ? { orderId: String(orderId) } : {}),
        },
      ],
    },
  };
}

/** Runs a domain action: a registered handler of that name first, then the built-in handlers. */
export async function runAction(
  name: string,
  ctx: ActionContext,
  registered: Record<string, ActionHandler>,
): Promise<ActionResult> {
  const custom = registered[name];
  if (custom) return custom(ctx);
  const def = ctx.domain.actions[name];
  if (!def) throw new Error(`The action ${name} is not defined in the domain`);
  if (def.handler === "lookup") return lookup(def, ctx);
  if (def.handler === "submit") return submit(def, ctx);
  throw new Error(`The action ${name} needs a handler registered in code (createAssistant({ actions }))`);
}
