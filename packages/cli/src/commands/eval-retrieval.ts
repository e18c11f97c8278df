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
  readJsonl,
} from "@seekdesk/knowledge";
import type { Command } from "commander";

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
}

export function registerEvalRetrieval(evalCmd: Command): void {
  evalCmd
    .command("retrieval")
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
    .option("--limit <n>", "evaluate only the first n queries", (v) => Number(v))
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
      const tty = process.stderr.isTTY;
      let embedder: "hashed" | "corpus" | Embedder = flags.embedder as "hashed" | "corpus";
      let note = "";
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
      const results = await evaluateRetrieval(corpus, queries, {
        modes,
        embedder,
        onProgress: tty
          ? (stage, done, total) => process.stderr.write(`\r${stage} ${done}/${total}   `)
          : undefined,
      });
      if (tty) process.stderr.write("\r\x1b[K");
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        `${corpus.length} documents, ${queries.length} queries, embedder ${typeof embedder === "string" ? embedder : embedder.id}${note}\n`,
      );
      process.stdout.write("mode     recall@1  recall@5  recall@10  MRR@10\n");
      for (const r of results)
        process.stdout.write(
          `${r.mode.padEnd(8)} ${r.recall_at_1.toFixed(4).padStart(8)}  ${r.recall_at_5.toFixed(4).padStart(8)}  ${r.recall_at_10.toFixed(4).padStart(9)}  ${r.mrr.toFixed(4).padStart(6)}\n`,
        );
    });
}
