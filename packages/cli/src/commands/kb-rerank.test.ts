import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  passagesWith,
  type RankingChatServer,
  startRankingChatServer,
} from "@seekdesk/knowledge/testing/ranking-chat-server.ts";
import { fixtureGguf } from "@seekdesk/models/testing/fixture-gguf.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSeekdesk } from "../testing/run-cli.ts";

/**
 * `kb search --rerank` and `eval retrieval --rerank` through the real CLI: the models come from a
 * config file, a remote one (a loopback OpenAI-compatible server whose "model" prefers the
 * passages a test names) or the qwen2 fixture GGUF on llama.cpp.
 */
const dir = mkdtempSync(join(tmpdir(), "seekdesk-kb-rerank-"));
let server: RankingChatServer;
beforeAll(async () => {
  server = await startRankingChatServer();
  writeFileSync(
    join(dir, "faq.csv"),
    "question,answer\n退款多久到账,退款在审核通过后 1-3 个工作日原路退回\n怎么申请退款,在订单详情页点击申请退款\n找不到退款入口,请联系人工客服帮您处理退款\n",
  );
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function config(name: string, body: object): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ dataDir: join(dir, "data"), ...body }));
  return file;
}
const remote = () => [{ id: "judge", backend: "openai", baseURL: server.url, model: "deepseek-r1" }];
const seekdesk = (...args: string[]) => runSeekdesk(args, { cwd: dir, env: { CI: "1" } });
/** `kb search 退款` over `db` with the config file `cfg`; `flags` go before `-c`. */
const searchRefunds = (db: string, cfg: string, ...flags: string[]) =>
  seekdesk("kb", "search", "退款", "--file", db, ...flags, "-c", cfg);
const sources = (stdout: string) =>
  (JSON.parse(stdout) as { citation: { source: string } }[]).map((h) => h.citation.source);

describe("seekdesk kb search --rerank", () => {
  it("reranks with knowledge.rerank on the configured remote model, and says so", async () => {
    const db = join(dir, "kb.sqlite");
    const cfg = config("remote", {
      models: remote(),
      knowledge: { rerank: { kind: "llm", model: "judge" } },
    });
    expect((await seekdesk("kb", "add", join(dir, "faq.csv"), "--file", db, "-c", cfg)).code).toBe(0);
    const search = ["kb", "search", "退款", "--file", db, "-c", cfg, "--json", "-k", "3", "--mode", "bm25"];
    const plain = await seekdesk(...search);
    expect(plain.code).toBe(0);
    const firstStage = sources(plain.stdout);
    expect(firstStage).toHaveLength(3);
    // The model reverses the first stage's order.
    server.judge = () => ({ content: "<think>1 mentions 退款 too, but</think>3, 2, 1" });
    server.requests.length = 0;
    const run = await seekdesk(...search, "--rerank");
    expect(run.code).toBe(0);
    const hits = JSON.parse(run.stdout) as { reranked: boolean }[];
    expect(sources(run.stdout)).toEqual([...firstStage].reverse());
    expect(hits.every((h) => h.reranked)).toBe(true);
    expect(run.stderr).toMatch(/^reranked by llm:judge in \d+ ms$/m);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.model).toBe("deepseek-r1");

    // A model that says nothing usable: same hits as without --rerank, and the reason on stderr.
    server.judge = () => ({ content: "Sorry, I can't help with that." });
    const failed = await seekdesk(...search, "--rerank");
    expect(failed.code).toBe(0);
    expect(sources(failed.stdout)).toEqual(firstStage);
    expect(failed.stderr).toContain("reranking by llm:judge failed (unusable: model judge gave no ranking");
  });

  it("says what is missing when reranking is asked for without a reranker or a model", async () => {
    const db = join(dir, "kb.sqlite");
    const noRerank = await searchRefunds(db, config("none", { models: remote() }), "--rerank");
    expect(noRerank.code).not.toBe(0);
    expect(noRerank.stderr.trim()).toBe(
      "seekdesk: --rerank: knowledge.rerank is not set in the config; set it to { kind: llm, model: <an id from models> }",
    );
    const noModels = await searchRefunds(
      db,
      config("nomodels", { knowledge: { rerank: { kind: "llm", model: "deepseek-r1" } } }),
      "--rerank",
    );
    expect(noModels.stderr).toContain("reranking needs a generative model, and none is configured");
    const unknown = await searchRefunds(
      db,
      config("unknown", { models: remote(), knowledge: { rerank: { kind: "llm", model: "gpt-4" } } }),
      "--rerank",
    );
    expect(unknown.stderr.trim()).toBe(
      "seekdesk: knowledge.rerank.model: no model gpt-4 is configured; models: judge",
    );
    const bad = await searchRefunds(db, config("bad", { knowledge: { rerank: { kind: "cross-encoder" } } }));
    expect(bad.stderr.trim()).toBe("seekdesk: config: knowledge.rerank.kind: expected kind none or llm");
    expect((await seekdesk("kb", "search", "--help")).stdout).toContain("--rerank");
  });

  it("runs the rerank prompt through llama.cpp on the fixture GGUF and keeps the fused order on its noise", async () => {
    const gguf = await fixtureGguf("qwen2");
    const db = join(dir, "kb.sqlite");
    const cfg = config("llama", {
      models: [
        {
          id: "qwen-tiny",
          backend: "llama",
          path: gguf,
          contextSize: 1024,
          parallel: 1,
          threads: 1,
          gpu: "cpu",
        },
      ],
      knowledge: { rerank: { kind: "llm", model: "qwen-tiny", maxTokens: 24, timeoutMs: 120_000 } },
    });
    const search = ["kb", "search", "退款", "--file", db, "-c", cfg, "--json", "-k", "3"];
    const plain = await seekdesk(...search);
    const run = await seekdesk(...search, "--rerank");
    expect(run.code).toBe(0);
    expect(sources(run.stdout)).toEqual(sources(plain.stdout));
    expect(run.stderr).toContain(
      "reranking by llm:qwen-tiny failed (unusable: model qwen-tiny gave no ranking in its",
    );
  }, 300_000);
});

