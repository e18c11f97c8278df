import type { SearchHit } from "@seekdesk/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HashedNgramEmbedder } from "../embed/hashed.ts";
import type { Embedder } from "../embed/types.ts";
import { type KnowledgeBase, openKnowledgeBase } from "../kb.ts";
import type { KnowledgeStore } from "../storage/types.ts";

/** Opens the store at one fixed location; each call is a new connection to the same data. */
export type OpenStore = () => Promise<KnowledgeStore>;

export const contractPolicy = `# 退货政策

## 七天无理由退货

商品签收后七天内可以无理由退货，退货运费由买家承担。

## 质量问题

如果商品有质量问题，运费由卖家承担，请联系在线客服。

## Shipping

We ship to mainland China within 48 hours. Express delivery costs 12 yuan.
`;

export const contractWarranty = `# Warranty

## Coverage

Every appliance carries a two-year warranty against manufacturing defects.

## Claims

To claim, send the order number and a photo of the defect to support. Repairs are done within 5 working days.
`;

export const contractFaq = [
  { id: "addr", question: "怎么修改收货地址？", answer: "在订单详情页点击修改地址。" },
  {
    id: "invoice",
    question: "How do I get an invoice?",
    answer: "Invoices are emailed when the order ships.",
  },
];

/** Queries with the section (or source) each mode must rank first on the contract corpus. */
export const contractQueries: { query: string; modes: ("bm25" | "vector" | "hybrid")[]; top: RegExp }[] = [
  { query: "退货运费谁出", modes: ["bm25", "vector", "hybrid"], top: /^退货政策 > / },
  { query: "how long does shipping take", modes: ["bm25", "hybrid"], top: /^退货政策 > Shipping$/ },
  { query: "warranty manufacturing defects", modes: ["bm25", "vector", "hybrid"], top: /^Warranty > / },
  { query: "修改地址", modes: ["bm25", "hybrid"], top: /^faq:addr$/ },
];

/** Loads the contract corpus; the same calls on every backend. */
export async function ingestContractCorpus(kb: KnowledgeBase): Promise<void> {
  const enc = new TextEncoder();
  expect((await kb.ingestBytes("docs/policy.md", "policy.md", enc.encode(contractPolicy))).status).toBe(
    "added",
  );
  expect((await kb.ingestBytes("docs/warranty.md", "warranty.md", enc.encode(contractWarranty))).status).toBe(
    "added",
  );
  expect((await kb.ingestFaq(contractFaq)).added).toBe(2);
}

/** Every hit's citation offsets cut exactly its text out of the stored document. */
export async function expectCitationsPointIntoSources(kb: KnowledgeBase, hits: SearchHit[]): Promise<void> {
  for (const h of hits) {
    const doc = await kb.get(h.citation.docId);
    expect(doc, h.citation.docId).toBeDefined();
    expect(doc?.text.slice(h.citation.start, h.citation.end)).toBe(h.text);
    expect(h.citation.end).toBeGreaterThan(h.citation.start);
  }
}

const where = (h: SearchHit | undefined) =>
  h?.citation.source.startsWith("faq:") ? h.citation.source : (h?.citation.section ?? "");

/** Declares a dimension and returns another: a misconfigured remote embedding model. */
class WrongSizeEmbedder implements Embedder {
  readonly id = "contract-wrong-size";
  readonly dim = 16;
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map(() => Float32Array.from({ length: 12 }, (_, i) => (i === 0 ? 1 : 0)));
  }
}

/** Same id, another size: a model swapped behind an unchanged name. */
function renamedModel(dim: number): Embedder {
  const inner = new HashedNgramEmbedder(dim);
  return { id: "contract-swapped-model", dim, embed: (t, s) => inner.embed(t, s) };
}

/**
 * One behavioural suite for every KnowledgeStore backend, so SQLite and Postgres+pgvector cannot
 * drift. `fresh` returns an opener for a new, empty location each call.
 */
