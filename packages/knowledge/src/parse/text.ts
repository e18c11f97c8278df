import { decodeText } from "../text/normalize.ts";
import { type Block, type DocumentParser, type ParsedDocument, ParseError } from "./types.ts";

export function decodeOrThrow(bytes: Uint8Array): string {
  const decoded = decodeText(bytes);
  if (!decoded) throw new ParseError("not a text file (binary data or unknown encoding)", "encoding");
  return decoded.text;
}

export function titleFromName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  return base.replace(/\.[A-Za-z0-9]+$/, "") || name;
}

/** Blank lines separate paragraphs; single newlines inside a paragraph are kept. */
export function paragraphs(text: string): Block[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => ({ kind: "paragraph", text: p }));
}

export const textParser: DocumentParser = {
  name: "text",
  extensions: [".txt", ".text", ".log"],
  mimeTypes: ["text/plain"],
  async parse(bytes, ctx): Promise<ParsedDocument[]> {
    return [{ title: titleFromName(ctx.name), blocks: paragraphs(decodeOrThrow(bytes)) }];
  },
};
