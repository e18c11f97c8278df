import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
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
