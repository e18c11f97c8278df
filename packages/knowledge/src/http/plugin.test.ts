import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTempGateway, type TempGateway } from "@seekdesk/gateway/testing/temp-gateway.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openKnowledgeBase } from "../kb.ts";
import { knowledgePlugin } from "./plugin.ts";

let gw: TempGateway;
beforeAll(async () => {
  gw = await startTempGateway({ plugins: [knowledgePlugin()] });
});
afterAll(() => gw.stop());

const json = async (path: string, init?: RequestInit) => {
  const res = await fetch(gw.url + path, init);
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & { data: Record<string, unknown>[] },
  };
};
const postJson = (path: string, body: unknown) =>
  json(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("knowledge HTTP API over real HTTP", () => {
  it("uploads, lists, searches with citations, reports stats and deletes", async () => {
    const form = new FormData();
    form.append(
      "file",
      new Blob(["# 运费说明\n\n## 包邮\n\n订单满 99 元包邮，偏远地区除外。\n"], { type: "text/markdown" }),
      "shipping.md",
    );
    const up = await json("/api/kb/documents", { method: "POST", body: form });
    expect(up.status).toBe(200);
    expect((up.body.results as { status: string }[])[0]?.status).toBe("added");

    const text = await postJson("/api/kb/documents", {
      title: "Returns",
      text: "Returns are accepted within 7 days of delivery.",
    });
    expect(text.status).toBe(200);
    const faq = await postJson("/api/kb/documents", {
      faq: [{ id: "pw", question: "忘记密码怎么办？", answer: "在登录页点击忘记密码。" }],
    });
    expect(faq.body.added).toBe(1);

    const list = await json("/api/kb/documents");
    expect(list.body.data.map((d) => d.title).sort()).toEqual(["Returns", "忘记密码怎么办？", "运费说明"]);

    const hits = await json(`/api/kb/search?q=${encodeURIComponent("多少钱包邮")}&k=2&mode=bm25`);
    expect(hits.status).toBe(200);
    expect(hits.body.data[0]).toMatchObject({
      citation: { title: "运费说明", source: "upload:shipping.md", section: "运费说明 > 包邮" },
    });

    const post = await postJson("/api/kb/search", { query: "return within days", k: 1 });
    expect((post.body.data[0]?.citation as { title: string } | undefined)?.title).toBe("Returns");

    const stats = await json("/api/kb/stats");
    expect(stats.body).toMatchObject({ documents: 3, embedder: "hashed-ngram-v2-256" });

    const id = String(list.body.data.find((d) => d.title === "Returns")?.id);
    expect((await json(`/api/kb/documents/${id}`)).body.text).toContain("7 days");
    expect((await json(`/api/kb/documents/${id}`, { method: "DELETE" })).body).toMatchObject({
      id,
      deleted: true,
    });
    const gone = await json(`/api/kb/documents/${id}`, { method: "DELETE" });
    expect(gone.status).toBe(404);
    expect(gone.body.error).toMatchObject({ type: "not_found_error", code: "document_not_found" });
  });

  it("answers bad requests with OpenAI-style errors", async () => {
    const mode = await json("/api/kb/search?q=x&mode=fuzzy");
    expect(mode.status).toBe(400);
    expect(mode.body.error).toMatchObject({ type: "invalid_request_error", param: "mode" });
    expect((await json("/api/kb/search")).status).toBe(400);
    const body = await postJson("/api/kb/search", { query: "x", k: 0 });
    expect(body.status).toBe(400);
    const empty = new FormData();
    empty.append("file", new Blob([""], { type: "text/plain" }), "empty.txt");
    const up = await json("/api/kb/documents", { method: "POST", body: empty });
    expect(up.status).toBe(422);
    expect((up.body.results as { code: string }[])[0]?.code).toBe("empty");
  });

  it("lists a document's chunks in order, with ids, sections and offsets into its text", async () => {
    const up = await postJson("/api/kb/documents", {
      id: "chunky",
      title: "Delivery",
      text: "# Delivery\n\n## Times\n\nOrders ship within 24 hours.\n\n## Fees\n\nShipping is free over 99 yuan.\n",
    });
    expect(up.status).toBe(200);
    const doc = await json("/api/kb/documents/chunky");
    const chunks = await json("/api/kb/documents/chunky/chunks");
    expect(chunks.status).toBe(200);
    expect(chunks.body.data.length).toBe(doc.body.chunkCount);
    expect(chunks.body.data.map((c) => c.ordinal)).toEqual(chunks.body.data.map((_, i) => i));
    expect(chunks.body.data.map((c) => c.section)).toEqual(["Delivery > Times", "Delivery > Fees"]);
    for (const c of chunks.body.data) {
      expect(c).toMatchObject({ docId: "chunky", kind: "text" });
      expect(String(doc.body.text).slice(Number(c.start), Number(c.end))).toContain(
        String(c.text).split("\n").at(-1),
      );
    }
    const hit = await json(`/api/kb/search?q=${encodeURIComponent("free over 99 yuan")}&k=1&mode=bm25`);
    expect(hit.body.data[0]?.chunkId).toBe(chunks.body.data[1]?.id);
    const missing = await json("/api/kb/documents/nope/chunks");
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: "document_not_found" });
  });

  it("sees documents another connection adds to the same file", async () => {
    const other = await openKnowledgeBase({ file: `${gw.dataDir}/knowledge.sqlite` });
    await other.ingestText({ title: "会员积分", text: "积分可以在下单时抵扣现金。" });
    await other.close();
    const hits = await json(`/api/kb/search?q=${encodeURIComponent("积分抵扣")}&k=1`);
    expect((hits.body.data[0]?.citation as { title: string } | undefined)?.title).toBe("会员积分");
  });
});

