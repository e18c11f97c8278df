import { crc32 } from "node:zlib";

/**
 * The PNG `png` grown to `totalBytes` by a private ancillary chunk before IEND: a phone-photo
 * sized upload whose pixels (and so its OCR time) stay those of the small image. Decoders skip
 * ancillary chunks they do not know; the chunk's CRC is right, so none complains.
 */
export function padPng(png: Buffer, totalBytes: number): Buffer<ArrayBuffer> {
  const iend = png.length - 12;
  if (png.subarray(iend + 4, iend + 8).toString("latin1") !== "IEND")
    throw new Error("not a PNG ending in IEND");
  const size = totalBytes - png.length - 12;
  if (size < 0) throw new Error(`the PNG is already ${png.length} bytes`);
  const typeAndData = Buffer.alloc(4 + size);
  typeAndData.write("pdNg", 0, "latin1");
  // Pseudo-random filler, so no transport compression could shrink the upload.
  let x = 2463534242;
  for (let i = 4; i < typeAndData.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    typeAndData[i] = x & 0xff;
  }
  const head = Buffer.alloc(4);
  head.writeUInt32BE(size);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([png.subarray(0, iend), head, typeAndData, crc, png.subarray(iend)]);
}
