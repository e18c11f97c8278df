import { NotFoundError, parseConfig, RateLimitError, UserInputError } from "@seekdesk/core";
import { type DripUpstream, startDripUpstream } from "@seekdesk/gateway/testing/drip-upstream.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineFromConfig } from "./engine-from-config.ts";

let slow: DripUpstream;
beforeAll(async () => {
  slow = await startDripUpstream({ tokens: 100_000, intervalMs: 2 });
});
afterAll(() => slow.close());

const ask = (model: string) => ({ model, messages: [{ role: "user" as const, content: "hi" }] });

describe("engine from config", () => {
  it("without models: ready, lists nothing, and says how to add one", async () => {
    const engine = await engineFromConfig(parseConfig({}));
    expect(engine.ready()).toBe(true);
    expect(engine.listModels()).toEqual([]);
    expect(() => engine.chat(ask("deepseek-chat"), new AbortController().signal)).toThrow(NotFoundError);
    expect(() => engine.chat(ask("deepseek-chat"), new AbortController().signal)).toThrow(
      /--model <file.gguf> or --backend-url/,
    );
    await engine.close();
  });

  it("names a missing GGUF by its field", async () => {
    const config = parseConfig({ models: [{ id: "r1", backend: "llama", path: "/nonexistent/r1.gguf" }] });
    await expect(engineFromConfig(config)).rejects.toThrow(UserInputError);
    await expect(engineFromConfig(config)).rejects.toThrow(
      "config: models[0].path: no such file: /nonexistent/r1.gguf",
    );
  });

  it("serves remote models with aliases, and bounds them by maxConcurrent and queueSize", async () => {
    const config = parseConfig({
      models: [
        {
          id: "r1",
          aliases: ["deepseek-reasoner"],
          backend: "openai",
          baseURL: slow.url,
          maxConcurrent: 1,
          queueSize: 0,
        },
      ],
    });
    const engine = await engineFromConfig(config);
    try {
      expect(engine.listModels()).toEqual([
        expect.objectContaining({ id: "r1", aliases: ["deepseek-reasoner"], kind: "openai" }),
      ]);
      const first = new AbortController();
      const running = engine.chat(ask("deepseek-reasoner"), first.signal)[Symbol.asyncIterator]();
      expect((await running.next()).value).toEqual({ type: "text", text: "tok " });
      const second = engine.chat(ask("r1"), new AbortController().signal)[Symbol.asyncIterator]();
      await expect(second.next()).rejects.toThrow(RateLimitError);
      first.abort();
      await running.return?.(undefined);
    } finally {
      await engine.close();
    }
  });
});
