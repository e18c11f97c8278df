import { docxParser } from "./docx.ts";
import { csvParser, xlsxParser } from "./faq-table.ts";
import { htmlParser } from "./html.ts";
import { jsonlParser } from "./jsonl.ts";
import { markdownParser } from "./markdown.ts";
import { pdfParser } from "./pdf.ts";
import { textParser } from "./text.ts";
import type { DocumentParser } from "./types.ts";

export { parseCsv } from "./faq-table.ts";
export { parseHtml } from "./html.ts";
export { parseMarkdown } from "./markdown.ts";
export * from "./types.ts";

export const defaultParsers: readonly DocumentParser[] = [
  markdownParser,
  textParser,
  htmlParser,
  pdfParser,
  docxParser,
  csvParser,
  xlsxParser,
  jsonlParser,
];

/** Picks a parser by MIME type first (URLs, uploads), then by file extension. */
export function parserFor(
  name: string,
  mime: string | undefined,
  parsers: readonly DocumentParser[] = defaultParsers,
): DocumentParser | undefined {
  const m = mime?.split(";")[0]?.trim().toLowerCase();
  if (m && m !== "application/octet-stream") {
    const byMime = parsers.find((p) => p.mimeTypes.includes(m));
    if (byMime) return byMime;
  }
  const lower = name.toLowerCase().replace(/[?#].*$/, "");
  return parsers.find((p) => p.extensions.some((e) => lower.endsWith(e)));
}
