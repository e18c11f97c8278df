import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import {
  ConfigError,
  formatConfigPath,
  type SeekdeskConfig,
  type StoreUnavailableReason,
} from "@seekdesk/core";
import type { PostgresDatabase } from "@seekdesk/store";
import { z } from "zod";
import { HashedNgramEmbedder } from "./embed/hashed.ts";
import { ParaphraseEmbedder } from "./embed/paraphrase.ts";
import type { Embedder } from "./embed/types.ts";
import { type KnowledgeBase, type KnowledgeBaseOptions, openKnowledgeBase } from "./kb.ts";
import { type ChatModel, LlmReranker } from "./rerank/llm.ts";
import { openPostgresKnowledgeStore } from "./storage/postgres.ts";

/**
 * `knowledge.store` in the config: where the knowledge base keeps documents, chunks and vectors.
 * Absent or `driver: sqlite`: a SQLite file under the data dir. `driver: postgres`: Postgres with
 * the pgvector extension; `url` defaults to `store.url` when the main store is on Postgres too.
 */
export const KnowledgeStoreConfigSchema = z
  .object({
    driver: z.enum(["sqlite", "postgres"], { error: "expected sqlite or postgres" }).default("sqlite"),
    /** SQLite file; relative paths are resolved against dataDir. */
    path: z
      .string({ error: "expected a file path" })
      .min(1, "expected a file path")
      .default("knowledge.sqlite"),
    /** Postgres connection URL (driver postgres). Default: `store.url` when `store.driver` is postgres. */
    url: z
      .string({ error: "expected a postgres:// connection URL" })
      .regex(/^postgres(ql)?:\/\//, "expected a postgres:// connection URL")
      .optional(),
    /** Postgres schema for the kb_* tables, created if missing. */
    schema: z
      .string({ error: "expected a schema name" })
      .regex(
        /^[a-z_][a-z0-9_]{0,62}$/,
        "expected a schema name of lower-case letters, digits and underscores",
      )
      .default("public"),
    /**
     * Postgres connections this process may hold for the knowledge base, when it has a pool of its
     * own: on `store.url` under `seekdesk serve` it shares the server's pool (`store.poolSize`).
     */
    poolSize: z
      .number({ error: "expected a number" })
      .int("expected a positive integer")
      .positive("expected a positive integer")
      .default(5),
    /**
     * How long a query of that own pool waits for a free connection (or for a new one to connect)
     * before the request fails with 503 store_unavailable. Default: `store.acquireTimeoutMs`.
     */
    acquireTimeoutMs: z
      .number({ error: "expected a number" })
      .int("expected a positive integer")
      .positive("expected a positive integer")
      .max(600_000, "expected at most 600000 (10 minutes)")
      .optional(),
  })
  .strict();

/**
 * `knowledge.embedder`: the vectors of vector and hybrid search. `hashed` (default) needs no
 * training; `paraphrase` loads a model trained by `seekdesk kb train-embedder` on the desk's own
 * paraphrase pairs. Changing it re-embeds the stored chunks on the next open (the id differs).
 */
export const KnowledgeEmbedderConfigSchema = z.discriminatedUnion(
  "kind",
  [
    z.object({ kind: z.literal("hashed") }).strict(),
    z
      .object({
        kind: z.literal("paraphrase"),
        /** Model file; relative paths are resolved against dataDir. */
        path: z.string({ error: "expected a file path" }).min(1, "expected a file path"),
      })
      .strict(),
  ],
  { error: "expected kind hashed or paraphrase" },
);

const positiveInt = (max: number) =>
  z
    .number({ error: "expected a number" })
    .int(`expected an integer between 1 and ${max}`)
    .min(1, `expected an integer between 1 and ${max}`)
    .max(max, `expected an integer between 1 and ${max}`);

/**
 * `knowledge.rerank`: a second stage over hybrid search's hits. `none` (default) keeps the fused
 * order; `llm` asks a chat model the gateway serves (`models[].id` or an alias: a llama GGUF or a
 * remote OpenAI-compatible backend, called through the router in-process) to order the first
 * `candidates` hits. A failure, an answer that is not a ranking, or no answer within `timeoutMs`
 * keeps the fused order. A union on `kind` so other rerankers (a cross-encoder) can join.
 */
export const KnowledgeRerankConfigSchema = z.discriminatedUnion(
  "kind",
  [
    z.object({ kind: z.literal("none") }).strict(),
    z
      .object({
        kind: z.literal("llm"),
        model: z
          .string({ error: "expected a model id from models[]" })
          .min(1, "expected a model id from models[]"),
        /** First-stage hits the model sees. */
        candidates: positiveInt(100).default(20),
        /** Per search; past it the fused order is kept. */
        timeoutMs: positiveInt(600_000).default(5000),
        /** Characters of each passage in the prompt. */
        passageChars: positiveInt(4000).default(400),
        /** Room for the answer, including the reasoning of an R1-style model. */
        maxTokens: positiveInt(8192).default(512),
      })
      .strict(),
  ],
  { error: "expected kind none or llm" },
);
export type KnowledgeRerankConfig = z.infer<typeof KnowledgeRerankConfigSchema>;

/** The knowledge section stays open to fields other parts of the package own; `store`, `embedder` and `rerank` are checked here. */
export const KnowledgeConfigSchema = z.looseObject({
  store: KnowledgeStoreConfigSchema.default(() => KnowledgeStoreConfigSchema.parse({})),
  embedder: KnowledgeEmbedderConfigSchema.default({ kind: "hashed" }),
  rerank: KnowledgeRerankConfigSchema.default({ kind: "none" }),
});

function parseKnowledgeConfig(config: SeekdeskConfig) {
  const parsed = KnowledgeConfigSchema.safeParse(config.knowledge ?? {});
  if (!parsed.success)
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        path: formatConfigPath(["knowledge", ...issue.path]),
        message:
          issue.code === "unrecognized_keys"
            ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`
            : issue.message,
      })),
    );
  return parsed.data;
}

/**
 * The embedder `knowledge.embedder` asks for; a paraphrase model file that is missing or not a
 * model is a ConfigError naming the field and the file.
 */
export function configuredEmbedder(config: SeekdeskConfig, dataDir: string): Embedder {
  const e = parseKnowledgeConfig(config).embedder;
  if (e.kind === "hashed") return new HashedNgramEmbedder();
  const file = isAbsolute(e.path) ? e.path : resolve(dataDir, e.path);
  try {
    return ParaphraseEmbedder.deserialize(readFileSync(file));
  } catch (err) {
    throw new ConfigError([
      { path: "knowledge.embedder.path", message: `${file}: ${(err as Error).message}` },
    ]);
  }
}

/** The model layer as the reranker sees it: the gateway's InferenceEngine fits. */
export interface RerankEngine extends ChatModel {
  listModels(): readonly { id: string; aliases: readonly string[] }[];
}

/** `knowledge.rerank` as parsed (defaults filled in); `kind: "none"` when it is off. */
export function rerankSettings(config: SeekdeskConfig): KnowledgeRerankConfig {
  return parseKnowledgeConfig(config).rerank;
}

/**
 * An LLM reranker on `model`, checked against what the engine serves: asking for reranking with
 * no generative model, or a model the engine does not serve, is an error naming `field` (a config
 * path or a CLI flag) and the models there are.
 */
export function llmReranker(
  engine: RerankEngine,
  settings: Omit<Extract<KnowledgeRerankConfig, { kind: "llm" }>, "kind" | "timeoutMs">,
  field = "knowledge.rerank.model",
): LlmReranker {
  const models = engine.listModels();
  if (models.length === 0)
    throw new ConfigError([
      {
        path: field,
        message: `reranking needs a generative model, and none is configured: add a llama GGUF or an openai backend under models (or start with --model / --backend-url)`,
      },
    ]);
  if (!models.some((m) => m.id === settings.model || m.aliases.includes(settings.model)))
    throw new ConfigError([
      {
        path: field,
        message: `no model ${settings.model} is configured; models: ${models.map((m) => m.id).join(", ")}`,
      },
    ]);
  return new LlmReranker({ chat: engine, ...settings });
}

/** The reranker `knowledge.rerank` asks for, on `engine`; undefined when it is off. */
export function configuredReranker(config: SeekdeskConfig, engine: RerankEngine): LlmReranker | undefined {
  const r = rerankSettings(config);
  if (r.kind === "none") return undefined;
  return llmReranker(engine, r);
}

export type KnowledgeStoreSettings =
  | { driver: "sqlite"; file: string }
  | { driver: "postgres"; url: string; schema: string; poolSize: number; acquireTimeoutMs: number };

/**
 * Reads `knowledge.store` (falling back on `store.url`) into settings, or throws ConfigError with
 * lines like `config: knowledge.store.url: expected a postgres:// connection URL`.
 */
export function knowledgeStoreSettings(config: SeekdeskConfig, dataDir: string): KnowledgeStoreSettings {
  const s = parseKnowledgeConfig(config).store;
  if (s.driver === "sqlite")
    return { driver: "sqlite", file: isAbsolute(s.path) ? s.path : resolve(dataDir, s.path) };
  const url = s.url ?? (config.store.driver === "postgres" ? config.store.url : undefined);
  if (!url)
    throw new ConfigError([
      {
        path: "knowledge.store.url",
        message:
          "expected a postgres:// connection URL when driver is postgres (or store.driver postgres with store.url)",
      },
    ]);
  return {
    driver: "postgres",
    url,
    schema: s.schema,
    poolSize: s.poolSize,
    acquireTimeoutMs: s.acquireTimeoutMs ?? config.store.acquireTimeoutMs,
  };
}

/**
 * The knowledge base the config asks for: SQLite under the data dir, or Postgres with pgvector.
 * With `engine`, `knowledge.rerank` is applied (an unknown rerank model is a ConfigError here, at
 * start-up); without one, searches are not reranked. With `postgres` (the server's shared handle)
 * a knowledge base on that same database queries through its pool instead of opening its own.
 * A pool of its own fails queries with StoreUnavailableError as the shared one does, and tells
 * `onStoreUnavailable` (the gateway's `seekdesk_store_unavailable_total`) about each; `onOwnPool`
 * is given that pool once open (the gateway's connection gauges).
 */
export async function openConfiguredKnowledgeBase(
  config: SeekdeskConfig,
  dataDir: string,
  opts: Omit<KnowledgeBaseOptions, "file" | "db" | "store"> & {
    engine?: RerankEngine;
    postgres?: PostgresDatabase | null;
    onStoreUnavailable?: (reason: StoreUnavailableReason) => void;
    onOwnPool?: (db: PostgresDatabase) => void;
  } = {},
): Promise<KnowledgeBase> {
  const settings = knowledgeStoreSettings(config, dataDir);
  const { engine, postgres, onStoreUnavailable, onOwnPool, ...rest } = opts;
  const rerank = rerankSettings(config);
  opts = {
    ...rest,
    embedder: opts.embedder ?? configuredEmbedder(config, dataDir),
    ...(engine && rerank.kind === "llm" && !rest.reranker
      ? { reranker: llmReranker(engine, rerank), rerankTimeoutMs: rerank.timeoutMs }
      : {}),
  };
  if (settings.driver === "sqlite") return openKnowledgeBase({ ...opts, file: settings.file });
  const store = await openPostgresKnowledgeStore({
    url: settings.url,
    schema: settings.schema,
    max: settings.poolSize,
    acquireTimeoutMs: settings.acquireTimeoutMs,
    ...(onStoreUnavailable ? { onUnavailable: onStoreUnavailable } : {}),
    ...(onOwnPool ? { onOwnPool } : {}),
    ...(postgres && postgres.url === settings.url ? { database: postgres } : {}),
  });
  return openKnowledgeBase({ ...opts, store });
}
