/** One structural unit of a document; the chunker never splits a FAQ pair or a table row. */
export type Block =
  | { kind: "heading"; text: string; level: number }
  | { kind: "paragraph"; text: string }
  | { kind: "table"; rows: string[] }
  | { kind: "faq"; question: string; answer: string };

export interface ParsedDocument {
  title: string;
  blocks: Block[];
  /** Distinguishes several documents from one file (JSONL lines, FAQ rows); part of the doc id. */
  key?: string;
}

export interface ParseContext {
  /** File name or URL, used for titles and format hints. */
  name: string;
}

/**
 * A document format, vite-plugin style: a name, what it claims, and one async method.
 * Register extra parsers (e.g. OCR for images) in `parserFor` callers through `KnowledgeBaseOptions.parsers`.
 */
export interface DocumentParser {
  name: string;
  extensions: readonly string[];
  mimeTypes: readonly string[];
  parse(bytes: Uint8Array, ctx: ParseContext): Promise<ParsedDocument[]>;
}

/** A file that cannot be turned into text, with a reason a person can act on. */
export class ParseError extends Error {
  constructor(
    message: string,
    readonly code: "empty" | "encrypted" | "unreadable" | "encoding" | "too_large" | "unsupported",
  ) {
    super(message);
    this.name = "ParseError";
  }
}
