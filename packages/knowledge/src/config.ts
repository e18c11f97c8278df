import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { ConfigError, formatConfigPath, type SeekdeskConfig } from "@seekdesk/core";
import { z } from "zod";
import { HashedNgramEmbedder } from "./embed/hashed.ts";
import { ParaphraseEmbedder } from "./embed/paraphrase.ts";
import type { Embedder } from "./embed/types.ts";
import { type KnowledgeBase, type KnowledgeBaseOptions, openKnowledgeBase } from "./kb.ts";
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
    /** Postgres connections this process may hold for the knowledge base. */
    poolSize: z
      .number({ error: "expected a number" })
      .int("expected a positive integer")
      .positive("expected a positive integer")
      .default(5),
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

/** The knowledge section stays open to fields other parts of the package own; `store` and `embedder` are checked here. */
export const KnowledgeConfigSchema = z.looseObject({
  store: KnowledgeStoreConfigSchema.default(() => KnowledgeStoreConfigSchema.parse({})),
  embedder: KnowledgeEmbedderConfigSchema.default({ kind: "hashed" }),
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

export type KnowledgeStoreSettings =
  | { driver: "sqlite"; file: string }
  | { driver: "postgres"; url: string; schema: string; poolSize: number };

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
  return { driver: "postgres", url, schema: s.schema, poolSize: s.poolSize };
}

/** The knowledge base the config asks for: SQLite under the data dir, or Postgres with pgvector. */
export async function openConfiguredKnowledgeBase(
  config: SeekdeskConfig,
  dataDir: string,
  opts: Omit<KnowledgeBaseOptions, "file" | "db" | "store"> = {},
): Promise<KnowledgeBase> {
  const settings = knowledgeStoreSettings(config, dataDir);
  opts = { ...opts, embedder: opts.embedder ?? configuredEmbedder(config, dataDir) };
  if (settings.driver === "sqlite") return openKnowledgeBase({ ...opts, file: settings.file });
  const store = await openPostgresKnowledgeStore({
    url: settings.url,
    schema: settings.schema,
    max: settings.poolSize,
  });
  return openKnowledgeBase({ ...opts, store });
}
