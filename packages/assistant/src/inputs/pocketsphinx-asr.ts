import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidRequestError } from "@seekdesk/core";
import { runTool } from "./run-tool.ts";
import type { AsrEngine, RecognizedText } from "./types.ts";

export interface PocketsphinxOptions {
  /** Acoustic model, language model and dictionary; default the Debian pocketsphinx-en-us files. */
  hmm?: string;
  lm?: string;
  dict?: string;
  timeoutMs?: number;
}

const INSTALL = "apt-get install pocketsphinx pocketsphinx-en-us sox";

/**
 * Offline speech recognition with CMU PocketSphinx (Debian pocketsphinx + pocketsphinx-en-us, a
 * model shipped by the package, so nothing is downloaded at run time). English only; for Chinese
 * point the desk at an OpenAI-compatible transcription server. sox first normalises any
 * container it knows to the 16 kHz mono 16-bit PCM the model expects.
 */
export class PocketsphinxAsr implements AsrEngine {
  readonly name = "pocketsphinx";
  constructor(private readonly opts: PocketsphinxOptions = {}) {}

  async transcribe(
    audio: Uint8Array,
    opts: { signal?: AbortSignal; mimeType?: string } = {},
  ): Promise<RecognizedText> {
    const type = soxType(audio, opts.mimeType);
    const dir = await mkdtemp(join(tmpdir(), "seekdesk-asr-"));
    try {
      const input = join(dir, `in.${type}`);
      const pcm = join(dir, "pcm.wav");
      await writeFile(input, audio);
      await runTool("sox", [input, "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", pcm], {
        signal: opts.signal,
        timeoutMs: this.opts.timeoutMs,
        installHint: INSTALL,
      });
      const args = ["-infile", pcm, "-time", "yes", "-logfn", "/dev/null"];
      if (this.opts.hmm) args.push("-hmm", this.opts.hmm);
      if (this.opts.lm) args.push("-lm", this.opts.lm);
      if (this.opts.dict) args.push("-dict", this.opts.dict);
      const { stdout } = await runTool("pocketsphinx_continuous", args, {
        signal: opts.signal,
        timeoutMs: this.opts.timeoutMs,
        installHint: INSTALL,
      });
      return { ...parsePocketsphinxTimes(stdout.toString("utf8")), engine: this.name };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/**
 * With `-time yes` each utterance prints its hypothesis line, then one `word start end posterior`
 * row per word. The confidence is the mean posterior of real words (fillers and silences excluded).
 */
export function parsePocketsphinxTimes(out: string): { text: string; confidence: number } {
  const words: string[] = [];
  const posteriors: number[] = [];
  for (const line of out.split("\n")) {
    const cols = line.trim().split(/\s+/);
    if (cols.length !== 4 || !/^[0-9.]+$/.test(cols[1]) || !/^[0-9.]+$/.test(cols[3])) continue;
    const word = cols[0];
    if (/^(<s>|<\/s>|<sil>|\[.*\]|\+\+.*\+\+)$/.test(word)) continue;
    words.push(word.replace(/\(\d+\)$/, ""));
    posteriors.push(Number(cols[3]));
  }
  const confidence = posteriors.length ? posteriors.reduce((a, b) => a + b, 0) / posteriors.length : 0;
  return { text: words.join(" "), confidence: Math.round(confidence * 1000) / 1000 };
}

const MIME_TO_SOX: Record<string, string> = {
  "audio/wav": "wav",
  "audio/x-wav": "wav",
  "audio/wave": "wav",
  "audio/flac": "flac",
  "audio/ogg": "ogg",
  "audio/mpeg": "mp3",
  "audio/mp3": "mp3",
};

/** The sox input type from the MIME type or, failing that, the file's magic bytes. */
export function soxType(audio: Uint8Array, mimeType?: string): string {
  const fromMime = mimeType ? MIME_TO_SOX[mimeType.split(";")[0].trim().toLowerCase()] : undefined;
  if (fromMime) return fromMime;
  const head = Buffer.from(audio.subarray(0, 4)).toString("latin1");
  if (head === "RIFF") return "wav";
  if (head === "fLaC") return "flac";
  if (head === "OggS") return "ogg";
  if (head.startsWith("ID3") || (audio[0] === 0xff && (audio[1] & 0xe0) === 0xe0)) return "mp3";
  throw new InvalidRequestError(
    "Unrecognised audio format: send WAV, FLAC or Ogg (or give its MIME type)",
    "audio",
    "unsupported_audio",
  );
}
