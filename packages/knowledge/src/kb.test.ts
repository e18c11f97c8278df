import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type KnowledgeBase, openKnowledgeBase } from "./kb.ts";
import { contractPolicy } from "./testing/knowledge-store-contract.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
async function chunkIds(kb: KnowledgeBase): Promise<string[]> {
  const ids: string[] = [];
  for await (const c of kb.chunks()) ids.push(c.chunkId);
  return ids;
}
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "seekdesk-kb-"));
  dirs.push(d);
  return d;
}

describe("knowledge base", () => {
  it("ingests, searches with citations in every mode, and survives a reopen", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "policy.md"), contractPolicy);
    const file = join(dir, "kb.sqlite");
    const kb = await openKnowledgeBase({ file });
    const report = await kb.ingestPaths([dir]);
    expect(report.added).toBe(1);
    expect(report.failed).toBe(0);
    await kb.ingestFaq([
      { id: "addr", question: "怎么修改收货地址？", answer: "在订单详情页点击修改地址。" },
    ]);
    for (const mode of ["bm25", "vector", "hybrid"] as const) {
      const [hit] = await kb.search("退货运费谁出", { mode, k: 3 });
      expect(hit?.citation.section, mode).toContain("退货政策 >");
      expect(hit?.citation.source).toBe(join(dir, "policy.md"));
      const doc = await kb.get(hit?.citation.docId ?? "");
      expect(doc?.text.slice(hit?.citation.start, hit?.citation.end)).toBe(hit?.text);
    }
    const [en] = await kb.search("how long does shipping take", { k: 1 });
    expect(en?.citation.section).toBe("退货政策 > Shipping");
    const [faq] = await kb.search("修改地址", { k: 1, mode: "bm25" });
    expect(faq?.citation.source).toBe("faq:addr");
    await kb.close();

    const again = await openKnowledgeBase({ file });
    expect((await again.stats()).documents).toBe(2);
    const [hit] = await again.search("质量问题 运费", { mode: "bm25", k: 1 });
    expect(hit?.citation.section).toBe("退货政策 > 质量问题");
    await again.close();
  });

  it("re-ingests incrementally by content hash and keeps chunk ids stable", async () => {
    const dir = tempDir();
    const path = join(dir, "policy.md");
    writeFileSync(path, contractPolicy);
    const kb = await openKnowledgeBase({ file: join(dir, "kb.sqlite") });
    await kb.ingestPaths([path]);
    const ids1 = await chunkIds(kb);
    expect((await kb.ingestPaths([path])).unchanged).toBe(1);
    writeFileSync(path, contractPolicy.replace("48 hours", "24 hours"));
    const r = await kb.ingestPaths([path]);
    expect(r.updated).toBe(1);
    const ids2 = await chunkIds(kb);
    // Only the edited section's chunk changes id.
    expect(ids2.filter((id) => ids1.includes(id)).length).toBe(ids1.length - 1);
    expect((await kb.search("24 hours", { mode: "bm25", k: 1 }))[0]?.text).toContain("24 hours");
    expect((await kb.search("48", { mode: "bm25", k: 5 })).some((h) => h.text.includes("48 hours"))).toBe(
      false,
    );
    const [doc] = await kb.list();
    expect(await kb.remove(doc?.id ?? "")).toBe(true);
    expect(await kb.search("退货", { mode: "hybrid" })).toEqual([]);
    expect((await kb.stats()).chunks).toBe(0);
    await kb.close();
  });
});