export function knowledgeStoreContract(name: string, fresh: () => Promise<OpenStore>): void {
  describe(`KnowledgeStore contract: ${name}`, () => {
    let open: OpenStore;
    let kb: KnowledgeBase;
    beforeAll(async () => {
      open = await fresh();
      kb = await openKnowledgeBase({ store: await open() });
      await ingestContractCorpus(kb);
    });
    afterAll(async () => {
      await kb?.close();
    });

    it("ranks the expected chunk first in every search mode, with citations into the source text", async () => {
      for (const q of contractQueries) {
        for (const mode of q.modes) {
          const hits = await kb.search(q.query, { mode, k: 3 });
          expect(where(hits[0]), `${mode}: ${q.query}`).toMatch(q.top);
          await expectCitationsPointIntoSources(kb, hits);
        }
      }
      const [shipping] = await kb.search("how long does shipping take", { k: 1 });
      expect(shipping?.citation).toMatchObject({
        title: "退货政策",
        source: "docs/policy.md",
        section: "退货政策 > Shipping",
      });
      const stats = await kb.stats();
      expect(stats).toMatchObject({ documents: 4, dim: 256 });
      expect(stats.vectors).toBe(stats.chunks);
      expect((await kb.list({ query: "WARRANTY" })).map((d) => d.source)).toEqual(["docs/warranty.md"]);
    });

    it("lists one document's chunks in order, each cut from the document's text", async () => {
      const [policy] = await kb.list({ query: "docs/policy.md" });
      const doc = await kb.requireDocument(String(policy?.id));
      const chunks = await kb.documentChunks(doc.id);
      expect(chunks).toHaveLength(doc.chunkCount);
      expect(chunks.map((c) => c.ordinal)).toEqual(chunks.map((_, i) => i));
      const inOrder: string[] = [];
      for await (const c of kb.chunks()) if (c.docId === doc.id) inOrder.push(c.chunkId);
      expect(chunks.map((c) => c.id)).toEqual(inOrder);
      for (const c of chunks) {
        expect(c.docId).toBe(doc.id);
        expect(c.end).toBeGreaterThan(c.start);
        expect(doc.text.length).toBeGreaterThanOrEqual(c.end);
      }
      expect(chunks.map((c) => c.section)).toContain("退货政策 > Shipping");
      await expect(kb.documentChunks("no-such-document")).rejects.toMatchObject({ status: 404 });
    });

    it("skips unchanged input by hash, replaces only edited chunks, and removes documents from every mode", async () => {
      const k2 = await openKnowledgeBase({ store: await (await fresh())() });
      try {
        const enc = new TextEncoder();
        await k2.ingestBytes("docs/policy.md", "policy.md", enc.encode(contractPolicy));
        const ids1: string[] = [];
        for await (const c of k2.chunks()) ids1.push(c.chunkId);
        const [before] = await k2.list();
        const again = await k2.ingestBytes("docs/policy.md", "policy.md", enc.encode(contractPolicy));
        expect(again).toMatchObject({ status: "unchanged", documents: 1, chunks: ids1.length });
        expect((await k2.ingestFaq(contractFaq.slice(0, 1))).added).toBe(1);
        expect((await k2.ingestFaq(contractFaq.slice(0, 1))).unchanged).toBe(1);

        const edited = contractPolicy.replace("48 hours", "24 hours");
        const r = await k2.ingestBytes("docs/policy.md", "policy.md", enc.encode(edited));
        expect(r.status).toBe("updated");
        const ids2: string[] = [];
        for await (const c of k2.chunks()) ids2.push(c.chunkId);
        expect(ids2.filter((id) => ids1.includes(id)).length).toBe(ids1.length - 1);
        const [after] = (await k2.list()).filter((d) => d.source === "docs/policy.md");
        expect(after?.createdAt).toBe(before?.createdAt);
        expect(after?.contentHash).not.toBe(before?.contentHash);
        for (const mode of ["bm25", "vector", "hybrid"] as const) {
          const hits = await k2.search("shipping 24 hours", { mode, k: 5 });
          expect(hits[0]?.text, mode).toContain("24 hours");
          expect(
            hits.some((h) => h.text.includes("48 hours")),
            mode,
          ).toBe(false);
          await expectCitationsPointIntoSources(k2, hits);
        }

        expect(await k2.remove(after?.id ?? "")).toBe(true);
        expect(await k2.remove(after?.id ?? "")).toBe(false);
        for (const mode of ["bm25", "vector", "hybrid"] as const) {
          const hits = await k2.search("退货 运费 shipping 24 hours", { mode, k: 5 });
          expect(
            hits.map((h) => h.citation.docId),
            mode,
          ).not.toContain(after?.id);
          expect(hits.map(where), mode).toEqual(mode === "bm25" ? [] : ["faq:addr"]);
        }
        expect(await k2.stats()).toMatchObject({ documents: 1, chunks: 1, vectors: 1 });
        await expect(k2.requireDocument(after?.id ?? "")).rejects.toThrow(/No document/);
      } finally {
        await k2.close();
      }
    });

    it("keeps everything across a reopen and sees another connection's writes", async () => {
      const second = await openKnowledgeBase({ store: await open() });
      try {
        expect((await second.stats()).documents).toBe(4);
        const [hit] = await second.search("质量问题 运费", { mode: "bm25", k: 1 });
        expect(hit?.citation.section).toBe("退货政策 > 质量问题");
        // Written through one connection, answered through the other without reopening.
        await second.ingestText({
          id: "gift",
          title: "Gift wrapping",
          text: "Gift wrapping costs 5 yuan per parcel.",
        });
        for (const mode of ["bm25", "vector", "hybrid"] as const)
          expect((await kb.search("gift wrapping parcel", { mode, k: 1 }))[0]?.citation.docId, mode).toBe(
            "gift",
          );
        expect(await kb.remove("gift")).toBe(true);
        const after = await second.search("gift wrapping parcel", { mode: "hybrid", k: 5 });
        expect(after.map((h) => h.citation.docId)).not.toContain("gift");
      } finally {
        await second.close();
      }
    });

    it("refuses vectors of the wrong size with a message naming both sizes, storing nothing", async () => {
      const store = await (await fresh())();
      const wrong = await openKnowledgeBase({ store, embedder: new WrongSizeEmbedder() });
      try {
        const message =
          /embedder contract-wrong-size returned a 12-dimension vector but declares 16 dimensions/;
        const r = await wrong.ingestBytes(
          "notes.md",
          "notes.md",
          new TextEncoder().encode("# Notes\n\nanything"),
        );
        expect(r).toMatchObject({ status: "failed", code: "error" });
        expect(r.message).toMatch(message);
        await expect(wrong.ingestText({ title: "x", text: "anything at all" })).rejects.toThrow(message);
        expect((await wrong.stats()).documents).toBe(0);
        await expect(wrong.search("anything", { mode: "vector" })).rejects.toThrow(/12-dimension/);
      } finally {
        await wrong.close();
      }

      const openSame = await fresh();
      const a = await openKnowledgeBase({ store: await openSame(), embedder: renamedModel(32) });
      await a.ingestText({ title: "Returns", text: "Returns are free within seven days." });
      await a.close();
      await expect(
        openKnowledgeBase({ store: await openSame(), embedder: renamedModel(48) }),
      ).rejects.toThrow(
        /holds 32-dimension vectors from embedder contract-swapped-model, which now declares 48/,
      );
      // Another embedder id is a new vector space: its vectors are computed, the old ones kept.
      const b = await openKnowledgeBase({ store: await openSame(), embedder: new HashedNgramEmbedder(64) });
      try {
        expect(await b.stats()).toMatchObject({ documents: 1, dim: 64, vectors: 1 });
        expect((await b.search("free returns", { mode: "vector", k: 1 }))[0]?.text).toContain("free");
      } finally {
        await b.close();
      }
    });
  });
}
