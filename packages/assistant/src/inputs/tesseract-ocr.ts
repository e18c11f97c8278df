import { runTool } from "./run-tool.ts";
import type { OcrEngine, RecognizedText } from "./types.ts";

export interface TesseractOptions {
  /** tesseract language list; default Simplified Chinese plus English. */
  languages?: string;
  binary?: string;
  timeoutMs?: number;
  /**
   * Below this confidence the automatic page segmentation is retried as one uniform block
   * (`--psm 6`), and the more confident reading wins: automatic layout analysis misses short
   * single lines, a common shape of chat screenshots. Default 0.8.
   */
  retryBelow?: number;
}

const CJK = /[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]/;

/**
 * OCR through the tesseract CLI (Debian tesseract-ocr, tesseract-ocr-chi-sim). The TSV output
 * gives per-word confidences; the image confidence is their mean weighted by word length.
 */
export class TesseractOcr implements OcrEngine {
  readonly name = "tesseract";
  constructor(private readonly opts: TesseractOptions = {}) {}

  async recognize(image: Uint8Array, opts: { signal?: AbortSignal } = {}): Promise<RecognizedText> {
    const auto = await this.run(image, "3", opts.signal);
    if (auto.confidence >= (this.opts.retryBelow ?? 0.8)) return { ...auto, engine: this.name };
    const block = await this.run(image, "6", opts.signal);
    return { ...(block.confidence > auto.confidence ? block : auto), engine: this.name };
  }

  private async run(
    image: Uint8Array,
    psm: string,
    signal?: AbortSignal,
  ): Promise<{ text: string; confidence: number }> {
    const { stdout } = await runTool(
      this.opts.binary ?? "tesseract",
      ["stdin", "stdout", "-l", this.opts.languages ?? "chi_sim+eng", "--psm", psm, "tsv"],
      {
        input: image,
        signal,
        timeoutMs: this.opts.timeoutMs,
        // One thread: the server shares its cores with request handling.
        env: { OMP_THREAD_LIMIT: "1" },
        installHint: "apt-get install tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng",
      },
    );
    return parseTesseractTsv(stdout.toString("utf8"));
  }
}

/** Lines of words from tesseract's TSV; Chinese characters are joined without the spaces tesseract puts between them. */
export function parseTesseractTsv(tsv: string): { text: string; confidence: number } {
  const lines = new Map<string, string[]>();
  let weighted = 0;
  let weight = 0;
  for (const row of tsv.split("\n").slice(1)) {
    const cols = row.split("\t");
    if (cols.length < 12 || cols[0] !== "5") continue;
    const conf = Number(cols[10]);
    const word = cols[11].trim();
    if (!word || conf < 0) continue;
    const key = `${cols[1]}.${cols[2]}.${cols[3]}.${cols[4]}`;
    const words = lines.get(key) ?? [];
    words.push(word);
    lines.set(key, words);
    weighted += (conf / 100) * word.length;
    weight += word.length;
  }
  const text = [...lines.values()].map(joinWords).join("\n");
  return { text, confidence: weight === 0 ? 0 : Math.round((weighted / weight) * 1000) / 1000 };
}

function joinWords(words: string[]): string {
  let out = "";
  for (const w of words) {
    if (out && !(CJK.test(out.at(-1) ?? "") && CJK.test(w[0]))) out += " ";
    out += w;
  }
  return out;
}
