/**
 * Voice messages leave the browser as 16 kHz mono 16-bit WAV: every speech engine reads it (the
 * offline one through sox included), whereas MediaRecorder gives WebM/Opus that sox cannot open.
 */
export const SPEECH_RATE = 16_000;

/** Lowers the sample rate by averaging each output sample's span of input (a box filter). */
export function downsample(input: Float32Array, fromRate: number, toRate = SPEECH_RATE): Float32Array {
  if (toRate >= fromRate) return input.slice();
  const ratio = fromRate / toRate;
  const out = new Float32Array(Math.floor(input.length / ratio));
  for (let i = 0; i < out.length; i++) {
    const start = Math.floor(i * ratio);
    const end = Math.min(input.length, Math.floor((i + 1) * ratio));
    let sum = 0;
    for (let j = start; j < end; j++) sum += input[j];
    out[i] = end > start ? sum / (end - start) : 0;
  }
  return out;
}

/** A RIFF/WAVE file of 16-bit signed little-endian PCM, one channel. */
export function encodeWav(samples: Float32Array, sampleRate = SPEECH_RATE): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(44 + samples.length * 2);
  const view = new DataView(bytes.buffer);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) view.setUint8(at + i, s.charCodeAt(i));
  };
  ascii(0, "RIFF");
  view.setUint32(4, 36 + samples.length * 2, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, "data");
  view.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]));
    view.setInt16(44 + i * 2, s < 0 ? s * 0x8000 : s * 0x7fff, true);
  }
  return bytes;
}

/** Records the microphone until `stop()`, then gives the WAV. */
export class WavRecorder {
  private readonly chunks: Float32Array[] = [];
  private frames = 0;

  private constructor(
    private readonly stream: MediaStream,
    private readonly context: AudioContext,
    private readonly source: MediaStreamAudioSourceNode,
    private readonly node: ScriptProcessorNode,
  ) {
    // ScriptProcessor rather than an AudioWorklet: a worklet needs a module URL, which a host
    // page's content security policy may refuse to the embedded widget.
    node.onaudioprocess = (e) => {
      const data = e.inputBuffer.getChannelData(0);
      this.chunks.push(data.slice());
      this.frames += data.length;
    };
    source.connect(node);
    node.connect(context.destination);
  }

  static async start(): Promise<WavRecorder> {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1 } });
    const context = new AudioContext();
    const source = context.createMediaStreamSource(stream);
    const node = context.createScriptProcessor(4096, 1, 1);
    return new WavRecorder(stream, context, source, node);
  }

  /** Seconds recorded so far. */
  get seconds(): number {
    return this.frames / this.context.sampleRate;
  }

  async stop(): Promise<Blob> {
    this.node.onaudioprocess = null;
    this.source.disconnect();
    this.node.disconnect();
    for (const track of this.stream.getTracks()) track.stop();
    const rate = this.context.sampleRate;
    await this.context.close();
    const all = new Float32Array(this.frames);
    let at = 0;
    for (const c of this.chunks) {
      all.set(c, at);
      at += c.length;
    }
    return new Blob([encodeWav(downsample(all, rate))], { type: "audio/wav" });
  }
}
