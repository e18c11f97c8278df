import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlite } from "@seekdesk/store";
import { afterEach, describe, expect, it } from "vitest";
import { openKnowledgeBase } from "../kb.ts";
import { makeDocx, makePdf } from "./fixtures.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "seekdesk-ingest-"));
  dirs.push(d);
  return d;
}

describe("ingesting generated PDF and DOCX files", () => {
  it("extracts text with page sections from a PDF and headings and tables from a DOCX", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "manual.pdf"),
      makePdf([
        ["Warranty terms", "The warranty covers two years."],
        ["Battery care", "Charge the battery before first use."],
      ]),
    );
    writeFileSync(
      join(dir, "policy.docx"),
      await makeDocx([
        { heading: "Return policy", level: 1 },
        { heading: "Fees", level: 2 },
        { text: "Return shipping costs 10 yuan unless the item is faulty." },
        {
          table: [
            ["Item", "Window"],
            ["Phones", "15 days"],
          ],
        },
      ]),
    );
    const kb = await openKnowledgeBase();
    const r = await kb.ingestPaths([dir]);
    expect(r.results.map((x) => x.status)).toEqual(["added", "added"]);
    const [pdf] = await kb.search("battery charge first use", { k: 1, mode: "bm25" });
    expect(pdf?.citation).toMatchObject({ section: "Page 2", source: join(dir, "manual.pdf") });
    const [doc] = await kb.search("return shipping cost", { k: 1, mode: "bm25" });
    expect(doc?.citation).toMatchObject({ title: "Return policy", section: "Return policy > Fees" });
    const [table] = await kb.search("phones window days", { k: 1, mode: "bm25" });
    expect(table?.text).toContain("Phones | 15 days");
    await kb.close();
  });
});

describe("bad input", () => {
  it("reports each bad file and keeps going without touching the index", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "good.md"), "# 保修\n\n保修期两年。");
    writeFileSync(join(dir, "empty.txt"), "");
    writeFileSync(join(dir, "locked.pdf"), makePdf([["secret"]], { encrypt: true }));
    writeFileSync(join(dir, "broken.pdf"), "%PDF-1.4\nthis is not really a pdf");
    writeFileSync(join(dir, "fake.docx"), "plain text pretending to be a docx");
    writeFileSync(
      join(dir, "ole.docx"),
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0]),
    );
    writeFileSync(join(dir, "gbk.txt"), Buffer.from([0xc4, 0xe3, 0xba, 0xc3, 0xca, 0xc0, 0xbd, 0xe7])); // "你好世界" in GBK
    writeFileSync(join(dir, "binary.txt"), Buffer.from([0x00, 0x01, 0x02, 0xff, 0x00]));
    writeFileSync(join(dir, "huge.md"), "x".repeat(2048));
    const kb = await openKnowledgeBase({ maxFileBytes: 1024 });
    const r = await kb.ingestPaths([dir, join(dir, "missing.md")]);
    const by = new Map(r.results.map((x) => [x.source.split("/").pop(), x]));
    expect(by.get("good.md")?.status).toBe("added");
    expect(by.get("gbk.txt")?.status).toBe("added");
    expect(by.get("empty.txt")).toMatchObject({ status: "failed", code: "empty" });
    expect(by.get("locked.pdf")).toMatchObject({ status: "failed", code: "encrypted" });
    expect(by.get("broken.pdf")).toMatchObject({ status: "failed", code: "unreadable" });
    expect(by.get("fake.docx")).toMatchObject({ status: "failed", code: "unreadable" });
    expect(by.get("ole.docx")).toMatchObject({ status: "failed", code: "encrypted" });
    expect(by.get("binary.txt")).toMatchObject({ status: "failed", code: "encoding" });
    expect(by.get("huge.md")).toMatchObject({ status: "failed", code: "too_large" });
    expect(by.get("missing.md")).toMatchObject({ status: "failed", code: "unreadable" });
    expect((await kb.search("你好世界", { k: 1, mode: "bm25" }))[0]?.text).toBe("你好世界");
    expect((await kb.stats()).documents).toBe(2);
    await kb.close();
  });

  it("a killed ingest leaves every document whole, and a rerun resumes", async () => {
    const dir = tempDir();
    const docs = join(dir, "docs");
    const file = join(dir, "kb.sqlite");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(docs);
    for (let i = 0; i < 60; i++)
      writeFileSync(
        join(docs, `doc${String(i).padStart(2, "0")}.md`),
        `# 文档${i}\n\n商品说明第${i}段。\n\n${"详细内容。".repeat(400)}`,
      );
    // A child process ingests and is killed with SIGKILL as soon as some documents are in.
    const script = `import { openKnowledgeBase } from "${join(import.meta.dirname, "../kb.ts")}";
const kb = await openKnowledgeBase({ file: ${JSON.stringify(file)} });
await kb.ingestPaths([${JSON.stringify(docs)}], { onProgress: (p) => { if (p.done === 5) process.stdout.write("five\\n"); } });`;
    writeFileSync(join(dir, "ingest.mts"), script);
    const child = spawn(process.execPath, ["--import", "tsx", join(dir, "ingest.mts")], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve) => {
      child.stdout.on("data", (d: Buffer) => {
        if (d.toString().includes("five")) {
          child.kill("SIGKILL");
          resolve();
        }
      });
      child.on("exit", () => resolve());
    });
    await new Promise((r) => child.on("exit", r));
    const db = openSqlite(file);
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    const partial = db
      .prepare(
        "SELECT d.id, d.chunk_count AS want, count(c.rowid) AS got FROM kb_documents d LEFT JOIN kb_chunks c ON c.doc_id = d.id GROUP BY d.id",
      )
      .all() as { want: number; got: number }[];
    expect(partial.length).toBeGreaterThanOrEqual(5);
    expect(partial.length).toBeLessThan(60);
    for (const p of partial) expect(p.got).toBe(p.want);
    db.close();
    const kb = await openKnowledgeBase({ file });
    const r = await kb.ingestPaths([docs]);
    expect(r.unchanged).toBe(partial.length);
    expect(r.added).toBe(60 - partial.length);
    await kb.close();
  });
});
