import { open, rename, rm } from "node:fs/promises";
import { SAFETENSORS_DTYPE_SIZE, type SafetensorsDtype } from "./dtypes.ts";

export interface SafetensorsTensorInput {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  data: Uint8Array;
}

/**
 * Writes one safetensors file (header, then tensors back to back), through a temporary file so a
 * crash never leaves a truncated checkpoint. Small by design: tests use it to build sharded and
 * F8 checkpoints; conversion never writes safetensors.
 */
export async function writeSafetensors(
  path: string,
  tensors: SafetensorsTensorInput[],
  metadata: Record<string, string> = {},
): Promise<void> {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const need = t.shape.reduce((a, b) => a * b, 1) * SAFETENSORS_DTYPE_SIZE[t.dtype];
    if (need !== t.data.byteLength) {
      throw new Error(`${t.name}: ${t.data.byteLength} bytes given, [${t.shape}] ${t.dtype} needs ${need}`);
    }
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + need] };
    offset += need;
  }
  let json = Buffer.from(JSON.stringify(header), "utf8");
  // The format asks for the data to start 8-byte aligned; pad the JSON with spaces.
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const tmp = `${path}.tmp-${process.pid}`;
  const handle = await open(tmp, "w");
  try {
    await handle.write(len);
    await handle.write(json);
    for (const t of tensors) await handle.write(t.data);
    await handle.close();
    await rename(tmp, path);
  } catch (err) {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
}
