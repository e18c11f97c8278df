import type { Backend, ChatMessage } from "@seekdesk/core";
import type { IntentClassifier, IntentExample, IntentPrediction } from "./classifier.ts";

export interface HybridIntentOptions {
  backend: Backend;
  /** The model id to ask; defaults to the backend's first model. */
  model?: string;
  /** Turns with calibrated confidence below this (or rejected as OOS) go to the LLM. Default 0.6. */
  threshold?: number;
  /** One line per intent for the prompt; without it, training examples stand in. */
  descriptions?: Record<string, string>;
  /** Examples shown per intent when there is no description. Default 2. */
  examples?: IntentExample[];
  examplesPerIntent?: number;
  /**
   * The confidence reported for an LLM decision. An LLM's own probability is not calibrated,
   * so this is a prior the operator can fit on held-out data. Default 0.7.
   */
  llmConfidence?: number;
  maxTokens?: number;
}

export interface HybridPrediction extends IntentPrediction {
  /** Who decided: the linear classifier alone, or the LLM on a low-confidence turn. */
  source: "classifier" | "llm";
  /** Why the LLM's answer was not used, when it was asked and failed. */
  llmError?: string;
}

const OOS = "oos";

/**
 * The linear classifier first; below the confidence threshold the LLM chooses among the intents
 * with a JSON schema whose `intent` is an enum of the intent names plus "oos", so a
 * grammar-constrained backend (llama.cpp) cannot answer anything else. A failing, slow or
 * malformed LLM answer falls back to the classifier's prediction.
 */
export class HybridIntentClassifier {
  private readonly threshold: number;
  private readonly llmConfidence: number;
  private readonly system: string;

  constructor(
    readonly classifier: IntentClassifier,
    private readonly opts: HybridIntentOptions,
  ) {
    this.threshold = opts.threshold ?? 0.6;
    this.llmConfidence = opts.llmConfidence ?? 0.7;
    this.system = this.systemPrompt();
  }

  get intents(): string[] {
    return this.classifier.intents;
  }

  /** The JSON schema the LLM answers with. */
  schema(): Record<string, unknown> {
    return {
      type: "object",
      properties: { intent: { type: "string", enum: [...this.classifier.intents, OOS] } },
      required: ["intent"],
      additionalProperties: false,
    };
  }

  private systemPrompt(): string {
    const per = this.opts.examplesPerIntent ?? 2;
    const byIntent = new Map<string, string[]>();
    for (const e of this.opts.examples ?? []) {
      const list = byIntent.get(e.intent) ?? [];
      if (list.length < per) list.push(e.text);
      byIntent.set(e.intent, list);
    }
    const lines = this.classifier.intents.map((intent) => {
      const desc = this.opts.descriptions?.[intent];
      const ex = byIntent.get(intent);
      if (desc) return `- ${intent}: ${desc}`;
      if (ex?.length) return `- ${intent}: e.g. ${ex.map((t) => JSON.stringify(t)).join(", ")}`;
      return `- ${intent}`;
    });
    return [
      "You classify one customer message into exactly one intent of a customer-service desk.",
      "Intents:",
      ...lines,
      `- ${OOS}: the message fits none of the intents above`,
      'Answer with JSON only: {"intent": "<name>"}.',
    ].join("\n");
  }

  /** The classifier alone, synchronous: for callers that cannot wait for an LLM. */
  classifyFast(text: string): IntentPrediction {
    return this.classifier.classify(text);
  }

  async classify(
    text: string,
    signal: AbortSignal = new AbortController().signal,
  ): Promise<HybridPrediction> {
    const fast = this.classifier.classify(text);
    if (!fast.oos && fast.confidence >= this.threshold) return { ...fast, source: "classifier" };
    try {
      const intent = await this.askLlm(text, signal);
      if (intent === OOS)
        return { ...fast, intent: null, oos: true, confidence: fast.confidence, source: "llm" };
      const classifierP = fast.ranked.find((r) => r.intent === intent)?.confidence ?? 0;
      return {
        ...fast,
        intent,
        oos: false,
        confidence: Math.max(classifierP, this.llmConfidence),
        source: "llm",
      };
    } catch (err) {
      if (signal.aborted) throw err;
      return { ...fast, source: "classifier", llmError: err instanceof Error ? err.message : String(err) };
    }
  }

  private async askLlm(text: string, signal: AbortSignal): Promise<string> {
    const model = this.opts.model ?? this.opts.backend.models[0];
    if (!model) throw new Error("the backend serves no model");
    const messages: ChatMessage[] = [
      { role: "system", content: this.system },
      { role: "user", content: text },
    ];
    let answer = "";
    for await (const ev of this.opts.backend.chat(
      {
        model,
        messages,
        temperature: 0,
        maxTokens: this.opts.maxTokens ?? 48,
        responseFormat: {
          type: "json_schema",
          json_schema: { name: "intent", schema: this.schema(), strict: true },
        },
      },
      signal,
    )) {
      // Reasoning events (R1's thinking) are never part of the answer.
      if (ev.type === "text") answer += ev.text;
    }
    return parseIntentAnswer(answer, new Set([...this.classifier.intents, OOS]));
  }
}

/** Reads `{"intent": ...}` from an answer, tolerating a <think> block or text around the JSON. */
export function parseIntentAnswer(answer: string, allowed: Set<string>): string {
  const body = answer.replace(/<think>[\s\S]*?<\/think>/g, "");
  const match = body.match(/\{[\s\S]*\}/);
  if (!match) throw new Error(`the LLM answered no JSON object: ${JSON.stringify(body.slice(0, 80))}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(match[0]);
  } catch {
    throw new Error(`the LLM answered invalid JSON: ${JSON.stringify(match[0].slice(0, 80))}`);
  }
  const intent = (parsed as { intent?: unknown }).intent;
  if (typeof intent !== "string" || !allowed.has(intent)) {
    throw new Error(`the LLM answered an unknown intent: ${JSON.stringify(intent)}`);
  }
  return intent;
}
