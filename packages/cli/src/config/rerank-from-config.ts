import { ConfigError, type SeekdeskConfig, UserInputError } from "@seekdesk/core";
import type { InferenceEngine } from "@seekdesk/gateway";
import { type LlmReranker, llmReranker, type RerankEvent } from "@seekdesk/knowledge";
import { engineFromConfig } from "./engine-from-config.ts";

/**
 * The engine for `models`, started and warm: a CLI command that reranks must not spend its
 * reranking time limit on loading a GGUF. A model that fails to load is an error here.
 *
 * node-llama-cpp disposes its models on the process's `beforeExit`, which a CLI (no server
 * holding the event loop) reaches whenever it only awaits the model: a timer holds the loop
 * open until `close()`.
 */
export async function warmEngine(config: SeekdeskConfig): Promise<InferenceEngine> {
  const keepAlive = setInterval(() => {}, 60_000);
  let loaded: () => void = () => {};
  let failed: (err: unknown) => void = () => {};
  const ready = new Promise<void>((ok, fail) => {
    loaded = ok;
    failed = fail;
  });
  const engine = await engineFromConfig(config, {
    onReady: () => loaded(),
    onError: (e) => failed(e),
  }).catch((err: unknown) => {
    clearInterval(keepAlive);
    throw err;
  });
  if (engine.ready()) loaded();
  try {
    await ready;
  } catch (err) {
    clearInterval(keepAlive);
    await engine.close();
    throw new UserInputError(`models failed to load: ${(err as Error).message}`);
  }
  return {
    listModels: () => engine.listModels(),
    chat: (req, signal) => engine.chat(req, signal),
    complete: (req, signal) => engine.complete(req, signal),
    embed: (req, signal) => engine.embed(req, signal),
    ready: () => engine.ready(),
    close: async () => {
      clearInterval(keepAlive);
      await engine.close();
    },
  };
}

/**
 * An LLM reranker on the configured engine for a CLI command; a missing generative model or an
 * unknown model id becomes a UserInputError naming `field` (a config path or a flag).
 */
export function cliReranker(
  engine: InferenceEngine,
  settings: Parameters<typeof llmReranker>[1],
  field: string,
): LlmReranker {
  try {
    return llmReranker(engine, settings, field);
  } catch (err) {
    if (err instanceof ConfigError)
      throw new UserInputError(err.issues.map((i) => `${i.path}: ${i.message}`).join("\n"));
    throw err;
  }
}

/** One line on stderr saying how a reranking went, so stdout stays the hits. */
export function describeRerank(e: RerankEvent): string {
  return e.outcome === "reranked"
    ? `reranked by ${e.reranker} in ${e.ms} ms\n`
    : `reranking by ${e.reranker} failed (${e.outcome}: ${e.error ?? ""}); hits in first-stage order\n`;
}
