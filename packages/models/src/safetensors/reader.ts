import { existsSync, statSync } from "node:fs";
import { type FileHandle, open, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { decodeBf16Array, decodeF8e4m3Array, decodeF16Array } from "../convert/numeric.ts";
import { isSafetensorsDtype, SAFETENSORS_DTYPE_SIZE, type SafetensorsDtype } from "./dtypes.ts";
import { SafetensorsFormatError } from "./errors.ts";

export interface SafetensorsTensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  file: string;
  /** Absolute offset of the tensor's first byte in `file`. */
  offset: number;
  byteLength: number;
}

export interface OpenSafetensorsOptions {
  /** Block shape of F8 weight scales (`quantization_config.weight_block_size`); DeepSeek-V3 uses 128x128. */
  f8BlockSize?: [number, number];
}

/** The suffix DeepSeek-V3 gives the per-block inverse scale of an F8 weight. */
export const F8_SCALE_SUFFIX = "_scale_inv";

// A header larger than this is not a checkpoint we should try to JSON.parse.
const MAX_HEADER_BYTES = 512 * 1024 * 1024;

async function readHeader(handle: FileHandle, file: string): Promise<SafetensorsTensorInfo[]> {
  const { size } = await handle.stat();
  const name = basename(file);
  if (size < 8)
    throw new SafetensorsFormatError(`${name}: truncated safetensors header (file is ${size} bytes)`);
  const lenBuf = Buffer.alloc(8);
  await handle.read(lenBuf, 0, 8, 0);
  const headerLen = Number(lenBuf.readBigUInt64LE(0));
  if (headerLen > MAX_HEADER_BYTES) {
    throw new SafetensorsFormatError(
      `${name}: corrupt safetensors header (declared length ${headerLen} bytes)`,
    );
  }
  if (8 + headerLen > size) {
    throw new SafetensorsFormatError(
      `${name}: truncated safetensors header (needs ${headerLen} bytes, file has ${size - 8} after the length)`,
    );
  }
  const headerBuf = Buffer.alloc(headerLen);
  await handle.read(headerBuf, 0, headerLen, 8);
  let header: unknown;
  try {
    header = JSON.parse(headerBuf.toString("utf8"));
  } catch (err) {
    throw new SafetensorsFormatError(`${name}: corrupt safetensors header (${(err as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw new SafetensorsFormatError(`${name}: corrupt safetensors header (not a JSON object)`);
  }
  const dataStart = 8 + headerLen;
  const out: SafetensorsTensorInfo[] = [];
  for (const [tensorName, raw] of Object.entries(header as Record<string, unknown>)) {
    if (tensorName === "__metadata__") continue;
    const entry = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const bad = (why: string) =>
      new SafetensorsFormatError(`${name}: corrupt safetensors header (${tensorName}: ${why})`);
    if (typeof entry.dtype !== "string" || !isSafetensorsDtype(entry.dtype))
      throw bad(`unknown dtype ${String(entry?.dtype)}`);
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw bad("bad shape");
    const offsets = entry.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((d) => Number.isInteger(d) && d >= 0)
    ) {
      throw bad("bad data_offsets");
    }
    const [begin, end] = offsets as [number, number];
    const elements = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== elements * SAFETENSORS_DTYPE_SIZE[entry.dtype]) {
      throw bad(
        `data_offsets span ${end - begin} bytes, shape needs ${elements * SAFETENSORS_DTYPE_SIZE[entry.dtype]}`,
      );
    }
    if (dataStart + end > size) {
      throw new SafetensorsFormatError(
        `${name}: truncated (tensor ${tensorName} ends past the end of the file)`,
      );
    }
    out.push({
      name: tensorName,
      dtype: entry.dtype,
      shape: shape as number[],
      file,
      offset: dataStart + begin,
      byteLength: end - begin,
    });
  }
  return out;
}

/**
 * A Hugging Face checkpoint read tensor by tensor from file descriptors: only the tensor being
 * read is ever in memory. Works on one `.safetensors` file, a folder holding `model.safetensors`,
 * or a folder with `model.safetensors.index.json` naming the shards.
 */
export class SafetensorsCheckpoint {
  private readonly handles = new Map<string, FileHandle>();
  private readonly infos: Map<string, SafetensorsTensorInfo>;
  private readonly f8BlockSize: [number, number];

  private constructor(
    infos: SafetensorsTensorInfo[],
    handles: Map<string, FileHandle>,
    opts: OpenSafetensorsOptions,
  ) {
    this.infos = new Map(infos.map((i) => [i.name, i]));
    this.handles = handles;
    this.f8BlockSize = opts.f8BlockSize ?? [128, 128];
  }

  static async open(path: string, opts: OpenSafetensorsOptions = {}): Promise<SafetensorsCheckpoint> {
    if (!existsSync(path)) throw new SafetensorsFormatError(`${path}: no such file or folder`);
    const files = await listShards(path);
    const handles = new Map<string, FileHandle>();
    const infos: SafetensorsTensorInfo[] = [];
    try {
      for (const file of files) {
        const handle = await open(file, "r");
        handles.set(file, handle);
        infos.push(...(await readHeader(handle, file)));
      }
    } catch (err) {
      await Promise.all([...handles.values()].map((h) => h.close()));
      throw err;
    }
    return new SafetensorsCheckpoint(infos, handles, opts);
  }

  /** Every stored tensor name, F8 scale tensors included, in file order. */
  get names(): string[] {
    return [...this.infos.keys()];
  }

  has(name: string): boolean {
    return this.infos.has(name);
  }

  info(name: string): SafetensorsTensorInfo {
    const info = this.infos.get(name);
    if (!info) throw new SafetensorsFormatError(`tensor ${name} is not in the checkpoint`);
    return info;
  }

  async readRaw(name: string): Promise<Uint8Array> {
    const info = this.info(name);
    const handle = this.handles.get(info.file);
    if (!handle) throw new Error(`file ${info.file} is closed`);
    const buf = new Uint8Array(info.byteLength);
    let done = 0;
    while (done < buf.length) {
      const { bytesRead } = await handle.read(buf, done, buf.length - done, info.offset + done);
      if (bytesRead === 0)
        throw new SafetensorsFormatError(`${basename(info.file)}: truncated while reading ${name}`);
      done += bytesRead;
    }
    return buf;
  }

  /** The tensor as float32; F8 weights are multiplied by their block scales on the way. */
  async readFloat32(name: string): Promise<Float32Array> {
    const info = this.info(name);
    const raw = await this.readRaw(name);
    switch (info.dtype) {
      case "F32": {
        const out = new Float32Array(raw.byteLength / 4);
        new Uint8Array(out.buffer).set(raw);
        return out;
      }
      case "F64": {
        const copy = new Uint8Array(raw);
        return Float32Array.from(new Float64Array(copy.buffer));
      }
      case "F16":
        return decodeF16Array(raw);
      case "BF16":
        return decodeBf16Array(raw);
      case "F8_E4M3":
        return this.dequantizeF8(name, info, decodeF8e4m3Array(raw));
      default:
        throw new SafetensorsFormatError(`tensor ${name} has dtype ${info.dtype}, which is not a float type`);
    }
  }

  private async dequantizeF8(
    name: string,
    info: SafetensorsTensorInfo,
    values: Float32Array,
  ): Promise<Float32Array> {
    const scaleName = `${name}${F8_SCALE_SUFFIX}`;
    if (!this.infos.has(scaleName)) return values;
    if (info.shape.length !== 2)
      throw new SafetensorsFormatError(`F8 tensor ${name} with block scales must be 2-D`);
    const [rows, cols] = info.shape;
    const [br, bc] = this.f8BlockSize;
    const scales = await this.readFloat32(scaleName);
    const scaleCols = Math.ceil(cols / bc);
    if (scales.length !== Math.ceil(rows / br) * scaleCols) {
      throw new SafetensorsFormatError(
        `${scaleName} has ${scales.length} scales; ${name} [${rows}, ${cols}] in ${br}x${bc} blocks needs ${Math.ceil(rows / br) * scaleCols}`,
      );
    }
    for (let r = 0; r < rows; r++) {
      const scaleRow = Math.floor(r / br) * scaleCols;
      const base = r * cols;
      for (let c = 0; c < cols; c++) values[base + c] *= scales[scaleRow + Math.floor(c / bc)];
    }
    return values;
  }

  async close(): Promise<void> {
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map((h) => h.close()));
  }
}

async function listShards(path: string): Promise<string[]> {
  if (statSync(path).isFile()) return [path];
  const index = join(path, "model.safetensors.index.json");
  if (existsSync(index)) {
    let parsed: { weight_map?: Record<string, string> };
    try {
      parsed = JSON.parse(await readFile(index, "utf8"));
    } catch (err) {
      throw new SafetensorsFormatError(`model.safetensors.index.json: corrupt (${(err as Error).message})`);
    }
    if (!parsed.weight_map || typeof parsed.weight_map !== "object") {
      throw new SafetensorsFormatError("model.safetensors.index.json: no weight_map");
    }
    const shards = [...new Set(Object.values(parsed.weight_map))].map((f) => join(path, f));
    for (const shard of shards) {
      if (!existsSync(shard)) {
        throw new SafetensorsFormatError(
          `shard ${basename(shard)} named in model.safetensors.index.json is missing`,
        );
      }
    }
    return shards;
  }
  const single = join(path, "model.safetensors");
  if (existsSync(single)) return [single];
  throw new SafetensorsFormatError(
    `${path}: no model.safetensors or model.safetensors.index.json (is this a Hugging Face checkpoint folder?)`,
  );
}
