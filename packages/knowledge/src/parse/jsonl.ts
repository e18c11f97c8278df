import { decodeOrThrow, paragraphs } from "./text.ts";
import { type DocumentParser, type ParsedDocument, ParseError } from "./types.ts";

/**
 * One document per line. Accepted shapes: {"id","text"|"content","title"?} and
 * {"question","answer"} (a FAQ entry). Malformed lines are skipped, not fatal: one bad line in
 * a 100 000-line export should not lose the other 99 999.
 */
export const jsonlParser: DocumentParser = {
  name: "jsonl",
  extensions: [".jsonl", ".ndjson"],
  mimeTypes: ["application/x-ndjson", "application/jsonl"],
  async parse(bytes) {
    const docs: ParsedDocument[] = [];
    const lines = decodeOrThrow(bytes).split("\n");
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line);
      } catch {
        return;
      }
      if (!rec || typeof rec !== "object") return;
      const key = typeof rec.id === "string" || typeof rec.id === "number" ? String(rec.id) : `line${i + 1}`;
      const q = rec.question ?? rec.q;
      const a = rec.answer ?? rec.a;
      if (typeof q === "string" && typeof a === "string" && q.trim() && a.trim()) {
        docs.push({ key, title: q.trim(), blocks: [{ kind: "faq", question: q.trim(), answer: a.trim() }] });
        return;
      }
      const text = rec.text ?? rec.content ?? rec.body;
      if (typeof text !== "string" || !text.trim()) return;
      const title =
        typeof rec.title === "string" && rec.title.trim() ? rec.title.trim() : text.trim().slice(0, 40);
      docs.push({ key, title, blocks: paragraphs(text) });
    });
    if (docs.length === 0)
      throw new ParseError("no JSON lines with text, content or question/answer fields", "empty");
    return docs;
  },
};
