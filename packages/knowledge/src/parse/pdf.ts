import { extractText, getDocumentProxy } from "unpdf";
import { paragraphs, titleFromName } from "./text.ts";
import { type Block, type DocumentParser, type ParsedDocument, ParseError } from "./types.ts";

/** PDF text per page (pdf.js through unpdf); each page starts a section so citations name it. */
export const pdfParser: DocumentParser = {
  name: "pdf",
  extensions: [".pdf"],
  mimeTypes: ["application/pdf"],
  async parse(bytes, ctx): Promise<ParsedDocument[]> {
    if (bytes.length < 5 || new TextDecoder().decode(bytes.subarray(0, 5)) !== "%PDF-")
      throw new ParseError("not a PDF file (missing %PDF- header)", "unreadable");
    let pages: string[];
    let title = "";
    try {
      // pdf.js transfers (detaches) the buffer it is given; hand it a copy.
      const pdf = await getDocumentProxy(new Uint8Array(bytes));
      const meta = (await pdf.getMetadata().catch(() => undefined))?.info as { Title?: unknown } | undefined;
      if (typeof meta?.Title === "string") title = meta.Title.trim();
      pages = (await extractText(pdf, { mergePages: false })).text;
      await pdf.destroy();
    } catch (err) {
      const name = (err as { name?: string }).name ?? "";
      if (name === "PasswordException")
        throw new ParseError("the PDF is encrypted with a password", "encrypted");
      throw new ParseError(`unreadable PDF: ${(err as Error).message}`, "unreadable");
    }
    const blocks: Block[] = [];
    pages.forEach((page, i) => {
      if (!page.trim()) return;
      blocks.push({ kind: "heading", level: 2, text: `Page ${i + 1}` });
      blocks.push(...paragraphs(page));
    });
    if (blocks.length === 0)
      throw new ParseError("the PDF has no extractable text (scanned images need OCR)", "empty");
    return [{ title: title || titleFromName(ctx.name), blocks }];
  },
};