describe("knowledge HTTP API over a knowledge base another plugin opened", () => {
  it("serves the shared instance, whose own searches see uploads at once, and leaves it open", async () => {
    const dir = mkdtempSync(join(tmpdir(), "seekdesk-kb-shared-"));
    const shared = await openKnowledgeBase({ file: join(dir, "kb.sqlite") });
    const gateway = await startTempGateway({ plugins: [knowledgePlugin({ kb: () => shared })] });
    try {
      const res = await fetch(`${gateway.url}/api/kb/documents`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: "Gift wrap", text: "Gift wrapping costs 5 yuan per parcel." }),
      });
      expect(res.status).toBe(200);
      const hits = await shared.search("gift wrapping", { k: 1, mode: "bm25" });
      expect(hits[0]?.citation.title).toBe("Gift wrap");
    } finally {
      await gateway.stop();
    }
    expect((await shared.stats()).documents).toBe(1);
    await shared.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stops reading an upload at the limit, declared or chunked, answers 413 and keeps the index as it was", async () => {
    const small = await startTempGateway({ plugins: [knowledgePlugin({ maxUploadBytes: 64 * 1024 })] });
    try {
      const boundary = "seekdesk-test-boundary";
      const head = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="big.txt"\r\ncontent-type: text/plain\r\n\r\n`;
      const line = "运费 shipping returns refunds 退货 ".repeat(64);
      let sent = 0;
      // No content-length: the body arrives chunked, 1 MiB of it unless the server stops reading.
      const chunked = new ReadableStream<Uint8Array>({
        pull(ctl) {
          if (sent === 0) ctl.enqueue(new TextEncoder().encode(head));
          if (sent >= 1 << 20) {
            ctl.enqueue(new TextEncoder().encode(`\r\n--${boundary}--\r\n`));
            ctl.close();
            return;
          }
          const bytes = new TextEncoder().encode(line);
          sent += bytes.byteLength;
          ctl.enqueue(bytes);
        },
      });
      const res = await fetch(`${small.url}/api/kb/documents`, {
        method: "POST",
        headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
        body: chunked,
        duplex: "half",
      } as RequestInit);
      expect(res.status).toBe(413);
      expect(res.headers.get("connection")).toBe("close");
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");

      const declared = new FormData();
      declared.append("file", new Blob(["x".repeat(100 * 1024)], { type: "text/plain" }), "declared.txt");
      expect((await fetch(`${small.url}/api/kb/documents`, { method: "POST", body: declared })).status).toBe(
        413,
      );

      const stats = await fetch(`${small.url}/api/kb/stats`);
      expect(((await stats.json()) as { documents: number }).documents).toBe(0);
    } finally {
      await small.stop();
    }
  });
});
