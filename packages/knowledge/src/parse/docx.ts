import mammoth from "mammoth";
import { parseHtml } from "./html.ts";
import { titleFromName } from "./text.ts";
import { type DocumentParser, type ParsedDocument, ParseError } from "./types.ts";

/** DOCX through mammoth's semantic HTML, so Word headings and tables keep their structure. */
export const docxParser: DocumentParser = {
  name: "docx",
  extensions: [".docx"],
  mimeTypes: ["application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
  async parse(bytes, ctx): Promise<ParsedDocument[]> {
    // Password-protected Office files are OLE compound documents, not ZIP archives.
    if (bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0)
      throw new ParseError("the document is encrypted or in the old .doc format", "encrypted");
    if (bytes[0] !== 0x50 || bytes[1] !== 0x4b)
      throw new ParseError("not a DOCX file (not a ZIP archive)", "unreadable");
    let html: string;
    try {
      html = (await mammoth.convertToHtml({ buffer: Buffer.from(bytes) })).value;
    } catch (err) {
      throw new ParseError(`unreadable DOCX: ${(err as Error).message}`, "unreadable");
    }
    const { blocks } = parseHtml(`<body>${html}</body>`);
    const h1 = blocks.find((b) => b.kind === "heading");
    return [{ title: h1?.kind === "heading" ? h1.text : titleFromName(ctx.name), blocks }];
  },
};
