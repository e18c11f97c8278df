import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, parseConfig } from "@seekdesk/core";
import { afterAll, describe, expect, it } from "vitest";
import {
  configuredEmbedder,
  configuredReranker,
  knowledgeStoreSettings,
  openConfiguredKnowledgeBase,
  rerankSettings,
} from "./config.ts";
import { ParaphraseEmbedder } from "./embed/paraphrase.ts";

const settings = (raw: unknown) => knowledgeStoreSettings(parseConfig(raw), "/srv/data");
const failure = (raw: unknown): string => {
  try {
    settings(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a ConfigError");
};

describe("knowledge.store config", () => {
  it("defaults to SQLite under the data dir, even when the main store is on Postgres", () => {
    expect(settings({})).toEqual({ driver: "sqlite", file: join("/srv/data", "knowledge.sqlite") });
    expect(settings({ store: { driver: "postgres", url: "postgres://db/app" } })).toMatchObject({
      driver: "sqlite",
    });
    expect(settings({ knowledge: { store: { path: "/var/kb.sqlite" } } })).toEqual({
      driver: "sqlite",
      file: "/var/kb.sqlite",
    });
  });

  it("selects Postgres with pgvector, taking store.url and store.acquireTimeoutMs when it has none of its own", () => {
    expect(
      settings({
        store: { driver: "postgres", url: "postgres://app@db/app", acquireTimeoutMs: 750 },
        knowledge: { store: { driver: "postgres" } },
      }),
    ).toEqual({
      driver: "postgres",
      url: "postgres://app@db/app",
      schema: "public",
      poolSize: 5,
      acquireTimeoutMs: 750,
    });
    expect(
      settings({
        knowledge: {
          store: {
            driver: "postgres",
            url: "postgresql://kb@db/kb",
            schema: "kb",
            poolSize: 2,
            acquireTimeoutMs: 300,
          },
        },
      }),
    ).toEqual({
      driver: "postgres",
      url: "postgresql://kb@db/kb",
      schema: "kb",
      poolSize: 2,
      acquireTimeoutMs: 300,
    });
    expect(
      settings({ knowledge: { store: { driver: "postgres", url: "postgresql://kb@db/kb" } } }),
    ).toMatchObject({ acquireTimeoutMs: 5000 });
  });

  it("names the field in every error", () => {
    expect(failure({ knowledge: { store: { driver: "postgres" } } })).toBe(
      "config: knowledge.store.url: expected a postgres:// connection URL when driver is postgres (or store.driver postgres with store.url)",
    );
    expect(failure({ knowledge: { store: { driver: "pgvector" } } })).toBe(
      "config: knowledge.store.driver: expected sqlite or postgres",
    );
    expect(failure({ knowledge: { store: { driver: "postgres", url: "mysql://db/kb" } } })).toBe(
      "config: knowledge.store.url: expected a postgres:// connection URL",
    );
    expect(
      failure({ knowledge: { store: { driver: "postgres", url: "postgres://db/kb", schema: "KB-1" } } }),
    ).toBe(
      "config: knowledge.store.schema: expected a schema name of lower-case letters, digits and underscores",
    );
    expect(failure({ knowledge: { store: { drvier: "postgres" } } })).toBe(
      "config: knowledge.store: unknown field drvier",
    );
    expect(
      failure({ knowledge: { store: { driver: "postgres", url: "postgres://db/kb", poolSize: 0 } } }),
    ).toBe("config: knowledge.store.poolSize: expected a positive integer");
    expect(
      failure({ knowledge: { store: { driver: "postgres", url: "postgres://db/kb", acquireTimeoutMs: 0 } } }),
    ).toBe("config: knowledge.store.acquireTimeoutMs: expected a positive integer");
  });
});

describe("knowledge.embedder config", () => {
  const dir = mkdtempSync(join(tmpdir(), "seekdesk-kb-embedder-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("opens the knowledge base with a trained paraphrase model from the data dir", async () => {
    const model = await ParaphraseEmbedder.train(
      [
        { a: "我想退钱", b: "申请退款" },
        { a: "退的钱多久到", b: "退款多久到账" },
        { a: "快递到哪了", b: "物流信息查询" },
        { a: "包裹什么时候到", b: "查看物流进度" },
      ],
      { dim: 32, epochs: 5 },
    );
    writeFileSync(join(dir, "desk.model"), model.serialize());
    const config = parseConfig({ knowledge: { embedder: { kind: "paraphrase", path: "desk.model" } } });
    const kb = await openConfiguredKnowledgeBase(config, dir);
    try {
      await kb.ingestText({ title: "退款", text: "退款申请流程", format: "text" });
      expect((await kb.stats()).embedder).toBe(model.id);
      expect((await kb.search("退款流程", { mode: "vector", k: 1 }))[0]?.text).toBe("退款申请流程");
    } finally {
      await kb.close();
    }
    expect(configuredEmbedder(parseConfig({}), dir).id).toBe("hashed-ngram-v2-256");
  });

  it("names the field and the file when the model is missing or the kind unknown", () => {
    const fail = (raw: unknown) => {
      try {
        configuredEmbedder(parseConfig(raw), dir);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error("expected a ConfigError");
    };
    expect(fail({ knowledge: { embedder: { kind: "paraphrase", path: "gone.model" } } })).toMatch(
      /^config: knowledge\.embedder\.path: .*gone\.model/,
    );
    writeFileSync(join(dir, "junk.model"), "junk");
    expect(fail({ knowledge: { embedder: { kind: "paraphrase", path: "junk.model" } } })).toMatch(
      /knowledge\.embedder\.path: .*junk\.model: not a seekdesk paraphrase embedder file/,
    );
    expect(fail({ knowledge: { embedder: { kind: "bert" } } })).toBe(
      "config: knowledge.embedder.kind: expected kind hashed or paraphrase",
    );
  });
});

describe("knowledge.rerank config", () => {
  const rerank = (r: unknown) => rerankSettings(parseConfig({ knowledge: { rerank: r } }));
  const failure = (r: unknown): string => {
    try {
      rerank(r);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error("expected a ConfigError");
  };

  it("is off by default and fills the llm reranker's defaults", () => {
    expect(rerankSettings(parseConfig({}))).toEqual({ kind: "none" });
    expect(rerank({ kind: "llm", model: "deepseek-r1" })).toEqual({
      kind: "llm",
      model: "deepseek-r1",
      candidates: 20,
      timeoutMs: 5000,
      passageChars: 400,
      maxTokens: 512,
    });
  });

  it("names the field in every error", () => {
    expect(failure({ kind: "cross-encoder" })).toBe(
      "config: knowledge.rerank.kind: expected kind none or llm",
    );
    expect(failure({ kind: "llm" })).toBe(
      "config: knowledge.rerank.model: expected a model id from models[]",
    );
    expect(failure({ kind: "llm", model: "m", candidates: 0 })).toBe(
      "config: knowledge.rerank.candidates: expected an integer between 1 and 100",
    );
    expect(failure({ kind: "llm", model: "m", timeoutMs: 1.5 })).toBe(
      "config: knowledge.rerank.timeoutMs: expected an integer between 1 and 600000",
    );
    expect(failure({ kind: "llm", model: "m", window: 10 })).toBe(
      "config: knowledge.rerank: unknown field window",
    );
  });

  it("checks the model against what the engine serves", () => {
    const config = parseConfig({ knowledge: { rerank: { kind: "llm", model: "r1" } } });
    const engine = (models: { id: string; aliases: string[] }[]) => ({
      listModels: () => models,
      chat: () => (async function* () {})(),
    });
    expect(configuredReranker(parseConfig({}), engine([]))).toBeUndefined();
    expect(
      configuredReranker(config, engine([{ id: "deepseek-r1-distill-qwen-7b", aliases: ["r1"] }]))?.name,
    ).toBe("llm:r1");
    expect(() => configuredReranker(config, engine([{ id: "qwen", aliases: [] }]))).toThrow(
      "config: knowledge.rerank.model: no model r1 is configured; models: qwen",
    );
    expect(() => configuredReranker(config, engine([]))).toThrow(/reranking needs a generative model/);
  });
});
