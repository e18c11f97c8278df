/**
 * Splits a streamed DeepSeek-R1 style answer into reasoning (inside `<think>…</think>`) and
 * content, the way the DeepSeek API returns `reasoning_content` beside `content`.
 *
 * Chunks arrive at arbitrary boundaries, so a tag may be split across them: the splitter holds
 * back the shortest tail that could still become a tag and releases it once it cannot.
 */
export type ReasoningMode = "auto" | "on" | "off";

export interface SplitPiece {
  type: "text" | "reasoning";
  text: string;
}

export interface ThinkSplitterOptions {
  /** The prompt already opened `<think>` (R1 templates end the generation prompt with it). */
  startInside?: boolean;
  open?: string;
  close?: string;
}

export class ThinkSplitter {
  private inside: boolean;
  private pending = "";
  /** Whitespace right after a tag is layout, not content; drop it until real text arrives. */
  private trimLeading = true;
  private readonly open: string;
  private readonly close: string;

  constructor(opts: ThinkSplitterOptions = {}) {
    this.inside = opts.startInside ?? false;
    this.open = opts.open ?? "<think>";
    this.close = opts.close ?? "</think>";
  }

  get isInside(): boolean {
    return this.inside;
  }

  /**
   * The piece type of a chunk that push() would return whole: nothing held back, nothing to trim,
   * and not even the first character of the tag looked for. Undefined when push() must look at
   * it. Most deltas are such chunks; this spares them push()'s array, slices and piece object.
   */
  plain(chunk: string): SplitPiece["type"] | undefined {
    if (this.pending !== "" || this.trimLeading) return undefined;
    const tag = this.inside ? this.close : this.open;
    if (chunk.includes(tag[0])) return undefined;
    return this.inside ? "reasoning" : "text";
  }

  push(chunk: string): SplitPiece[] {
    const out: SplitPiece[] = [];
    let buf = this.pending + chunk;
    this.pending = "";
    for (;;) {
      const tag = this.inside ? this.close : this.open;
      const at = buf.indexOf(tag);
      if (at >= 0) {
        this.emit(out, buf.slice(0, at));
        this.inside = !this.inside;
        this.trimLeading = true;
        buf = buf.slice(at + tag.length);
        continue;
      }
      const hold = partialTagSuffix(buf, tag);
      this.emit(out, buf.slice(0, buf.length - hold));
      this.pending = buf.slice(buf.length - hold);
      return out;
    }
  }

  /** End of stream: whatever was held back was not a tag after all. */
  flush(): SplitPiece[] {
    const out: SplitPiece[] = [];
    this.emit(out, this.pending);
    this.pending = "";
    return out;
  }

  private emit(out: SplitPiece[], text: string): void {
    let t = text;
    if (this.trimLeading) {
      t = t.replace(/^\s+/, "");
      if (t.length === 0) return;
      this.trimLeading = false;
    }
    if (t.length === 0) return;
    const type = this.inside ? "reasoning" : "text";
    const last = out[out.length - 1];
    if (last && last.type === type) last.text += t;
    else out.push({ type, text: t });
  }
}

/** Length of the longest suffix of `buf` that is a proper prefix of `tag`. */
function partialTagSuffix(buf: string, tag: string): number {
  const max = Math.min(buf.length, tag.length - 1);
  for (let n = max; n > 0; n--) {
    if (tag.startsWith(buf.slice(buf.length - n))) return n;
  }
  return 0;
}

/** `auto` turns reasoning on when the chat template knows about `<think>`. */
export function reasoningEnabled(mode: ReasoningMode, chatTemplate: string | undefined): boolean {
  if (mode === "on") return true;
  if (mode === "off") return false;
  return chatTemplate?.includes("<think>") ?? false;
}

/** Whether a rendered prompt leaves the model already inside a thought. */
export function promptOpensThink(renderedPrompt: string): boolean {
  const trimmed = renderedPrompt.trimEnd();
  return trimmed.endsWith("<think>");
}
