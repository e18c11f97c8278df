import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { freePort } from "@seekdesk/store/testing/free-port.ts";
import { afterAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../../bin.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "seekdesk-kb-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function seekdesk(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { ...process.env, CI: "1" },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("seekdesk kb, eval retrieval and data through the real CLI", () => {
  it("adds a folder, searches with citations, reports stats and removes", async () => {
    writeFileSync(join(dir, "returns.md"), "# 退货政策\n\n## 运费\n\n质量问题退货由卖家承担运费。\n");
    writeFileSync(join(dir, "faq.csv"), "question,answer\n怎么开发票,订单完成后在详情页申请\n");
    const db = join(dir, "kb.sqlite");
    const add = await seekdesk("kb", "add", dir, "--file", db);
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/added 2,/);
    const hits = JSON.parse(
      (await seekdesk("kb", "search", "退货运费谁承担", "--file", db, "--json", "-k", "1")).stdout,
    );
    expect(hits[0].citation).toMatchObject({ title: "退货政策", section: "退货政策 > 运费" });
    const stats = JSON.parse((await seekdesk("kb", "stats", "--file", db, "--json")).stdout);
    expect(stats.documents).toBe(2);
    const list = JSON.parse((await seekdesk("kb", "list", "--file", db, "--json")).stdout) as {
      id: string;
    }[];
    expect((await seekdesk("kb", "remove", list[0]?.id ?? "", "--file", db)).code).toBe(0);
    const bad = await seekdesk("kb", "remove", "doc_missing", "--file", db);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim()).toBe("seekdesk: no document with id doc_missing");
    expect((await seekdesk("kb", "search", "x", "--mode", "fuzzy", "--file", db)).stderr).toMatch(
      /--mode: expected bm25, vector or hybrid/,
    );
  });

  it("evaluates retrieval from JSONL files and prints the documented JSON keys", async () => {
    const topics = ["退货运费", "发票申请", "会员积分", "物流查询", "修改地址", "优惠券使用"];
    const corpus = topics.flatMap((t, i) => [
      { id: `d${i}a`, text: `${t}的规则说明和常见问题` },
      { id: `d${i}b`, text: `关于${t}，客服的标准回答` },
    ]);
    writeFileSync(join(dir, "corpus.jsonl"), corpus.map((c) => JSON.stringify(c)).join("\n"));
    writeFileSync(
      join(dir, "queries.jsonl"),
      topics
        .map((t, i) => JSON.stringify({ query: `请问${t}怎么办`, relevant: [`d${i}a`, `d${i}b`] }))
        .join("\n"),
    );
    const r = await seekdesk(
      "eval",
      "retrieval",
      "--corpus",
      "corpus.jsonl",
      "--queries",
      "queries.jsonl",
      "--json",
    );
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, number | string>[];
    expect(rows.map((x) => x.mode)).toEqual(["bm25", "vector", "hybrid"]);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(
        expect.arrayContaining(["mode", "recall_at_1", "recall_at_5", "recall_at_10", "mrr"]),
      );
      expect(row.recall_at_5).toBe(1);
    }
    writeFileSync(join(dir, "broken.jsonl"), '{"id":"x","text":"ok"}\n{"id":');
    const broken = await seekdesk(
      "eval",
      "retrieval",
      "--corpus",
      "broken.jsonl",
      "--queries",
      "queries.jsonl",
    );
    expect(broken.stderr.trim()).toBe("seekdesk: broken.jsonl:2: not valid JSON");
  });

  it("trains a paraphrase embedder on pairs and evaluates with it, holding out evaluation pairs", async () => {
    const pairs = [
      ["我想退钱", "申请退款"],
      ["钱可以退回来吗", "能不能退款"],
      ["退的钱多久到", "退款多久到账"],
      ["钱退到哪里了", "退款去向查询"],
      ["退钱失败了", "退款失败"],
      ["快递到哪了", "物流信息查询"],
      ["包裹什么时候到", "查看物流进度"],
      ["快递一直不动", "物流长时间未更新"],
      ["忘了密码", "重置登录密码"],
      ["要开票", "申请开具发票"],
      ["改一下地址", "修改收货地址"],
      ["地址填错了", "收货地址有误"],
      // The evaluation query's own pair: eval retrieval must leave it out of training.
      ["退钱怎么弄", "退款申请流程"],
    ];
    writeFileSync(
      join(dir, "pairs.tsv"),
      `${pairs.map(([a, b], i) => `${i + 1}\t${a}\t${b}\t1`).join("\n")}\n99\t花呗\t借呗\t0\n`,
    );
    const docs = ["退款申请流程", "怎么修改收货地址", "怎么查看订单", "发票怎么开", "物流进度查询"];
    writeFileSync(
      join(dir, "p-corpus.jsonl"),
      docs.map((text, i) => JSON.stringify({ id: `p${i}`, text })).join("\n"),
    );
    writeFileSync(join(dir, "p-queries.jsonl"), JSON.stringify({ query: "退钱怎么弄", relevant: ["p0"] }));
    const q = ["eval", "retrieval", "--corpus", "p-corpus.jsonl", "--queries", "p-queries.jsonl"];
    const hashed = JSON.parse((await seekdesk(...q, "--mode", "vector", "--json")).stdout);
    expect(hashed[0].recall_at_1).toBe(0);

    const train = await seekdesk(
      "kb",
      "train-embedder",
      "--pairs",
      "pairs.tsv",
      "--out",
      "desk.model",
      "--dim",
      "64",
      "--epochs",
      "60",
    );
    expect(train.code).toBe(0);
    expect(train.stdout).toMatch(
      /^trained paraphrase-64-[0-9a-f]{12} on 13 pairs .*\(1 label-0 rows skipped, 0 malformed\)/,
    );
    const learned = JSON.parse(
      (await seekdesk(...q, "--mode", "vector", "--embedder", "desk.model", "--json")).stdout,
    );
    expect(learned[0].recall_at_1).toBe(1);

    const heldOut = await seekdesk(
      ...q,
      "--mode",
      "vector",
      "--embedder",
      "paraphrase",
      "--pairs",
      "pairs.tsv",
    );
    expect(heldOut.stdout).toMatch(/trained on 12 of 13 pairs \(1 touching evaluation texts held out\)/);
    expect((await seekdesk(...q, "--embedder", "nothing.model")).stderr).toMatch(
      /--embedder: expected hashed, corpus, paraphrase or a model file, got nothing.model/,
    );

    // kb commands on a --file knowledge base use the configured embedder, as serve does.
    writeFileSync(
      join(dir, "paraphrase.config.json"),
      JSON.stringify({ knowledge: { embedder: { kind: "paraphrase", path: join(dir, "desk.model") } } }),
    );
    mkdirSync(join(dir, "p-docs"));
    for (const [i, text] of docs.entries())
      writeFileSync(join(dir, "p-docs", `${i}.md`), `# ${text}\n\n${text}。\n`);
    const withModel = ["--file", join(dir, "p-kb.sqlite"), "--config", "paraphrase.config.json"];
    expect((await seekdesk("kb", "add", join(dir, "p-docs"), ...withModel)).code).toBe(0);
    const pStats = JSON.parse((await seekdesk("kb", "stats", ...withModel, "--json")).stdout);
    expect(pStats.embedder).toMatch(/^paraphrase-64-[0-9a-f]{12}$/);
    const pHits = JSON.parse(
      (await seekdesk("kb", "search", "退钱怎么弄", "--mode", "vector", "-k", "1", ...withModel, "--json"))
        .stdout,
    );
    expect(pHits[0].citation.title).toBe("退款申请流程");
    const badConfig = join(dir, "missing-model.config.json");
    writeFileSync(
      badConfig,
      JSON.stringify({ knowledge: { embedder: { kind: "paraphrase", path: "no-such.model" } } }),
    );
    const missing = await seekdesk("kb", "stats", "--file", join(dir, "p-kb.sqlite"), "--config", badConfig);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/knowledge\.embedder\.path/);
  });

  it("refuses a numeric flag that is not a number in one line, before doing anything", async () => {
    const r = await seekdesk(
      "kb",
      "crawl",
      "http://127.0.0.1:9/",
      "--delay",
      "soon",
      "--file",
      join(dir, "x.sqlite"),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe("seekdesk: --delay: expected an integer from 0 to 3600000, got soon");
    const d = await seekdesk("data", "dedup", "--in", join(dir, "none.jsonl"), "--max-distance", "three");
    expect(d.code).not.toBe(0);
    expect(d.stderr.trim()).toBe("seekdesk: --max-distance: expected an integer from 0 to 64, got three");
  });

  it("says in one line, without a stack trace, that the knowledge base's own Postgres is unreachable", async () => {
    const port = await freePort();
    const config = join(dir, "kb-postgres-down.config.json");
    writeFileSync(
      config,
      JSON.stringify({
        knowledge: { store: { driver: "postgres", url: `postgres://kb:secret@127.0.0.1:${port}/kb` } },
      }),
    );
    for (const args of [["search", "opening hours"], ["add", join(dir, "returns.md")], ["stats"]]) {
      const r = await seekdesk("kb", ...args, "--config", config);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `seekdesk: cannot reach the knowledge base's Postgres at postgres://kb:***@127.0.0.1:${port}/kb: connect ECONNREFUSED 127.0.0.1:${port}\n`,
      );
    }
  });

  it("exports training data without evaluation near-duplicates", async () => {
    writeFileSync(
      join(dir, "faq.jsonl"),
      [
        '{"question":"怎么开发票","answer":"订单完成后申请"}',
        '{"question":"运费怎么算","answer":"满99包邮"}',
      ].join("\n"),
    );
    writeFileSync(join(dir, "eval.jsonl"), '{"query":"运费怎么算？"}\n');
    const r = await seekdesk(
      "data",
      "export",
      "--faq",
      "faq.jsonl",
      "--eval",
      "eval.jsonl",
      "--out",
      "out",
      "--validation",
      "0",
    );
    expect(r.stdout).toMatch(/train 1, validation 0; removed 0 duplicates and 1 near duplicates/);
    expect(readFileSync(join(dir, "out", "train.jsonl"), "utf8")).toBe(
      '{"prompt":"问题:怎么开发票\\n答案:","completion":"订单完成后申请"}\n',
    );
  });
});
