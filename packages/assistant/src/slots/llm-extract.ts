import type { Backend, ChatMessage } from "@seekdesk/core";
import type { Domain, IntentDefinition } from "../domain/schema.ts";
import type { Language, SlotValue } from "../types.ts";
import { extractSlots } from "./extract.ts";

const LLM_CONFIDENCE = 0.75;

/** The JSON schema the model must answer with: one nullable string per slot of the intent. */
export function slotJsonSchema(domain: Domain, intent: IntentDefinition): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const s of intent.slots) {
    const def = domain.slots[s.name];
    const description =
      def.type === "enum"
        ? `${def.label.en}; one of: ${Object.keys(def.values ?? {}).join(", ")}`
        : `${def.label.en} (${def.type})`;
    properties[s.name] = {
      anyOf: [
        def.type === "enum" ? { type: "string", enum: Object.keys(def.values ?? {}) } : { type: "string" },
        { type: "null" },
      ],
      description,
    };
  }
  return {
    type: "object",
    properties,
    required: intent.slots.map((s) => s.name),
    additionalProperties: false,
  };
}

async function collectText(stream: AsyncIterable<{ type: string; text?: string }>): Promise<string> {
  let out = "";
  for await (const ev of stream) if (ev.type === "text" && ev.text) out += ev.text;
  return out;
}

/**
 * Asks the model to fill the intent's slots from the message, constrained by a JSON schema,
 * then normalises each answer with the same rules as typed input (so "next Tuesday" from the
 * model becomes a date). Values the rules cannot read are dropped unless the slot is free text.
 * A model failure yields no values: the rules alone still work.
 */
export async function extractSlotsWithLlm(opts: {
  backend: Backend;
  model: string;
  domain: Domain;
  intent: IntentDefinition;
  text: string;
  language: Language;
  now: Date;
  utcOffsetMinutes: number;
  turn: number;
  signal?: AbortSignal;
}): Promise<Record<string, SlotValue>> {
  const { domain, intent } = opts;
  if (intent.slots.length === 0) return {};
  const local = new Date(opts.now.getTime() + opts.utcOffsetMinutes * 60_000).toISOString().slice(0, 16);
  const messages: ChatMessage[] = [
    {
      role: "system",
      content:
        `Extract the values of the fields of the "${intent.name}" request from the customer's message. ` +
        `Copy dates, times, amounts and numbers as the customer wrote them. Use null for a field that is not mentioned. ` +
        `Current local time: ${local}. Answer with JSON only.`,
    },
    { role: "user", content: opts.text },
  ];
  let raw: string;
  try {
    raw = await collectText(
      opts.backend.chat(
        {
          model: opts.model,
          messages,
          temperature: 0,
          maxTokens: 256,
          responseFormat: {
            type: "json_schema",
            json_schema: { name: "slots", schema: slotJsonSchema(domain, intent), strict: true },
          },
        },
        opts.signal ?? new AbortController().signal,
      ),
    );
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.slice(raw.indexOf("{"), raw.lastIndexOf("}") + 1));
  } catch {
    return {};
  }
  if (!parsed || typeof parsed !== "object") return {};
  const out: Record<string, SlotValue> = {};
  for (const s of intent.slots) {
    const answer = (parsed as Record<string, unknown>)[s.name];
    if (answer === null || answer === undefined || answer === "") continue;
    const said = String(answer);
    const def = domain.slots[s.name];
    const normalised = extractSlots(
      said,
      { [s.name]: def },
      {
        now: opts.now,
        utcOffsetMinutes: opts.utcOffsetMinutes,
        orderIdPattern: domain.orderIdPattern,
        requestedSlot: s.name,
        turn: opts.turn,
      },
    )[s.name];
    if (normalised) out[s.name] = { ...normalised, raw: said, confidence: LLM_CONFIDENCE, source: "llm" };
  }
  return out;
}

/** Rules win where both found a value: they are exact on what they cover; the model fills the rest. */
export function mergeExtractions(
  rules: Record<string, SlotValue>,
  llm: Record<string, SlotValue>,
): Record<string, SlotValue> {
  return { ...llm, ...rules };
}
