import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { datasetDir, type SearchMode, UserInputError } from "@seekdesk/core";
import {
  type Embedder,
  evaluateRetrieval,
  isCorpusRecord,
  isQueryRecord,
  ParaphraseEmbedder,
  pairsWithout,
  parseParaphrasePairs,
  type RerankEvent,
  readJsonl,
} from "@seekdesk/knowledge";
import type { Command } from "commander";
import { addConfigFlags } from "../config/flags.ts";
import { loadConfig } from "../config/load-config.ts";
import { cliReranker, warmEngine } from "../config/rerank-from-config.ts";
import { integerFlag } from "./option-parsers.ts";

/** The engine for `--rerank <model>`: the config's models, warm; none configured is an error. */
async function rerankEngine(flags: Flags) {
  const config = loadConfig({ file: flags.config, env: process.env, flags: { dataDir: flags.dataDir } });
  if (config.models.length === 0)
    throw new UserInputError(
      "--rerank: reranking needs a generative model, and none is configured: add a llama GGUF or an openai backend under models in the config (-c <file>)",
    );
  return warmEngine(config);
}

const DATASETS: Record<string, { corpus: string; queries: string; pairs?: string }> = {
  "atec-faq": { corpus: "corpus.jsonl", queries: "queries.jsonl", pairs: "atec_nlp_sim_train.csv" },
};

interface Flags {
  corpus?: string;
  queries?: string;
  dataset?: string;
  mode: string;
  embedder: string;
  pairs?: string;
  limit?: number;
  json?: boolean;
  rerank?: string;
  rerankCandidates: number;
  rerankTimeout: number;
  config?: string;
  dataDir?: string;
}

