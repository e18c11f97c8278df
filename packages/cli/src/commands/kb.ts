import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { type SearchMode, UserInputError } from "@seekdesk/core";
import { type InferenceEngine, resolveDataPaths } from "@seekdesk/gateway";
import {
  configuredEmbedder,
  type IngestReport,
  type KnowledgeBase,
  type KnowledgeBaseOptions,
  type LlmReranker,
  openConfiguredKnowledgeBase,
  openKnowledgeBase,
  ParaphraseEmbedder,
  parseParaphrasePairs,
  rerankSettings,
} from "@seekdesk/knowledge";
import cliProgress from "cli-progress";
import type { Command } from "commander";
import { addConfigFlags } from "../config/flags.ts";
import { loadConfig } from "../config/load-config.ts";
import { cliReranker, describeRerank, warmEngine } from "../config/rerank-from-config.ts";
import { integerFlag, numberFlag } from "./option-parsers.ts";

interface KbFlags {
  config?: string;
  dataDir?: string;
  file?: string;
  json?: boolean;
}

/**
 * The knowledge base `seekdesk serve` uses (config `knowledge.store`: <data-dir>/knowledge.sqlite,
 * or Postgres with pgvector), unless --file names a SQLite file. Either way the vectors come from
 * the config's `knowledge.embedder`: a file opened with another embedder than serve's would be
 * re-embedded on every switch between the two.
 */
async function openKb(
  flags: KbFlags,
  extra: Pick<KnowledgeBaseOptions, "reranker" | "rerankTimeoutMs" | "onRerank"> = {},
): Promise<KnowledgeBase> {
  const config = loadConfig({ file: flags.config, env: process.env, flags: { dataDir: flags.dataDir } });
  const { dataDir } = resolveDataPaths(config);
  if (flags.file)
    return openKnowledgeBase({ ...extra, file: flags.file, embedder: configuredEmbedder(config, dataDir) });
  return openConfiguredKnowledgeBase(config, dataDir, extra);
}

/**
 * `kb search --rerank`: the config's `knowledge.rerank` on a warm engine for its `models`, as
 * serve would rerank; asked for without a reranker or a generative model, a clear error.
 */
async function rerankFromConfig(
  flags: KbFlags,
): Promise<{ reranker: LlmReranker; timeoutMs: number; engine: InferenceEngine }> {
  const config = loadConfig({ file: flags.config, env: process.env, flags: { dataDir: flags.dataDir } });
  const settings = rerankSettings(config);
  if (settings.kind === "none")
    throw new UserInputError(
      "--rerank: knowledge.rerank is not set in the config; set it to { kind: llm, model: <an id from models> }",
    );
  if (config.models.length === 0)
    throw new UserInputError(
      "--rerank: reranking needs a generative model, and none is configured: add a llama GGUF or an openai backend under models",
    );
  const engine = await warmEngine(config);
  try {
    return {
      reranker: cliReranker(engine, settings, "knowledge.rerank.model"),
      timeoutMs: settings.timeoutMs,
      engine,
    };
  } catch (err) {
    await engine.close();
    throw err;
  }
}

function kbFlags(cmd: Command): Command {
  return addConfigFlags(cmd)
    .option(
      "--file <sqlite>",
      "a SQLite knowledge base file (default: the one serve uses, per knowledge.store in the config)",
    )
    .option("--json", "print JSON");
}

/** A progress bar on a terminal only; pipes and CI get the summary alone. */
function progress(label: string): { update(done: number, total: number): void; stop(): void } {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) bar.start(total, 0);
      started = true;
      bar.setTotal(total);
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function printReport(r: IngestReport, json?: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return;
  }
  for (const x of r.results) {
    if (x.status === "failed" || x.status === "skipped")
      process.stdout.write(`${x.status.padEnd(9)} ${x.source}: ${x.code} — ${x.message}\n`);
  }
  process.stdout.write(
    `added ${r.added}, updated ${r.updated}, unchanged ${r.unchanged}, failed ${r.failed}, skipped ${r.skipped}; ${r.chunks} chunks written\n`,
  );
}

function mode(v: string): SearchMode {
  if (v === "bm25" || v === "vector" || v === "hybrid") return v;
  throw new UserInputError(`--mode: expected bm25, vector or hybrid, got ${v}`);
}