describe("seekdesk eval retrieval --rerank", () => {
  it("scores each mode reranked by the model next to its first stage, counting fallbacks", async () => {
    const topics = ["退货运费", "发票申请", "会员积分", "物流查询"];
    const corpus = topics.flatMap((t, i) => [
      { id: `d${i}a`, text: `${t}的规则说明和常见问题` },
      { id: `d${i}b`, text: `关于${t}，客服的标准回答 ANSWER${i}` },
    ]);
    writeFileSync(join(dir, "corpus.jsonl"), corpus.map((c) => JSON.stringify(c)).join("\n"));
    writeFileSync(
      join(dir, "queries.jsonl"),
      topics.map((t, i) => JSON.stringify({ query: `${t}怎么办`, relevant: [`d${i}b`] })).join("\n"),
    );
    // The "model" knows the answer passage of the topic the question names.
    server.judge = (prompt) => {
      const i = topics.findIndex((t) => prompt.includes(`Question: ${t}`));
      return { content: passagesWith(prompt, `ANSWER${i}`).join(", ") };
    };
    const cfg = config("eval", { models: remote() });
    const args = [
      "eval",
      "retrieval",
      "--corpus",
      "corpus.jsonl",
      "--queries",
      "queries.jsonl",
      "--mode",
      "bm25",
    ];
    const run = await seekdesk(...args, "--rerank", "judge", "-c", cfg, "--json");
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as { mode: string; recall_at_1: number }[];
    expect(rows.map((r) => r.mode)).toEqual(["bm25", "bm25+rerank"]);
    expect(rows[1]?.recall_at_1).toBe(1);
    expect(rows[0]?.recall_at_1).toBeLessThan(1);
    expect(run.stderr).toContain("rerank by judge: reranked 4, unusable 0, error 0, timeout 0");

    const none = await seekdesk(...args, "--rerank", "judge", "-c", config("eval-none", {}));
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain("--rerank: reranking needs a generative model, and none is configured");
    const unknown = await seekdesk(...args, "--rerank", "r2", "-c", cfg);
    expect(unknown.stderr.trim()).toBe("seekdesk: --rerank: no model r2 is configured; models: judge");
    expect((await seekdesk("eval", "retrieval", "--help")).stdout).toContain("--rerank <model>");
  });
});
