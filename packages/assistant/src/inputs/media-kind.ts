/**
 * Whether uploaded bytes are an image (for OCR) or audio (for ASR), from their first bytes, so
 * an upload is judged by what it is rather than only by the type its client declared.
 */
export type MediaKind = "image" | "audio";

const ascii = (b: Uint8Array, at: number, text: string) =>
  b.length >= at + text.length && [...text].every((ch, i) => b[at + i] === ch.charCodeAt(0));
const bytes = (b: Uint8Array, at: number, sig: readonly number[]) =>
  b.length >= at + sig.length && sig.every((v, i) => b[at + i] === v);

/** ISO media brands that hold pictures (HEIC/HEIF, AVIF); any other `ftyp` file counts as audio (m4a). */
const IMAGE_BRANDS = new Set(["heic", "heix", "hevc", "heim", "heis", "mif1", "msf1", "avif", "avis"]);

/** The kind the bytes' signature shows, or null for a signature this does not know. */
export function sniffMediaKind(b: Uint8Array): MediaKind | null {
  if (bytes(b, 0, [0x89, 0x50, 0x4e, 0x47]) || bytes(b, 0, [0xff, 0xd8, 0xff])) return "image"; // PNG, JPEG
  if (ascii(b, 0, "GIF8") || ascii(b, 0, "BM") || (ascii(b, 0, "RIFF") && ascii(b, 8, "WEBP")))
    return "image";
  if (bytes(b, 0, [0x49, 0x49, 0x2a, 0x00]) || bytes(b, 0, [0x4d, 0x4d, 0x00, 0x2a])) return "image"; // TIFF
  if (ascii(b, 4, "ftyp"))
    return IMAGE_BRANDS.has(String.fromCharCode(...b.subarray(8, 12))) ? "image" : "audio";
  if (ascii(b, 0, "RIFF") && ascii(b, 8, "WAVE")) return "audio";
  if (ascii(b, 0, "OggS") || ascii(b, 0, "fLaC") || ascii(b, 0, "ID3") || ascii(b, 0, "#!AMR"))
    return "audio";
  if (bytes(b, 0, [0x1a, 0x45, 0xdf, 0xa3])) return "audio"; // WebM/Matroska: what browsers record voice in
  if (b.length >= 2 && b[0] === 0xff && (b[1] & 0xe0) === 0xe0) return "audio"; // MPEG audio frame (mp3, aac)
  return null;
}

/**
 * Whether an upload sent as `kind` may go to that engine: its bytes show that kind, or show none
 * this knows and the client declared a type of that kind (`audio/…`).
 */
export function acceptsMedia(kind: MediaKind, data: Uint8Array, declaredType: string | undefined): boolean {
  const sniffed = sniffMediaKind(data);
  if (sniffed !== null) return sniffed === kind;
  return (declaredType ?? "").toLowerCase().startsWith(`${kind}/`);
}
