import type { Backend, LlamaModelConfig } from "@seekdesk/core";
import { LlamaBackend } from "@seekdesk/engine/llama/llama-backend.ts";

/** A llama.cpp backend for one `models[]` entry (imported lazily: it loads the native addon). */
export async function llamaBackendFromConfig(m: LlamaModelConfig, name: string): Promise<Backend> {
  const reasoning = m.reasoning === true ? "on" : m.reasoning === false ? "off" : m.reasoning;
  return new LlamaBackend({
    ids: [m.id],
    name,
    modelPath: m.path,
    contextSize: m.contextSize,
    threads: m.threads,
    parallel: m.parallel,
    maxQueue: m.queueSize,
    gpu: m.gpu,
    embeddings: m.embeddings,
    reasoning,
  });
}
