import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { acceptsMedia, sniffMediaKind } from "./media-kind.ts";

const TONE = ["synth", "0.1", "sine", "440"];
const dir = mkdtempSync(join(tmpdir(), "seekdesk-media-kind-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A real file written by ImageMagick or sox, read back. */
function made(tool: "convert" | "sox", name: string, args: string[], effects: string[] = []): Uint8Array {
  const out = join(dir, name);
  execFileSync(tool, [...args, out, ...effects]);
  return new Uint8Array(readFileSync(out));
}

describe("sniffMediaKind", () => {
  it("knows images and audio that real tools write by their first bytes", () => {
    for (const ext of ["png", "jpg", "gif", "bmp", "tiff", "webp"])
      expect([ext, sniffMediaKind(made("convert", `a.${ext}`, ["-size", "8x8", "xc:white"]))]).toEqual([
        ext,
        "image",
      ]);
    for (const ext of ["wav", "ogg", "flac"])
      expect([ext, sniffMediaKind(made("sox", `a.${ext}`, ["-n", "-r", "16000", "-c", "1"], TONE))]).toEqual([
        ext,
        "audio",
      ]);
    expect(sniffMediaKind(new TextEncoder().encode("hello"))).toBeNull();
  });

  it("takes what the bytes show over the declared type, and the declared kind only for unknown bytes", () => {
    const wav = made("sox", "b.wav", ["-n", "-r", "16000", "-c", "1"], TONE);
    expect(acceptsMedia("image", wav, "image/png")).toBe(false);
    expect(acceptsMedia("audio", wav, "application/octet-stream")).toBe(true);
    const unknown = new Uint8Array([1, 2, 3, 4]);
    expect(acceptsMedia("audio", unknown, "audio/x-future")).toBe(true);
    expect(acceptsMedia("image", unknown, "text/plain")).toBe(false);
    expect(acceptsMedia("image", unknown, undefined)).toBe(false);
  });
});
