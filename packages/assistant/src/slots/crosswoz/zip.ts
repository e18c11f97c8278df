import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { inflateRawSync } from "node:zlib";

/**
 * Reads the entries of a plain (non-ZIP64) zip archive with stored or deflated members, the
 * format of the dataset files in ../shared. Enough to avoid a dependency for one archive type.
 */
export function readZip(file: string): Map<string, Buffer> {
  const buf = readFileSync(file);
  let eocd = -1;
  // The end-of-central-directory record sits in the last 64 KiB + 22 bytes.
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${file} is not a zip archive`);
  const entries = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let n = 0; n < entries; n++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: damaged central directory`);
    const method = buf.readUInt16LE(at + 10);
    const compressed = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString("utf8", at + 46, at + 46 + nameLen);
    at += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith("/")) continue;
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(dataStart, dataStart + compressed);
    if (method === 0) out.set(name, Buffer.from(data));
    else if (method === 8) out.set(name, inflateRawSync(data));
    else throw new Error(`${file}: ${name} uses unsupported compression method ${method}`);
  }
  return out;
}

/** Extracts the archive's files (flattened) into a new temporary folder and returns its path. */
export function unzipToTemp(file: string, prefix = "seekdesk-unzip-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [name, data] of readZip(file)) writeFileSync(join(dir, basename(name)), data);
  return dir;
}