export function registerKb(program: Command): void {
  const kb = program
    .command("kb")
    .description("Manage the knowledge base: add files, folders and URLs, crawl sites, search");

  kbFlags(
    kb
      .command("add")
      .description(
        "Ingest files, folders (recursively) and URLs; unchanged files are skipped by content hash",
      ),
  )
    .argument(
      "<paths...>",
      "files, folders or http(s) URLs (Markdown, text, HTML, PDF, DOCX, CSV/XLSX FAQs, JSONL)",
    )
    .action(async (paths: string[], flags: KbFlags) => {
      const base = await openKb(flags);
      const bar = progress("ingest");
      try {
        const urls = paths.filter((p) => /^https?:\/\//i.test(p));
        const files = paths.filter((p) => !/^https?:\/\//i.test(p));
        const report = await base.ingestPaths(files, { onProgress: (p) => bar.update(p.done, p.total) });
        for (const u of urls) report.results.push(await base.ingestUrl(u));
        const { summarize } = await import("@seekdesk/knowledge");
        bar.stop();
        const all = summarize(report.results);
        printReport(all, flags.json);
        if (all.failed > 0 && all.added + all.updated + all.unchanged === 0) process.exitCode = 1;
      } finally {
        bar.stop();
        await base.close();
      }
    });

  kbFlags(
    kb
      .command("crawl")
      .description(
        "Crawl a site politely (robots.txt, crawl-delay, sitemaps, same site) and ingest its pages",
      ),
  )
    .argument("<url>", "start URL")
    .option("--max-pages <n>", "page budget", integerFlag("max-pages", 1, 100_000), 100)
    .option("--max-depth <n>", "link hops from the start URL", integerFlag("max-depth", 1, 50), 3)
    .option(
      "--delay <ms>",
      "minimum milliseconds between requests (robots.txt Crawl-delay wins when longer)",
      integerFlag("delay", 0, 3_600_000),
      1000,
    )
    .action(async (url: string, flags: KbFlags & { maxPages: number; maxDepth: number; delay: number }) => {
      if (!/^https?:\/\//i.test(url)) throw new UserInputError(`not an http(s) URL: ${url}`);
      const base = await openKb(flags);
      const bar = progress("crawl");
      try {
        const r = await base.crawlSite(url, {
          maxPages: flags.maxPages,
          maxDepth: flags.maxDepth,
          delayMs: flags.delay,
          onProgress: (p) => bar.update(p.done, p.total),
        });
        bar.stop();
        printReport(r, flags.json);
        if (!flags.json)
          process.stdout.write(
            `${r.skippedUrls.length} URLs skipped (robots.txt, off site, traps, budget)\n`,
          );
      } finally {
        bar.stop();
        await base.close();
      }
    });

  kbFlags(kb.command("list").description("List documents, newest first"))
    .option("--query <text>", "filter by title or source")
    .option("--limit <n>", "how many", integerFlag("limit", 1, 1_000_000), 100)
    .action(async (flags: KbFlags & { query?: string; limit: number }) => {
      const base = await openKb(flags);
      try {
        const docs = await base.list({ query: flags.query, limit: flags.limit });
        if (flags.json) process.stdout.write(`${JSON.stringify(docs, null, 2)}\n`);
        else
          for (const d of docs)
            process.stdout.write(
              `${d.id}  ${String(d.chunkCount).padStart(4)} chunks  ${d.title}  (${d.source})\n`,
            );
      } finally {
        await base.close();
      }
    });

  kbFlags(kb.command("remove").description("Remove documents by id (see kb list)"))
    .argument("<ids...>", "document ids")
    .action(async (ids: string[], flags: KbFlags) => {
      const base = await openKb(flags);
      try {
        const missing: string[] = [];
        for (const id of ids) if (!(await base.remove(id))) missing.push(id);
        if (missing.length) throw new UserInputError(`no document with id ${missing.join(", ")}`);
        process.stdout.write(`removed ${ids.length} document(s)\n`);
      } finally {
        await base.close();
      }
    });

  kbFlags(kb.command("search").description("Search the knowledge base; prints hits with citations"))
    .argument("<query>", "what to look for")
    .option("-k, --k <n>", "number of hits", integerFlag("k", 1, 1000), 5)
    .option("--mode <mode>", "bm25, vector or hybrid", mode, "hybrid" as SearchMode)
    .option(
      "--rerank",
      "rerank the hits with knowledge.rerank from the config (loads its model from models; a failure or timeout keeps the first-stage order, said on stderr)",
    )
    .action(async (query: string, flags: KbFlags & { k: number; mode: SearchMode; rerank?: boolean }) => {
      const rerank = flags.rerank ? await rerankFromConfig(flags) : undefined;
      const base = await openKb(
        flags,
        rerank
          ? {
              reranker: rerank.reranker,
              rerankTimeoutMs: rerank.timeoutMs,
              onRerank: (e) => process.stderr.write(describeRerank(e)),
            }
          : {},
      ).catch(async (err: unknown) => {
        await rerank?.engine.close();
        throw err;
      });
      try {
        const hits = await base.search(query, { k: flags.k, mode: flags.mode });
        if (flags.json) process.stdout.write(`${JSON.stringify(hits, null, 2)}\n`);
        else if (hits.length === 0) process.stdout.write("no hits\n");
        else
          hits.forEach((h, i) => {
            const c = h.citation;
            process.stdout.write(
              `${i + 1}. ${c.title}${c.section ? ` › ${c.section}` : ""}  [${c.source} @${c.start}-${c.end}]  score ${h.score.toFixed(4)}\n   ${h.text.replace(/\s+/g, " ").slice(0, 160)}\n`,
            );
          });
      } finally {
        await base.close();
        await rerank?.engine.close();
      }
    });

  kb.command("train-embedder")
    .description(
      "Train sentence vectors on paraphrase pairs (FAQ question variants, customer question → FAQ) for knowledge.embedder kind paraphrase",
    )
    .requiredOption(
      "--pairs <file>",
      'JSONL {"a","b"[,"label"]} or CSV/TSV rows a,b[,label] or id,a,b,label; label 0 rows are skipped',
    )
    .requiredOption("--out <file>", "where to write the model")
    .option("--dim <n>", "vector size", integerFlag("dim", 1, 4096), 256)
    .option("--epochs <n>", "passes over the pairs", integerFlag("epochs", 1, 1000), 5)
    .option(
      "--hybrid-weight <w>",
      "the vectors' share in hybrid search, 0 to 1 (default 0.9, chosen on atec-faq dev queries)",
      numberFlag("hybrid-weight", 0, 1),
    )
    .option("--json", "print JSON")
    .action(
      async (flags: {
        pairs: string;
        out: string;
        dim: number;
        epochs: number;
        hybridWeight?: number;
        json?: boolean;
      }) => {
        if (!existsSync(flags.pairs)) throw new UserInputError(`no such file: ${flags.pairs}`);
        const parsed = parseParaphrasePairs(
          readFileSync(flags.pairs, "utf8"),
          /\.jsonl?$/i.test(flags.pairs),
        );
        if (parsed.pairs.length < 2)
          throw new UserInputError(
            `${flags.pairs}: need at least 2 paraphrase pairs, found ${parsed.pairs.length} (${parsed.malformed.length} malformed rows)`,
          );
        const started = Date.now();
        const model = await ParaphraseEmbedder.train(parsed.pairs, {
          dim: flags.dim,
          epochs: flags.epochs,
          hybridWeight: flags.hybridWeight,
          onEpoch: process.stderr.isTTY
            ? (e, loss) => process.stderr.write(`\repoch ${e}/${flags.epochs} loss ${loss.toFixed(3)}   `)
            : undefined,
        });
        if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
        writeFileSync(flags.out, model.serialize());
        const report = {
          id: model.id,
          file: flags.out,
          pairs: model.pairs,
          skippedNegatives: parsed.negatives,
          malformedRows: parsed.malformed.length,
          seconds: Math.round((Date.now() - started) / 100) / 10,
        };
        if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else
          process.stdout.write(
            `trained ${model.id} on ${report.pairs} pairs in ${report.seconds} s (${report.skippedNegatives} label-0 rows skipped, ${report.malformedRows} malformed)\nwrote ${flags.out}; use it with knowledge.embedder: { kind: paraphrase, path: ${flags.out} }\n`,
          );
      },
    );

  kbFlags(kb.command("stats").description("Documents, chunks, embedder and index state")).action(
    async (flags: KbFlags) => {
      const base = await openKb(flags);
      try {
        const s = await base.stats();
        if (flags.json) process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
        else for (const [k, v] of Object.entries(s)) process.stdout.write(`${k.padEnd(12)} ${v}\n`);
      } finally {
        await base.close();
      }
    },
  );
}
