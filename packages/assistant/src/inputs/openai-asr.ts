import { UpstreamError } from "@seekdesk/core";
import type { AsrEngine, RecognizedText } from "./types.ts";

export interface OpenAIAsrOptions {
  /** Base URL of an OpenAI-compatible server, with or without the trailing `/v1`. */
  baseUrl: string;
  apiKey?: string;
  model?: string;
  /** Used when the server returns no log-probabilities to derive a confidence from. */
  defaultConfidence?: number;
  timeoutMs?: number;
}

interface VerboseTranscription {
  text?: string;
  segments?: { avg_logprob?: number; no_speech_prob?: number; text?: string }[];
}

/**
 * Any `/v1/audio/transcriptions` endpoint (OpenAI, whisper.cpp server, faster-whisper servers,
 * vLLM). Asks for `verbose_json` so the segments' `avg_logprob` can become a confidence.
 */
export class OpenAIAsr implements AsrEngine {
  readonly name = "openai-transcriptions";
  constructor(private readonly opts: OpenAIAsrOptions) {}

  async transcribe(
    audio: Uint8Array,
    opts: { signal?: AbortSignal; mimeType?: string; language?: string } = {},
  ): Promise<RecognizedText> {
    const base = this.opts.baseUrl.replace(/\/+$/, "");
    const url = `${base.endsWith("/v1") ? base : `${base}/v1`}/audio/transcriptions`;
    const form = new FormData();
    const type = opts.mimeType ?? "audio/wav";
    form.append("file", new Blob([Buffer.from(audio)], { type }), `audio.${type.split("/")[1] ?? "wav"}`);
    form.append("model", this.opts.model ?? "whisper-1");
    form.append("response_format", "verbose_json");
    if (opts.language) form.append("language", opts.language);
    const signals = [
      AbortSignal.timeout(this.opts.timeoutMs ?? 60_000),
      ...(opts.signal ? [opts.signal] : []),
    ];
    let res: Response;
    try {
      res = await fetch(url, {
        method: "POST",
        body: form,
        headers: this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {},
        signal: AbortSignal.any(signals),
      });
    } catch (err) {
      throw new UpstreamError(`Transcription server ${url} unreachable: ${(err as Error).message}`, err);
    }
    const body = await res.text();
    if (!res.ok)
      throw new UpstreamError(`Transcription server answered ${res.status}: ${body.slice(0, 200)}`);
    let parsed: VerboseTranscription;
    try {
      parsed = JSON.parse(body) as VerboseTranscription;
    } catch {
      // response_format=text servers
      return { text: body.trim(), confidence: this.opts.defaultConfidence ?? 0.8, engine: this.name };
    }
    return { ...confidenceFromSegments(parsed, this.opts.defaultConfidence ?? 0.8), engine: this.name };
  }
}

/** exp(mean avg_logprob) is Whisper's usual per-segment probability proxy; weighted by segment length. */
export function confidenceFromSegments(
  t: VerboseTranscription,
  fallback: number,
): { text: string; confidence: number } {
  const text = (t.text ?? t.segments?.map((s) => s.text ?? "").join("") ?? "").trim();
  const segs = (t.segments ?? []).filter((s) => typeof s.avg_logprob === "number");
  if (segs.length === 0) return { text, confidence: fallback };
  let sum = 0;
  let weight = 0;
  for (const s of segs) {
    const w = Math.max(1, (s.text ?? "").length);
    const p = Math.exp(s.avg_logprob as number) * (1 - (s.no_speech_prob ?? 0));
    sum += p * w;
    weight += w;
  }
  return { text, confidence: Math.round((sum / weight) * 1000) / 1000 };
}
