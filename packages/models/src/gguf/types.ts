import type { GgmlType } from "./ggml-types.ts";

/** `enum gguf_type` from gguf.h: the type tag written before every metadata value. */
export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

export type GgufNumberType =
  | GgufValueType.UINT8
  | GgufValueType.INT8
  | GgufValueType.UINT16
  | GgufValueType.INT16
  | GgufValueType.UINT32
  | GgufValueType.INT32
  | GgufValueType.FLOAT32
  | GgufValueType.FLOAT64;

export type GgufBigIntType = GgufValueType.UINT64 | GgufValueType.INT64;

export interface GgufArray {
  type: GgufValueType.ARRAY;
  itemType: GgufValueType;
  /** Items of `itemType`; for nested arrays each item is itself a `GgufArray`. */
  value: Array<number | bigint | boolean | string | GgufArray>;
}

/** A metadata value with its wire type, so a file reads back and writes out unchanged. */
export type GgufValue =
  | { type: GgufNumberType; value: number }
  | { type: GgufBigIntType; value: bigint }
  | { type: GgufValueType.BOOL; value: boolean }
  | { type: GgufValueType.STRING; value: string }
  | GgufArray;

export interface GgufTensorInfo {
  name: string;
  /** ggml order: dims[0] is the contiguous (row) dimension, the reverse of PyTorch's shape. */
  dims: number[];
  type: GgmlType;
  /** Offset from the start of the tensor data section. */
  offset: number;
}

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Shorthands for building metadata. */
export const gv = {
  u8: (value: number): GgufValue => ({ type: GgufValueType.UINT8, value }),
  i8: (value: number): GgufValue => ({ type: GgufValueType.INT8, value }),
  u16: (value: number): GgufValue => ({ type: GgufValueType.UINT16, value }),
  i16: (value: number): GgufValue => ({ type: GgufValueType.INT16, value }),
  u32: (value: number): GgufValue => ({ type: GgufValueType.UINT32, value }),
  i32: (value: number): GgufValue => ({ type: GgufValueType.INT32, value }),
  f32: (value: number): GgufValue => ({ type: GgufValueType.FLOAT32, value }),
  f64: (value: number): GgufValue => ({ type: GgufValueType.FLOAT64, value }),
  u64: (value: bigint | number): GgufValue => ({ type: GgufValueType.UINT64, value: BigInt(value) }),
  i64: (value: bigint | number): GgufValue => ({ type: GgufValueType.INT64, value: BigInt(value) }),
  bool: (value: boolean): GgufValue => ({ type: GgufValueType.BOOL, value }),
  str: (value: string): GgufValue => ({ type: GgufValueType.STRING, value }),
  arr: (itemType: GgufValueType, value: GgufArray["value"]): GgufArray => ({
    type: GgufValueType.ARRAY,
    itemType,
    value,
  }),
};

/** The plain JavaScript value of a metadata entry (arrays become plain arrays, recursively). */
export function plainValue(v: GgufValue): unknown {
  if (v.type === GgufValueType.ARRAY) {
    return v.value.map((item) =>
      typeof item === "object" && item !== null ? plainValue(item as GgufArray) : item,
    );
  }
  return v.value;
}
