import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { downsample, encodeWav } from "./wav.ts";

describe("voice messages as WAV", () => {
  it("downsamples 48 kHz to 16 kHz by averaging each span", () => {
    const input = new Float32Array([0, 0.3, 0.6, 1, 1, 1, -1, -1, -1]);
    expect([...downsample(input, 48_000, 16_000)].map((v) => Number(v.toFixed(3)))).toEqual([0.3, 1, -1]);
    expect(downsample(input, 16_000, 16_000)).toEqual(input);
  });

  it("writes a 16-bit mono PCM file that sox reads back with the same samples", () => {
    const samples = new Float32Array(1600).map((_, i) => Math.sin((2 * Math.PI * 440 * i) / 16_000) * 0.5);
    const wav = encodeWav(samples);
    expect(new TextDecoder().decode(wav.slice(0, 4))).toBe("RIFF");
    expect(wav.length).toBe(44 + 3200);
    const dir = mkdtempSync(join(tmpdir(), "seekdesk-wav-"));
    try {
      writeFileSync(join(dir, "a.wav"), wav);
      // sox --i reports what a real decoder sees in the header.
      const info = execFileSync("sox", ["--i", join(dir, "a.wav")], { encoding: "utf8" });
      expect(info).toMatch(/Channels\s+: 1/);
      expect(info).toMatch(/Sample Rate\s+: 16000/);
      expect(info).toMatch(/Precision\s+: 16-bit/);
      expect(info).toMatch(/1600 samples/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("clips out-of-range samples instead of wrapping them", () => {
    const wav = encodeWav(new Float32Array([2, -2]));
    const view = new DataView(wav.buffer);
    expect(view.getInt16(44, true)).toBe(0x7fff);
    expect(view.getInt16(46, true)).toBe(-0x8000);
  });
});
