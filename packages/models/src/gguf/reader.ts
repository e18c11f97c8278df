import { type FileHandle, open } from "node:fs/promises";
import { basename } from "node:path";
import { GgufFormatError } from "./errors.ts";
import { GGML_TYPE_INFO, type GgmlType } from "./ggml-types.ts";
import {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  type GgufArray,
  type GgufTensorInfo,
  type GgufValue,
  GgufValueType,
  plainValue,
} from "./types.ts";
import { tensorByteSize } from "./writer.ts";

export interface GgufFile {
  path: string;
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Absolute offset where the tensor data section starts. */
  dataOffset: number;
  fileSize: number;
}

// Sanity bounds: past these a length field is garbage, not a real model.
const MAX_STRING = 256 * 1024 * 1024;
const MAX_ARRAY = 1 << 30;
const MAX_DIMS = 4;

/** Reads the header through a refilled window, so a header of any size costs a bounded buffer. */
class HeaderCursor {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  pos = 0;
  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
    private readonly name: string,
  ) {}

  private async ensure(n: number): Promise<void> {
    const have = this.bufStart + this.buf.length - this.pos;
    if (have >= n) return;
    if (this.pos + n > this.size) {
      throw new GgufFormatError(`${this.name}: truncated GGUF header (ends at byte ${this.size})`);
    }
    const want = Math.max(n, 1 << 20);
    const len = Math.min(want, this.size - this.pos);
    const next = Buffer.alloc(len);
    let done = 0;
    while (done < len) {
      const { bytesRead } = await this.handle.read(next, done, len - done, this.pos + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    if (done < n) throw new GgufFormatError(`${this.name}: truncated GGUF header`);
    this.buf = next.subarray(0, done);
    this.bufStart = this.pos;
  }
  private at(): number {
    return this.pos - this.bufStart;
  }
  async u8() {
    await this.ensure(1);
    const v = this.buf.readUInt8(this.at());
    this.pos += 1;
    return v;
  }
  async i8() {
    await this.ensure(1);
    const v = this.buf.readInt8(this.at());
    this.pos += 1;
    return v;
  }
  async u16() {
    await this.ensure(2);
    const v = this.buf.readUInt16LE(this.at());
    this.pos += 2;
    return v;
  }
  async i16() {
    await this.ensure(2);
    const v = this.buf.readInt16LE(this.at());
    this.pos += 2;
    return v;
  }
  async u32() {
    await this.ensure(4);
    const v = this.buf.readUInt32LE(this.at());
    this.pos += 4;
    return v;
  }
  async i32() {
    await this.ensure(4);
    const v = this.buf.readInt32LE(this.at());
    this.pos += 4;
    return v;
  }
  async f32() {
    await this.ensure(4);
    const v = this.buf.readFloatLE(this.at());
    this.pos += 4;
    return v;
  }
  async f64() {
    await this.ensure(8);
    const v = this.buf.readDoubleLE(this.at());
    this.pos += 8;
    return v;
  }
  async u64() {
    await this.ensure(8);
    const v = this.buf.readBigUInt64LE(this.at());
    this.pos += 8;
    return v;
  }
  async i64() {
    await this.ensure(8);
    const v = this.buf.readBigInt64LE(this.at());
    this.pos += 8;
    return v;
  }
  async length(what: string, max: number): Promise<number> {
    const v = await this.u64();
    if (v > BigInt(max)) throw new GgufFormatError(`${this.name}: corrupt GGUF header (${what} of ${v})`);
    return Number(v);
  }
  async str(): Promise<string> {
    const n = await this.length("string length", MAX_STRING);
    await this.ensure(n);
    const v = this.buf.toString("utf8", this.at(), this.at() + n);
    this.pos += n;
    return v;
  }
}

async function readItem(
  c: HeaderCursor,
  type: GgufValueType,
  name: string,
): Promise<GgufArray["value"][number]> {
  switch (type) {
    case GgufValueType.UINT8:
      return c.u8();
    case GgufValueType.INT8:
      return c.i8();
    case GgufValueType.UINT16:
      return c.u16();
    case GgufValueType.INT16:
      return c.i16();
    case GgufValueType.UINT32:
      return c.u32();
    case GgufValueType.INT32:
      return c.i32();
    case GgufValueType.FLOAT32:
      return c.f32();
    case GgufValueType.FLOAT64:
      return c.f64();
    case GgufValueType.UINT64:
      return c.u64();
    case GgufValueType.INT64:
      return c.i64();
    case GgufValueType.BOOL:
      return (await c.u8()) !== 0;
    case GgufValueType.STRING:
      return c.str();
    case GgufValueType.ARRAY: {
      const itemType = (await c.u32()) as GgufValueType;
      if (!(itemType in GgufValueType))
        throw new GgufFormatError(`${name}: corrupt GGUF header (array item type ${itemType})`);
      const n = await c.length("array length", MAX_ARRAY);
      const value: GgufArray["value"] = new Array(n);
      for (let i = 0; i < n; i++) value[i] = await readItem(c, itemType, name);
      return { type: GgufValueType.ARRAY, itemType, value };
    }
    default:
      throw new GgufFormatError(`${name}: corrupt GGUF header (value type ${type})`);
  }
}

/**
 * Reads a GGUF v2/v3 header: metadata and tensor infos. Tensor data is left on disk; read it with
 * `readGgufTensorData`. Bad magic, truncation and impossible sizes are reported as GgufFormatError.
 */
export async function readGguf(path: string): Promise<GgufFile> {
  const name = basename(path);
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (err) {
    throw new GgufFormatError(
      `${path}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`,
    );
  }
  try {
    const { size } = await handle.stat();
    if (size < 4) throw new GgufFormatError(`${name}: bad GGUF magic (file is ${size} bytes)`);
    const c = new HeaderCursor(handle, size, name);
    const magic = await c.u32();
    if (magic !== GGUF_MAGIC) {
      throw new GgufFormatError(
        `${name}: bad GGUF magic (expected "GGUF", found ${JSON.stringify(Buffer.from([magic & 0xff, (magic >> 8) & 0xff, (magic >> 16) & 0xff, magic >>> 24]).toString("latin1"))})`,
      );
    }
    const version = await c.u32();
    if (version !== 2 && version !== 3)
      throw new GgufFormatError(`${name}: unsupported GGUF version ${version}`);
    const tensorCount = await c.length("tensor count", MAX_ARRAY);
    const kvCount = await c.length("metadata count", MAX_ARRAY);
    const metadata = new Map<string, GgufValue>();
    for (let i = 0; i < kvCount; i++) {
      const key = await c.str();
      const type = (await c.u32()) as GgufValueType;
      if (!(type in GgufValueType))
        throw new GgufFormatError(`${name}: corrupt GGUF header (key ${key}: value type ${type})`);
      const v = await readItem(c, type, name);
      metadata.set(key, (type === GgufValueType.ARRAY ? v : { type, value: v }) as GgufValue);
    }
    const alignmentValue = metadata.get("general.alignment");
    const alignment = alignmentValue ? Number(alignmentValue.value) : GGUF_DEFAULT_ALIGNMENT;
    if (!Number.isInteger(alignment) || alignment <= 0)
      throw new GgufFormatError(`${name}: corrupt general.alignment ${alignment}`);
    const tensors: GgufTensorInfo[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const tname = await c.str();
      const nDims = await c.u32();
      if (nDims < 1 || nDims > MAX_DIMS)
        throw new GgufFormatError(`${name}: corrupt GGUF header (tensor ${tname} has ${nDims} dims)`);
      const dims: number[] = [];
      for (let d = 0; d < nDims; d++) dims.push(Number(await c.u64()));
      const type = (await c.u32()) as GgmlType;
      if (!GGML_TYPE_INFO[type])
        throw new GgufFormatError(`${name}: tensor ${tname} has unknown ggml type ${type}`);
      const offset = Number(await c.u64());
      if (offset % alignment !== 0)
        throw new GgufFormatError(
          `${name}: corrupt GGUF header (tensor ${tname} offset ${offset} is not aligned)`,
        );
      tensors.push({ name: tname, dims, type, offset });
    }
    const dataOffset = Math.ceil(c.pos / alignment) * alignment;
    for (const t of tensors) {
      let bytes: number;
      try {
        bytes = tensorByteSize(t);
      } catch (err) {
        throw new GgufFormatError(`${name}: corrupt tensor ${t.name}: ${(err as Error).message}`);
      }
      if (dataOffset + t.offset + bytes > size) {
        throw new GgufFormatError(`${name}: truncated GGUF (tensor ${t.name} ends past the end of the file)`);
      }
    }
    return { path, version, metadata, tensors, alignment, dataOffset, fileSize: size };
  } finally {
    await handle.close();
  }
}

/** The raw bytes of one tensor, in its stored ggml type. */
export async function readGgufTensorData(
  file: GgufFile,
  tensor: GgufTensorInfo,
  handle?: FileHandle,
): Promise<Uint8Array> {
  const own = handle ?? (await open(file.path, "r"));
  try {
    const bytes = new Uint8Array(tensorByteSize(tensor));
    let done = 0;
    while (done < bytes.length) {
      const { bytesRead } = await own.read(
        bytes,
        done,
        bytes.length - done,
        file.dataOffset + tensor.offset + done,
      );
      if (bytesRead === 0)
        throw new GgufFormatError(`${basename(file.path)}: truncated while reading ${tensor.name}`);
      done += bytesRead;
    }
    return bytes;
  } finally {
    if (!handle) await own.close();
  }
}

/** A metadata value as a plain JavaScript value, or undefined. */
export function ggufMeta(file: GgufFile, key: string): unknown {
  const v = file.metadata.get(key);
  return v === undefined ? undefined : plainValue(v);
}
