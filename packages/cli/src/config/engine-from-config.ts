import { existsSync } from "node:fs";
import {
  type Backend,
  type ModelConfig,
  type OpenAIModelConfig,
  type SeekdeskConfig,
  UserInputError,
} from "@seekdesk/core";
import { Engine, type EngineObserver, OpenAICompatibleBackend } from "@seekdesk/engine";
import { EngineAdapter, type InferenceEngine, NoModels } from "@seekdesk/gateway";

function openaiBackend(m: OpenAIModelConfig, name: string): Backend {
  return new OpenAICompatibleBackend({
    name,
    baseUrl: m.baseURL,
    apiKey: m.apiKey,
    models: [m.id],
    ...(m.model ? { upstreamModel: { [m.id]: m.model } } : {}),
    timeouts: {
      connectMs: m.connectTimeoutMs,
      firstTokenMs: m.firstTokenTimeoutMs,
      totalMs: m.totalTimeoutMs,
    },
  });
}

async function backendFor(m: ModelConfig, name: string, index: number): Promise<Backend> {
  if (m.backend === "openai") return openaiBackend(m, name);
  if (!existsSync(m.path)) throw new UserInputError(`config: models[${index}].path: no such file: ${m.path}`);
  // node-llama-cpp loads its native addon on import: only pay for it when a GGUF is served.
  const { llamaBackendFromConfig } = await import("./llama-from-config.ts");
  return llamaBackendFromConfig(m, name);
}

/**
 * Builds the engine for `models`: one backend per entry, entries sharing an id form a weighted
 * failover group, aliases point at their id, queueSize bounds each model's waiting requests.
 */
export async function engineFromConfig(
  config: SeekdeskConfig,
  opts: {
    observer?: EngineObserver;
    onReady?: () => void;
    onError?: (err: unknown) => void;
    signal?: AbortSignal;
  } = {},
): Promise<InferenceEngine> {
  if (config.models.length === 0) return new NoModels();
  const counts = new Map<string, number>();
  const backends: { backend: Backend; weight: number }[] = [];
  const aliases: Record<string, string> = {};
  const limits: Record<string, { maxConcurrent: number; maxQueue: number }> = {};
  try {
    for (const [i, m] of config.models.entries()) {
      const n = (counts.get(m.id) ?? 0) + 1;
      counts.set(m.id, n);
      const backend = await backendFor(m, n === 1 ? m.id : `${m.id}#${n}`, i);
      // A GGUF that fails to load would only leave /ready at 503: say why in the log.
      if ("whenReady" in backend && typeof backend.whenReady === "function") {
        (backend.whenReady() as Promise<void>).catch((err: unknown) => opts.onError?.(err));
      }
      backends.push({ backend, weight: m.weight });
      for (const a of m.aliases) aliases[a] = m.id;
      // Remote servers have no local sequence slots: gate them here so their queue is bounded too.
      if (m.backend === "openai") {
        const prev = limits[m.id];
        // Several servers behind one id share one gate sized for all of them.
        limits[m.id] = {
          maxConcurrent: (prev?.maxConcurrent ?? 0) + m.maxConcurrent,
          maxQueue: Math.max(prev?.maxQueue ?? 0, m.queueSize),
        };
      }
    }
  } catch (err) {
    await Promise.all(backends.map((b) => b.backend.close()));
    throw err;
  }
  const engine = new Engine({ backends, aliases, limits, observer: opts.observer });
  return new EngineAdapter(engine, { onReady: opts.onReady, onError: opts.onError, signal: opts.signal });
}
