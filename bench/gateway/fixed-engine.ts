import type { ChatEvent } from "@seekdesk/core";
import type { InferenceEngine } from "@seekdesk/gateway";

/**
 * An engine that answers at once with the same 16 tokens, in process: it isolates the
 * gateway's own cost (HTTP, validation, auth, metrics, logs) from the backend's HTTP client.
 */
export const fixedEngine: InferenceEngine = {
  listModels: () => [{ id: "fixed", aliases: [], kind: "fixed", created: 0 }],
  async *chat(): AsyncGenerator<ChatEvent> {
    for (let i = 0; i < 16; i++) yield { type: "text", text: "tok " };
    yield { type: "finish", reason: "stop", usage: { promptTokens: 5, completionTokens: 16 } };
  },
  complete(): AsyncIterable<ChatEvent> {
    throw new Error("the bench sends chat completions only");
  },
  embed() {
    return Promise.reject(new Error("the bench sends chat completions only"));
  },
  ready: () => true,
  close: async () => {},
};
