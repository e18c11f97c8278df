import { createHash } from "node:crypto";
import type { Block, ParsedDocument } from "./parse/types.ts";
import { normalizeText } from "./text/normalize.ts";
import { estimateTokens } from "./text/tokenize.ts";

export interface ChunkOptions {
  /** Upper bound per chunk in estimated tokens (CJK characters or Latin words). */
  maxTokens?: number;
  /** Tokens repeated from the end of the previous chunk of the same section. */
  overlapTokens?: number;
  toSimplified?: boolean;
}

export interface Chunk {
  /** Stable: the same text in the same section of the same document keeps its id across re-ingests. */
  id: string;
  ordinal: number;
  section: string;
  kind: "text" | "faq" | "table";
  /** Offsets into `DocumentText.text`; `text === doc.text.slice(start, end)`. */
  start: number;
  end: number;
  text: string;
}

export interface DocumentText {
  text: string;
  chunks: Chunk[];
}

interface Unit {
  start: number;
  end: number;
  tokens: number;
  section: string;
  kind: Chunk["kind"];
  /** FAQ pairs are never packed with anything else. */
  alone: boolean;
  /** First unit of a block: a chunk may start a fresh paragraph without overlap. */
  paragraphStart: boolean;
}

const SENTENCE = /[^。！？!?；;\n]+[。！？!?；;\n]*|[。！？!?；;\n]+/g;

function renderBlock(b: Block): string {
  switch (b.kind) {
    case "heading":
    case "paragraph":
      return b.text;
    case "table":
      return b.rows.join("\n");
    case "faq":
      return `${b.question}\n${b.answer}`;
  }
}

/**
 * Structure-aware chunking. The document is rendered to one normalised text (blocks separated
 * by blank lines) so every chunk is a slice of it with exact offsets; sections follow headings;
 * FAQ pairs stay whole; tables split only between rows; long paragraphs split at sentence ends,
 * and a sentence longer than the budget is cut by characters as a last resort.
 */
export function chunkDocument(docId: string, doc: ParsedDocument, opts: ChunkOptions = {}): DocumentText {
  const maxTokens = opts.maxTokens ?? 320;
  const overlap = Math.min(opts.overlapTokens ?? 48, Math.floor(maxTokens / 2));
  let text = "";
  const units: Unit[] = [];
  const path: { level: number; text: string }[] = [];
  for (const block of doc.blocks) {
    const rendered = normalizeText(renderBlock(block), { toSimplified: opts.toSimplified });
    if (!rendered) continue;
    if (text) text += "\n\n";
    const base = text.length;
    text += rendered;
    if (block.kind === "heading") {
      while (path.length && (path[path.length - 1]?.level ?? 0) >= block.level) path.pop();
      path.push({ level: block.level, text: rendered });
      continue;
    }
    const section = path.map((p) => p.text).join(" > ");
    if (block.kind === "faq") {
      units.push({
        start: base,
        end: base + rendered.length,
        tokens: estimateTokens(rendered),
        section,
        kind: "faq",
        alone: true,
        paragraphStart: true,
      });
      continue;
    }
    const kind = block.kind === "table" ? "table" : "text";
    const pieces =
      block.kind === "table"
        ? rendered.split("\n").map((r, i, a) => (i < a.length - 1 ? `${r}\n` : r))
        : (rendered.match(SENTENCE) ?? [rendered]);
    let off = base;
    let first = true;
    for (const piece of pieces) {
      const tokens = estimateTokens(piece);
      if (tokens <= maxTokens) {
        units.push({
          start: off,
          end: off + piece.length,
          tokens,
          section,
          kind,
          alone: false,
          paragraphStart: first,
        });
      } else {
        // A run-on sentence: cut into budget-sized character windows.
        const step = Math.max(1, Math.floor((piece.length * maxTokens) / tokens));
        for (let s = 0; s < piece.length; s += step) {
          const part = piece.slice(s, s + step);
          units.push({
            start: off + s,
            end: off + s + part.length,
            tokens: estimateTokens(part),
            section,
            kind,
            alone: false,
            paragraphStart: first && s === 0,
          });
        }
      }
      first = false;
      off += piece.length;
    }
  }

  const chunks: Chunk[] = [];
  const seen = new Map<string, number>();
  const emit = (from: number, to: number) => {
    const a = units[from] as Unit;
    const b = units[to - 1] as Unit;
    let start = a.start;
    let end = b.end;
    while (start < end && /\s/.test(text[start] ?? "")) start++;
    while (end > start && /\s/.test(text[end - 1] ?? "")) end--;
    if (end <= start) return;
    const body = text.slice(start, end);
    const kinds = new Set(units.slice(from, to).map((u) => u.kind));
    const kind: Chunk["kind"] = kinds.size === 1 ? (a.kind as Chunk["kind"]) : "text";
    const h = createHash("sha1")
      .update(docId)
      .update("\0")
      .update(a.section)
      .update("\0")
      .update(body)
      .digest("hex")
      .slice(0, 16);
    const dup = seen.get(h) ?? 0;
    seen.set(h, dup + 1);
    chunks.push({
      id: dup ? `${h}-${dup}` : h,
      ordinal: chunks.length,
      section: a.section,
      kind,
      start,
      end,
      text: body,
    });
  };

  let i = 0;
  while (i < units.length) {
    const first = units[i] as Unit;
    if (first.alone) {
      emit(i, i + 1);
      i++;
      continue;
    }
    let j = i;
    let tokens = 0;
    while (j < units.length) {
      const u = units[j] as Unit;
      if (u.alone || u.section !== first.section || (j > i && tokens + u.tokens > maxTokens)) break;
      tokens += u.tokens;
      j++;
    }
    emit(i, j);
    const next = units[j];
    if (!next || next.alone || next.section !== first.section || overlap === 0) {
      i = j;
      continue;
    }
    // Overlap: restart a few units back so a fact cut at the boundary appears whole in one chunk.
    let back = j;
    let carried = 0;
    while (back - 1 > i && carried + (units[back - 1] as Unit).tokens <= overlap) {
      back--;
      carried += (units[back] as Unit).tokens;
    }
    i = back;
  }
  return { text, chunks };
}

/** The text a chunk is indexed under: its section heading adds context the body often lacks. */
export function indexTextOf(title: string, chunk: Pick<Chunk, "section" | "text" | "kind">): string {
  const head = chunk.section || (chunk.kind === "faq" ? "" : title);
  return head ? `${head}\n${chunk.text}` : chunk.text;
}
