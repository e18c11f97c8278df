/** Text recognised from a non-text input, with how sure the engine is (0..1). */
export interface RecognizedText {
  text: string;
  confidence: number;
  /** Which engine produced it, for the message metadata. */
  engine: string;
}

/** Images to text. Extension point: registered by name, swappable in config. */
export interface OcrEngine {
  readonly name: string;
  recognize(image: Uint8Array, opts?: { signal?: AbortSignal }): Promise<RecognizedText>;
}

/** Speech to text. `mimeType` helps engines that must convert the container first. */
export interface AsrEngine {
  readonly name: string;
  transcribe(
    audio: Uint8Array,
    opts?: { signal?: AbortSignal; mimeType?: string; language?: string },
  ): Promise<RecognizedText>;
}
