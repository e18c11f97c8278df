import { InvalidRequestError, NotFoundError } from "@seekdesk/core";
import type { InferenceEngine } from "./engine.ts";

/** The embedded default: no model. The desk still runs (retrieval answers); model calls say why they fail. */
export class NoModels implements InferenceEngine {
  private fail(model: string): never {
    throw new NotFoundError(
      `The model '${model}' does not exist: this server has no models configured (start it with --model <file.gguf> or --backend-url <url>)`,
      "model_not_found",
      "model",
    );
  }
  listModels() {
    return [];
  }
  chat(req: { model: string }): AsyncIterable<never> {
    return this.fail(req.model);
  }
  complete(req: { model: string }): AsyncIterable<never> {
    return this.fail(req.model);
  }
  async embed(req: { model: string; input: string[] }): Promise<never> {
    if (req.input.length === 0) throw new InvalidRequestError("input is empty", "input");
    return this.fail(req.model);
  }
  ready() {
    return true;
  }
  async close() {}
}
