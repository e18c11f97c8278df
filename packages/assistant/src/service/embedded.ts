import type { Backend, Retriever } from "@seekdesk/core";
import { createAssistant } from "../assistant.ts";
import { demoDomainDir, domainExamples, loadDomain } from "../domain/load.ts";
import { type IntentExample, trainIntentClassifier } from "../intents/classifier.ts";
import type { AssistantConfig, Domain, LiveAssistant } from "../types.ts";

export interface EmbeddedAssistantOptions {
  /** A domain folder (domain.json, intents/, articles/, data/); default the demo online shop. */
  domainDir?: string;
  retriever?: Retriever | null;
  llm?: { backend: Backend; model: string };
  config?: Partial<AssistantConfig>;
  /** The intent training examples; default the domain's own (the console adds and removes some). */
  examples?: IntentExample[];
}

/**
 * The desk `npm start` serves without a model: the domain's intents trained on the CPU (seconds,
 * no downloaded weights), rule-based slots and extractive answers from the knowledge base.
 */
export function createEmbeddedAssistant(opts: EmbeddedAssistantOptions = {}): {
  assistant: LiveAssistant;
  domain: Domain;
  trainMs: number;
} {
  const domain = loadDomain(opts.domainDir ?? demoDomainDir);
  const started = performance.now();
  const classifier = trainIntentClassifier(opts.examples ?? domainExamples(domain), {
    backgroundOos: domain.backgroundOos,
  });
  const trainMs = Math.round(performance.now() - started);
  const assistant = createAssistant({
    domain,
    classifier,
    retriever: opts.retriever ?? null,
    ...(opts.llm ? { llm: opts.llm } : {}),
    ...(opts.config ? { config: opts.config } : {}),
  });
  return { assistant, domain, trainMs };
}
