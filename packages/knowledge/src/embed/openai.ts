import { UpstreamError } from "@seekdesk/core";
import { postOpenAICompatible } from "../openai-compatible.ts";
import { type Embedder, normalizeL2 } from "./types.ts";

export interface OpenAIEmbedderOptions {
  /** Base URL up to and including `/v1`, e.g. the seekdesk gateway `http://127.0.0.1:8080/v1`. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** The vector size; discovered from the first response when omitted. */
  dim?: number;
  batchSize?: number;
}

/**
 * Any OpenAI-compatible `/v1/embeddings` endpoint: the seekdesk gateway (llama.cpp embedding
 * models), vLLM, Ollama, or a hosted API. Vectors are re-normalised because not every server
 * returns unit vectors.
 */
export class OpenAIEmbedder implements Embedder {
  readonly id: string;
  private dimension: number | undefined;

  constructor(private readonly opts: OpenAIEmbedderOptions) {
    this.id = `openai:${opts.model}@${opts.baseUrl.replace(/\/+$/, "")}`;
    this.dimension = opts.dim;
  }

  get dim(): number {
    if (this.dimension === undefined)
      throw new Error("embedding size unknown until the first call; call probe() first");
    return this.dimension;
  }

  /** Asks the server once, to learn the vector size before any index is created. */
  async probe(signal?: AbortSignal): Promise<number> {
    await this.embed(["probe"], signal);
    return this.dim;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    const batch = this.opts.batchSize ?? 64;
    for (let i = 0; i < texts.length; i += batch) {
      const input = texts.slice(i, i + batch);
      const json = (await postOpenAICompatible(
        this.opts,
        "/embeddings",
        { model: this.opts.model, input },
        "embedding",
        signal,
      )) as { data?: { index?: number; embedding?: number[] }[] };
      const data = [...(json.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      if (data.length !== input.length)
        throw new UpstreamError(
          `embedding server returned ${data.length} vectors for ${input.length} inputs`,
        );
      for (const d of data) {
        const v = Float32Array.from(d.embedding ?? []);
        if (this.dimension === undefined) this.dimension = v.length;
        if (v.length !== this.dimension)
          throw new UpstreamError(`embedding size changed from ${this.dimension} to ${v.length}`);
        out.push(normalizeL2(v));
      }
    }
    return out;
  }
}
