import { randomBytes } from "node:crypto";
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type GgmlType, ggmlByteSize, ggmlTypeInfo } from "./ggml-types.ts";
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, type GgufValue, GgufValueType } from "./types.ts";

export interface GgufTensorPlan {
  name: string;
  /** ggml order (contiguous dimension first). */
  dims: number[];
  type: GgmlType;
}

export interface GgufWriteOptions {
  signal?: AbortSignal;
  /** Called after each tensor's bytes are on disk. */
  onTensorWritten?: (index: number, tensor: GgufTensorPlan, bytes: number) => void;
}

/** Produces one tensor's bytes, already in the tensor's ggml type; called in plan order. */
export type TensorProducer = (tensor: GgufTensorPlan, index: number) => Promise<Uint8Array> | Uint8Array;

/** Growable little-endian byte sink for the header. */
class ByteSink {
  private chunks: Buffer[] = [];
  private cur = Buffer.alloc(1 << 16);
  private pos = 0;
  length = 0;

  private room(n: number): void {
    if (this.pos + n <= this.cur.length) return;
    this.chunks.push(this.cur.subarray(0, this.pos));
    this.cur = Buffer.alloc(Math.max(1 << 16, n));
    this.pos = 0;
  }
  u8(v: number) {
    this.room(1);
    this.cur.writeUInt8(v, this.pos);
    this.pos += 1;
    this.length += 1;
  }
  i8(v: number) {
    this.room(1);
    this.cur.writeInt8(v, this.pos);
    this.pos += 1;
    this.length += 1;
  }
  u16(v: number) {
    this.room(2);
    this.cur.writeUInt16LE(v, this.pos);
    this.pos += 2;
    this.length += 2;
  }
  i16(v: number) {
    this.room(2);
    this.cur.writeInt16LE(v, this.pos);
    this.pos += 2;
    this.length += 2;
  }
  u32(v: number) {
    this.room(4);
    this.cur.writeUInt32LE(v, this.pos);
    this.pos += 4;
    this.length += 4;
  }
  i32(v: number) {
    this.room(4);
    this.cur.writeInt32LE(v, this.pos);
    this.pos += 4;
    this.length += 4;
  }
  f32(v: number) {
    this.room(4);
    this.cur.writeFloatLE(v, this.pos);
    this.pos += 4;
    this.length += 4;
  }
  f64(v: number) {
    this.room(8);
    this.cur.writeDoubleLE(v, this.pos);
    this.pos += 8;
    this.length += 8;
  }
  u64(v: bigint | number) {
    this.room(8);
    this.cur.writeBigUInt64LE(BigInt(v), this.pos);
    this.pos += 8;
    this.length += 8;
  }
  i64(v: bigint) {
    this.room(8);
    this.cur.writeBigInt64LE(v, this.pos);
    this.pos += 8;
    this.length += 8;
  }
  bytes(b: Uint8Array) {
    this.room(b.length);
    this.cur.set(b, this.pos);
    this.pos += b.length;
    this.length += b.length;
  }
  str(s: string) {
    const b = Buffer.from(s, "utf8");
    this.u64(b.length);
    this.bytes(b);
  }
  finish(): Buffer {
    this.chunks.push(this.cur.subarray(0, this.pos));
    return Buffer.concat(this.chunks);
  }
}

function writeItem(sink: ByteSink, type: GgufValueType, v: unknown, key: string): void {
  const bad = () => new Error(`metadata ${key}: value ${String(v)} does not fit type ${GgufValueType[type]}`);
  switch (type) {
    case GgufValueType.UINT8:
      sink.u8(v as number);
      return;
    case GgufValueType.INT8:
      sink.i8(v as number);
      return;
    case GgufValueType.UINT16:
      sink.u16(v as number);
      return;
    case GgufValueType.INT16:
      sink.i16(v as number);
      return;
    case GgufValueType.UINT32:
      sink.u32(v as number);
      return;
    case GgufValueType.INT32:
      sink.i32(v as number);
      return;
    case GgufValueType.FLOAT32:
      sink.f32(v as number);
      return;
    case GgufValueType.FLOAT64:
      sink.f64(v as number);
      return;
    case GgufValueType.UINT64:
      sink.u64(v as bigint);
      return;
    case GgufValueType.INT64:
      sink.i64(v as bigint);
      return;
    case GgufValueType.BOOL:
      if (typeof v !== "boolean") throw bad();
      sink.u8(v ? 1 : 0);
      return;
    case GgufValueType.STRING:
      if (typeof v !== "string") throw bad();
      sink.str(v);
      return;
    case GgufValueType.ARRAY: {
      const arr = v as { itemType: GgufValueType; value: unknown[] };
      sink.u32(arr.itemType);
      sink.u64(arr.value.length);
      for (const item of arr.value) writeItem(sink, arr.itemType, item, key);
      return;
    }
    default:
      throw new Error(`metadata ${key}: unknown GGUF value type ${type}`);
  }
}

