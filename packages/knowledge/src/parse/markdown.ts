import { decodeOrThrow, titleFromName } from "./text.ts";
import type { Block, DocumentParser, ParsedDocument } from "./types.ts";

/**
 * Markdown by lines: ATX and setext headings, pipe tables, fenced code and paragraphs. Front
 * matter is skipped. Inline markup is kept as written; it is cheap for BM25 and readable in a
 * citation.
 */
export function parseMarkdown(src: string): Block[] {
  const lines = src.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let para: string[] = [];
  let table: string[] = [];
  let i = 0;
  const flushPara = () => {
    const t = para.join("\n").trim();
    if (t) blocks.push({ kind: "paragraph", text: t });
    para = [];
  };
  const flushTable = () => {
    const rows = table
      .filter((r) => !/^\s*\|?\s*:?-{2,}/.test(r))
      .map((r) =>
        r
          .trim()
          .replace(/^\||\|$/g, "")
          .split("|")
          .map((c) => c.trim())
          .join(" | "),
      );
    if (rows.length) blocks.push({ kind: "table", rows });
    table = [];
  };
  if (lines[0]?.trim() === "---") {
    const end = lines.indexOf("---", 1);
    if (end > 0) i = end + 1;
  }
  for (; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const fence = line.match(/^\s*(```|~~~)/);
    if (fence) {
      flushPara();
      flushTable();
      const code: string[] = [];
      for (i++; i < lines.length && !(lines[i] ?? "").trim().startsWith(fence[1] ?? "```"); i++)
        code.push(lines[i] ?? "");
      if (code.join("").trim()) blocks.push({ kind: "paragraph", text: code.join("\n") });
      continue;
    }
    const atx = line.match(/^(#{1,6})\s+(.*?)\s*#*\s*$/);
    if (atx) {
      flushPara();
      flushTable();
      blocks.push({ kind: "heading", level: atx[1]?.length ?? 1, text: atx[2] ?? "" });
      continue;
    }
    const next = lines[i + 1] ?? "";
    if (line.trim() && para.length === 0 && /^(=+|-+)\s*$/.test(next) && !line.trim().startsWith("|")) {
      flushTable();
      blocks.push({ kind: "heading", level: next.startsWith("=") ? 1 : 2, text: line.trim() });
      i++;
      continue;
    }
    if (/^\s*\|.*\|\s*$/.test(line)) {
      flushPara();
      table.push(line);
      continue;
    }
    flushTable();
    if (!line.trim()) flushPara();
    else para.push(line);
  }
  flushPara();
  flushTable();
  return blocks;
}

export const markdownParser: DocumentParser = {
  name: "markdown",
  extensions: [".md", ".markdown", ".mdx"],
  mimeTypes: ["text/markdown"],
  async parse(bytes, ctx): Promise<ParsedDocument[]> {
    const blocks = parseMarkdown(decodeOrThrow(bytes));
    const h1 = blocks.find((b) => b.kind === "heading" && b.level === 1);
    return [{ title: h1?.kind === "heading" ? h1.text : titleFromName(ctx.name), blocks }];
  },
};
