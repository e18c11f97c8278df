/**
 * A customer-service domain as data: intents with examples, slot definitions, reply policies,
 * action definitions, data tables and knowledge articles. `loadDomain(dir)` validates it.
 */
import { z } from "zod";

/** Text in each language the domain speaks; English is the fallback when a language is missing. */
export const localizedSchema = z.object({ zh: z.string().min(1), en: z.string().min(1) });
export type Localized = z.infer<typeof localizedSchema>;

export const slotTypeSchema = z.enum([
  "enum",
  "date",
  "time",
  "datetime",
  "number",
  "money",
  "phone",
  "order_id",
  "email",
  "place",
  "regex",
  "text",
]);
export type SlotType = z.infer<typeof slotTypeSchema>;

export const slotDefinitionSchema = z.object({
  type: slotTypeSchema,
  /** What the slot is called in confirmations: "订单号" / "order number". */
  label: localizedSchema,
  /** The question asked when the slot is missing. */
  prompt: localizedSchema,
  /** enum: canonical value → synonyms in any language (the canonical value matches too). */
  values: z.record(z.string(), z.array(z.string())).optional(),
  /** enum: how each canonical value is said back to the user. */
  valueLabels: z.record(z.string(), localizedSchema).optional(),
  /** regex: the pattern a value must match (JavaScript syntax, no flags). */
  pattern: z.string().optional(),
  /** number / money: inclusive bounds. */
  min: z.number().optional(),
  max: z.number().optional(),
  /** date / datetime: reject dates before today. */
  future: z.boolean().optional(),
});
export type SlotDefinition = z.infer<typeof slotDefinitionSchema>;

export const intentSlotSchema = z.object({
  name: z.string().min(1),
  required: z.boolean().default(true),
  /** Overrides the slot's prompt for this intent. */
  prompt: localizedSchema.optional(),
});
export type IntentSlot = z.infer<typeof intentSlotSchema>;

export const replyPolicySchema = z.discriminatedUnion("type", [
  /** Answer from the knowledge base; `query` is appended to the user text to steer retrieval. */
  z.object({ type: z.literal("kb"), query: localizedSchema.optional() }),
  z.object({ type: z.literal("template"), text: localizedSchema }),
  /** Run a named action once the intent's required slots are filled (asked for if missing). */
  z.object({ type: z.literal("action"), action: z.string().min(1) }),
  /** Fill the slots, confirm if asked to, then run the action or say the template. */
  z.object({
    type: z.literal("form"),
    confirm: z.boolean().default(true),
    action: z.string().optional(),
    template: localizedSchema.optional(),
  }),
  z.object({ type: z.literal("handoff"), text: localizedSchema.optional() }),
]);
export type ReplyPolicy = z.infer<typeof replyPolicySchema>;

export const intentSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, "intent names are snake_case"),
  description: localizedSchema,
  examples: z.object({ zh: z.array(z.string().min(1)), en: z.array(z.string().min(1)) }),
  slots: z.array(intentSlotSchema).default([]),
  reply: replyPolicySchema,
  /** Sensitive intents (legal threats, fraud, complaints about staff) always go to a human. */
  sensitive: z.boolean().default(false),
});
export type IntentDefinition = z.infer<typeof intentSchema>;

export const actionDefinitionSchema = z.discriminatedUnion("handler", [
  /** Find the row of `table` whose `key` column equals the slot `slot`; say `found` or `notFound`. */
  z.object({
    handler: z.literal("lookup"),
    table: z.string().min(1),
    key: z.string().min(1),
    slot: z.string().min(1),
    found: localizedSchema,
    notFound: localizedSchema,
  }),
  /** Record a request: a reference number derived from the slots, and a past issue on the profile. */
  z.object({
    handler: z.literal("submit"),
    prefix: z.string().min(1),
    done: localizedSchema,
  }),
  /** A handler registered in code under this action's name (`createAssistant({ actions })`). */
  z.object({ handler: z.literal("custom") }),
]);
export type ActionDefinition = z.infer<typeof actionDefinitionSchema>;

export const domainFileSchema = z.object({
  name: z.string().min(1),
  defaultLanguage: z.enum(["zh", "en"]).default("zh"),
  /** The shape of an order id in this shop, as a JavaScript regex source. */
  orderIdPattern: z.string().default("SD\\d{8}"),
  /**
   * Train the intent classifier with the shipped general-purpose utterances (weather, trivia,
   * chit-chat, other services; zh + en) as an out-of-scope class, so unrelated questions are
   * rejected instead of answered as the nearest intent. Off by default: a domain that covers
   * such topics (a weather or travel desk) would learn to reject its own intents.
   */
  backgroundOos: z.boolean().default(false),
  messages: z.object({
    greeting: localizedSchema,
    fallback: localizedSchema,
    handoff: localizedSchema,
    cancelled: localizedSchema,
    confirm: localizedSchema,
    noAnswer: localizedSchema,
    /**
     * The reply to a message that is only an identifier (an order number, a phone number) while
     * nothing asked for one: `{value}` is what was sent. Optional; a generic question otherwise.
     */
    whatFor: localizedSchema.optional(),
  }),
  slots: z.record(z.string(), slotDefinitionSchema),
  actions: z.record(z.string(), actionDefinitionSchema).default({}),
});
export type DomainFile = z.infer<typeof domainFileSchema>;

export const intentsFileSchema = z.object({ intents: z.array(intentSchema) });

export const tableSchema = z.array(z.record(z.string(), z.unknown()));

export interface KnowledgeArticle {
  /** Stable id: `<language>/<file name without .md>`. */
  id: string;
  language: "zh" | "en";
  title: string;
  /** Absolute path of the Markdown file. */
  path: string;
  text: string;
}

export interface Domain extends DomainFile {
  /** The folder it was loaded from. */
  dir: string;
  intents: IntentDefinition[];
  /** Data tables the lookup actions read (`data/<name>.json`). */
  tables: Record<string, Record<string, unknown>[]>;
  articles: KnowledgeArticle[];
}
