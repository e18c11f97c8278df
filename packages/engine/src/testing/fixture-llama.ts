import { fixtureGguf } from "@seekdesk/models/testing/fixture-gguf.ts";
import { LlamaBackend } from "../llama/llama-backend.ts";

/**
 * The qwen2 fixture GGUF (random weights, the DeepSeek-R1-Distill-Qwen architecture) on real
 * llama.cpp, loaded and ready, as `qwen2-fixture`. One thread and one sequence: the CI machine
 * has two busy cores and llama.cpp threads spin at barriers.
 */
export async function startQwen2FixtureBackend(): Promise<LlamaBackend> {
  const backend = new LlamaBackend({
    ids: ["qwen2-fixture"],
    modelPath: await fixtureGguf("qwen2"),
    contextSize: 1024,
    threads: 1,
    parallel: 1,
    gpu: false,
  });
  await backend.whenReady();
  return backend;
}