export function registerEvalRetrieval(evalCmd: Command): void {
  addConfigFlags(evalCmd.command("retrieval"))
    .description("Recall@1/5/10 and MRR@10 of BM25, vector and hybrid retrieval on a labelled corpus")
    .option("--corpus <jsonl>", 'documents, one {"id","text"} per line')
    .option("--queries <jsonl>", 'queries, one {"query","relevant":[ids]} per line')
    .option(
      "--dataset <name>",
      `a shared data set instead of --corpus/--queries: ${Object.keys(DATASETS).join(", ")}`,
    )
    .option("--mode <mode>", "bm25, vector, hybrid or all", "all")
    .option(
      "--embedder <name>",
      "hashed (the knowledge base default), corpus (vectors fitted on the corpus), paraphrase (trained on --pairs, minus every pair touching a query or its relevant documents) or a model file from kb train-embedder",
      "hashed",
    )
    .option(
      "--pairs <file>",
      "paraphrase pairs for --embedder paraphrase (as kb train-embedder reads them; default: the data set's own)",
    )
    .option("--limit <n>", "evaluate only the first n queries", integerFlag("limit"))
    .option(
      "--rerank <model>",
      "also score each mode reranked by this chat model (an id or alias from models in the config: a llama GGUF or an openai backend), as rows <mode>+rerank",
    )
    .option(
      "--rerank-candidates <n>",
      "first-stage hits the model sees per query",
      integerFlag("rerank-candidates", 1, 100),
      20,
    )
    .option(
      "--rerank-timeout <ms>",
      "per query; past it the first-stage order is kept and counted",
      integerFlag("rerank-timeout", 1, 600_000),
      60_000,
    )
    .option(
      "--json",
      "print JSON: one object per mode with mode, recall_at_1, recall_at_5, recall_at_10, mrr",
    )
    .action(async (flags: Flags) => {
      let corpusFile = flags.corpus;
      let queriesFile = flags.queries;
      if (flags.dataset) {
        const d = DATASETS[flags.dataset];
        if (!d)
          throw new UserInputError(
            `--dataset: expected one of ${Object.keys(DATASETS).join(", ")}, got ${flags.dataset}`,
          );
        corpusFile = join(datasetDir(flags.dataset), d.corpus);
        queriesFile = join(datasetDir(flags.dataset), d.queries);
      }
      if (!corpusFile || !queriesFile)
        throw new UserInputError("give --corpus and --queries, or --dataset atec-faq");
      for (const f of [corpusFile, queriesFile])
        if (!existsSync(f)) throw new UserInputError(`no such file: ${f}`);
      const modes: SearchMode[] =
        flags.mode === "all" ? ["bm25", "vector", "hybrid"] : [flags.mode as SearchMode];
      if (!modes.every((m) => m === "bm25" || m === "vector" || m === "hybrid"))
        throw new UserInputError(`--mode: expected bm25, vector, hybrid or all, got ${flags.mode}`);
      const named = ["hashed", "corpus", "paraphrase"].includes(flags.embedder);
      if (!named && !existsSync(flags.embedder))
        throw new UserInputError(
          `--embedder: expected hashed, corpus, paraphrase or a model file, got ${flags.embedder}`,
        );
      const pairsFile =
        flags.pairs ??
        (flags.dataset && DATASETS[flags.dataset]?.pairs
          ? join(datasetDir(flags.dataset), DATASETS[flags.dataset]?.pairs as string)
          : undefined);
      if (flags.embedder === "paraphrase" && (!pairsFile || !existsSync(pairsFile)))
        throw new UserInputError(
          pairsFile ? `no such file: ${pairsFile}` : "--embedder paraphrase needs --pairs <file>",
        );
      let corpus: Awaited<ReturnType<typeof readJsonl<{ id: string; text: string }>>>;
      let queries: Awaited<ReturnType<typeof readJsonl<{ query: string; relevant: string[] }>>>;
      try {
        corpus = await readJsonl(corpusFile, isCorpusRecord, '{"id": string, "text": string}');
        queries = await readJsonl(queriesFile, isQueryRecord, '{"query": string, "relevant": [string]}');
      } catch (err) {
        throw new UserInputError((err as Error).message);
      }
      if (flags.limit !== undefined) {
        if (!Number.isInteger(flags.limit) || flags.limit < 1)
          throw new UserInputError("--limit: expected a positive integer");
        queries = queries.slice(0, flags.limit);
      }
      // The rerank model is checked (and loaded) before anything slow, and closed whatever happens.
      const engine = flags.rerank ? await rerankEngine(flags) : undefined;
      const outcomes: Record<string, number> = {};
      let results: Awaited<ReturnType<typeof evaluateRetrieval>>;
      let embedderId: string;
      let note = "";
      const tty = process.stderr.isTTY;
      try {
        const reranker =
          engine && flags.rerank
            ? cliReranker(
                engine,
                {
                  model: flags.rerank,
                  candidates: flags.rerankCandidates,
                  passageChars: 400,
                  maxTokens: 512,
                },
                "--rerank",
              )
            : undefined;
        let embedder: "hashed" | "corpus" | Embedder = flags.embedder as "hashed" | "corpus";
        if (flags.embedder === "paraphrase" && pairsFile) {
          const parsed = parseParaphrasePairs(readFileSync(pairsFile, "utf8"), /\.jsonl?$/i.test(pairsFile));
          // Hold out every pair touching an evaluation query or one of its relevant documents, so
          // the model has never seen the answer it is scored on.
          const texts = new Map(corpus.map((d) => [d.id, d.text]));
          const heldOut = queries.flatMap((q) => [q.query, ...q.relevant.map((r) => texts.get(r) ?? "")]);
          const train = pairsWithout(parsed.pairs, heldOut);
          if (tty) process.stderr.write(`training on ${train.length} pairs…`);
          embedder = await ParaphraseEmbedder.train(train);
          note = `, trained on ${train.length} of ${parsed.pairs.length} pairs (${parsed.pairs.length - train.length} touching evaluation texts held out)`;
        } else if (!named) {
          try {
            embedder = ParaphraseEmbedder.deserialize(readFileSync(flags.embedder));
          } catch (err) {
            throw new UserInputError(`--embedder ${flags.embedder}: ${(err as Error).message}`);
          }
        }
        embedderId = typeof embedder === "string" ? embedder : embedder.id;
        results = await evaluateRetrieval(corpus, queries, {
          modes,
          embedder,
          ...(reranker
            ? {
                rerank: {
                  reranker,
                  timeoutMs: flags.rerankTimeout,
                  onOutcome: (e: RerankEvent) => {
                    outcomes[e.outcome] = (outcomes[e.outcome] ?? 0) + 1;
                  },
                },
              }
            : {}),
          onProgress: tty
            ? (stage, done, total) => process.stderr.write(`\r${stage} ${done}/${total}   `)
            : undefined,
        });
      } finally {
        await engine?.close();
      }
      if (tty) process.stderr.write("\r\x1b[K");
      // How often reranking fell back, so a row that equals its first stage is not misread.
      const rerankNote = flags.rerank
        ? `rerank by ${flags.rerank}: ${["reranked", "unusable", "error", "timeout"].map((o) => `${o} ${outcomes[o] ?? 0}`).join(", ")}\n`
        : "";
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
        process.stderr.write(rerankNote);
        return;
      }
      process.stdout.write(
        `${corpus.length} documents, ${queries.length} queries, embedder ${embedderId}${note}\n`,
      );
      process.stdout.write(rerankNote);
      const w = flags.rerank ? 15 : 8;
      process.stdout.write(`${"mode".padEnd(w)} recall@1  recall@5  recall@10  MRR@10\n`);
      for (const r of results)
        process.stdout.write(
          `${r.mode.padEnd(w)} ${r.recall_at_1.toFixed(4).padStart(8)}  ${r.recall_at_5.toFixed(4).padStart(8)}  ${r.recall_at_10.toFixed(4).padStart(9)}  ${r.mrr.toFixed(4).padStart(6)}\n`,
        );
    });
}