function writeValue(sink: ByteSink, key: string, v: GgufValue): void {
  sink.u32(v.type);
  writeItem(sink, v.type, v.type === GgufValueType.ARRAY ? v : v.value, key);
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

export function tensorByteSize(t: { dims: number[]; type: GgmlType }): number {
  const elements = t.dims.reduce((a, b) => a * b, 1);
  if (t.dims[0] % ggmlTypeInfo(t.type).blockSize !== 0) {
    throw new Error(
      `row of ${t.dims[0]} values is not a whole number of ${ggmlTypeInfo(t.type).name} blocks`,
    );
  }
  return ggmlByteSize(t.type, elements);
}

/**
 * Encodes the header (magic, metadata, tensor infos with precomputed aligned offsets) and pads it
 * to the alignment, so the data section can then be streamed tensor by tensor.
 */
export function encodeGgufHeader(
  metadata: Iterable<[string, GgufValue]>,
  tensors: GgufTensorPlan[],
): { header: Buffer; offsets: number[]; sizes: number[]; alignment: number } {
  const entries = [...metadata];
  const alignEntry = entries.find(([k]) => k === "general.alignment");
  const alignment = alignEntry ? Number(alignEntry[1].value) : GGUF_DEFAULT_ALIGNMENT;
  if (!Number.isInteger(alignment) || alignment <= 0 || alignment % 8 !== 0) {
    throw new Error(`general.alignment must be a positive multiple of 8, got ${alignment}`);
  }
  const sink = new ByteSink();
  sink.u32(GGUF_MAGIC);
  sink.u32(GGUF_VERSION);
  sink.u64(tensors.length);
  sink.u64(entries.length);
  for (const [key, value] of entries) {
    sink.str(key);
    writeValue(sink, key, value);
  }
  const offsets: number[] = [];
  const sizes: number[] = [];
  let offset = 0;
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name)) throw new Error(`duplicate tensor name ${t.name}`);
    seen.add(t.name);
    const size = tensorByteSize(t);
    sink.str(t.name);
    sink.u32(t.dims.length);
    for (const d of t.dims) sink.u64(d);
    sink.u32(t.type);
    sink.u64(offset);
    offsets.push(offset);
    sizes.push(size);
    offset = alignUp(offset + size, alignment);
  }
  const padding = alignUp(sink.length, alignment) - sink.length;
  sink.bytes(new Uint8Array(padding));
  return { header: sink.finish(), offsets, sizes, alignment };
}

async function writeAll(handle: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

/** A temporary path beside `path`, so the final rename stays on one file system. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.partial`);
}

/**
 * Writes a GGUF v3 file: the header first (offsets are known from the plan), then each tensor as
 * the producer yields it, so only one tensor is in memory at a time. The file appears under
 * `path` only once complete; on error or abort the temporary file is removed.
 */
export async function writeGguf(
  path: string,
  metadata: Iterable<[string, GgufValue]>,
  tensors: GgufTensorPlan[],
  produce: TensorProducer,
  opts: GgufWriteOptions = {},
): Promise<void> {
  const { header, offsets, sizes, alignment } = encodeGgufHeader(metadata, tensors);
  const tmp = tempPathFor(path);
  const handle = await open(tmp, "w");
  let closed = false;
  try {
    await writeAll(handle, header, 0);
    const dataStart = header.length;
    let end = dataStart;
    for (let i = 0; i < tensors.length; i++) {
      opts.signal?.throwIfAborted();
      const bytes = await produce(tensors[i], i);
      if (bytes.byteLength !== sizes[i]) {
        throw new Error(
          `tensor ${tensors[i].name}: produced ${bytes.byteLength} bytes, its type and shape need ${sizes[i]}`,
        );
      }
      await writeAll(handle, bytes, dataStart + offsets[i]);
      end = dataStart + offsets[i] + sizes[i];
      opts.onTensorWritten?.(i, tensors[i], bytes.byteLength);
    }
    // Pad the last tensor too, as gguf-py does, so the file length is aligned.
    const finalLen = alignUp(end, alignment);
    if (finalLen > end) await writeAll(handle, new Uint8Array(finalLen - end), end);
    opts.signal?.throwIfAborted();
    await handle.sync();
    await handle.close();
    closed = true;
    await rename(tmp, path);
  } catch (err) {
    if (!closed) await handle.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
}
