import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { OpenAIAsr } from "./openai-asr.ts";
import { PocketsphinxAsr, parsePocketsphinxTimes } from "./pocketsphinx-asr.ts";
import { parseTesseractTsv, TesseractOcr } from "./tesseract-ocr.ts";

const dir = mkdtempSync(join(tmpdir(), "seekdesk-inputs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";

/** Renders text lines to a PNG with ImageMagick (Debian imagemagick + fonts-noto-cjk). */
function renderPng(name: string, lines: string[]): Uint8Array {
  const file = join(dir, name);
  const args = ["-size", "900x220", "xc:white", "-font", CJK_FONT, "-pointsize", "40", "-fill", "black"];
  for (const [i, l] of lines.entries()) args.push("-annotate", `+20+${80 + i * 80}`, l);
  execFileSync("convert", [...args, file]);
  return readFileSync(file);
}

/** Synthesises speech with espeak-ng (a WAV at 22 kHz, which the engine must resample). */
function speak(name: string, text: string): Uint8Array {
  const file = join(dir, name);
  execFileSync("espeak-ng", ["-v", "en-us+f2", "-s", "120", "-w", file, text]);
  return readFileSync(file);
}

describe("TesseractOcr", () => {
  const ocr = new TesseractOcr();

  it("reads Chinese and English text from a generated image with a high confidence", async () => {
    const png = renderPng("mixed.png", ["订单号 A12345 没有收到", "Where is my order"]);
    const r = await ocr.recognize(png);
    expect(r.text).toContain("没有收到");
    expect(r.text).toContain("A12345");
    expect(r.text).toContain("Where is my order");
    expect(r.text.split("\n")).toHaveLength(2);
    expect(r.confidence).toBeGreaterThan(0.8);
    expect(r.engine).toBe("tesseract");
  });

  it("returns empty text with zero confidence for an image without text", async () => {
    const blank = renderPng("blank.png", []);
    expect(await ocr.recognize(blank)).toMatchObject({ text: "", confidence: 0 });
  });

  it("rejects bytes that are not an image as a 400", async () => {
    await expect(ocr.recognize(new TextEncoder().encode("definitely not a png"))).rejects.toMatchObject({
      status: 400,
      code: "unreadable_input",
    });
  });

  it("joins CJK characters without the spaces tesseract emits between them", () => {
    const tsv = [
      "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext",
      "5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t90\t退",
      "5\t1\t1\t1\t1\t2\t0\t0\t1\t1\t80\t款",
      "5\t1\t1\t1\t1\t3\t0\t0\t1\t1\t70\tA1",
      "5\t1\t1\t1\t2\t1\t0\t0\t1\t1\t-1\t",
    ].join("\n");
    expect(parseTesseractTsv(tsv)).toEqual({ text: "退款 A1", confidence: 0.775 });
  });
});

describe("PocketsphinxAsr", () => {
  const asr = new PocketsphinxAsr();

  it("transcribes a generated English speech file offline, with a confidence in (0, 1)", async () => {
    const wav = speak("order.wav", "where is my order");
    const r = await asr.transcribe(wav, { mimeType: "audio/wav" });
    expect(r.text).toMatch(/^where is my\b/);
    expect(r.confidence).toBeGreaterThan(0);
    expect(r.confidence).toBeLessThan(1);
  });

  it("rejects audio in an unknown format as a 400", async () => {
    await expect(asr.transcribe(new Uint8Array([1, 2, 3, 4, 5]))).rejects.toMatchObject({ status: 400 });
  });

  it("drops fillers and pronunciation variants from the -time output", () => {
    const out =
      "i want\n<s> 0.000 0.020 0.999\ni 0.03 0.12 0.5\n<sil> 0.1 0.2 0.1\nwant(2) 0.13 0.54 0.3\n</s> 1 2 1\n";
    expect(parsePocketsphinxTimes(out)).toEqual({ text: "i want", confidence: 0.4 });
  });
});

describe("OpenAIAsr", () => {
  let server: Server | undefined;
  afterAll(() => server?.close());

  it("posts multipart audio to /v1/audio/transcriptions and derives confidence from avg_logprob", async () => {
    // A loopback transcription server backed by the real offline engine.
    const local = new PocketsphinxAsr();
    const seen: { model?: string; format?: string; auth?: string } = {};
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const form = await new Request("http://x", {
        method: "POST",
        headers: { "content-type": req.headers["content-type"] ?? "" },
        body: Buffer.concat(chunks),
      }).formData();
      seen.model = String(form.get("model"));
      seen.format = String(form.get("response_format"));
      seen.auth = req.headers.authorization;
      if (req.url !== "/v1/audio/transcriptions") {
        res.writeHead(404).end();
        return;
      }
      const file = form.get("file") as File;
      const r = await local.transcribe(new Uint8Array(await file.arrayBuffer()), { mimeType: file.type });
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          text: r.text,
          segments: [{ text: r.text, avg_logprob: Math.log(0.5), no_speech_prob: 0 }],
        }),
      );
    });
    await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
    const addr = server.address();
    const port = typeof addr === "object" && addr ? addr.port : 0;
    const asr = new OpenAIAsr({
      baseUrl: `http://127.0.0.1:${port}`,
      apiKey: "sk-test",
      model: "whisper-large-v3",
    });
    const r = await asr.transcribe(speak("remote.wav", "where is my order"), { mimeType: "audio/wav" });
    expect(r.text).toMatch(/^where is my\b/);
    expect(r.confidence).toBeCloseTo(0.5, 3);
    expect(seen).toEqual({ model: "whisper-large-v3", format: "verbose_json", auth: "Bearer sk-test" });
  });

  it("reports an unreachable server as an upstream error", async () => {
    const asr = new OpenAIAsr({ baseUrl: "http://127.0.0.1:9/v1", timeoutMs: 5000 });
    await expect(asr.transcribe(new Uint8Array([1]))).rejects.toMatchObject({ status: 502 });
  });
});
