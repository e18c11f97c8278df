/**
 * ggml tensor types as numbered in ggml.h (`enum ggml_type`) and their block geometry
 * (`ggml_type_traits`): `blockSize` elements are stored in `typeSize` bytes.
 */
export enum GgmlType {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  BF16 = 30,
}

export interface GgmlTypeInfo {
  name: string;
  blockSize: number;
  typeSize: number;
}

/** QK_K: the super-block size of the k-quants. */
export const QK_K = 256;

export const GGML_TYPE_INFO: Readonly<Record<number, GgmlTypeInfo>> = {
  [GgmlType.F32]: { name: "F32", blockSize: 1, typeSize: 4 },
  [GgmlType.F16]: { name: "F16", blockSize: 1, typeSize: 2 },
  [GgmlType.BF16]: { name: "BF16", blockSize: 1, typeSize: 2 },
  [GgmlType.F64]: { name: "F64", blockSize: 1, typeSize: 8 },
  [GgmlType.I8]: { name: "I8", blockSize: 1, typeSize: 1 },
  [GgmlType.I16]: { name: "I16", blockSize: 1, typeSize: 2 },
  [GgmlType.I32]: { name: "I32", blockSize: 1, typeSize: 4 },
  [GgmlType.I64]: { name: "I64", blockSize: 1, typeSize: 8 },
  [GgmlType.Q4_0]: { name: "Q4_0", blockSize: 32, typeSize: 2 + 16 },
  [GgmlType.Q4_1]: { name: "Q4_1", blockSize: 32, typeSize: 2 + 2 + 16 },
  [GgmlType.Q5_0]: { name: "Q5_0", blockSize: 32, typeSize: 2 + 4 + 16 },
  [GgmlType.Q5_1]: { name: "Q5_1", blockSize: 32, typeSize: 2 + 2 + 4 + 16 },
  [GgmlType.Q8_0]: { name: "Q8_0", blockSize: 32, typeSize: 2 + 32 },
  [GgmlType.Q8_1]: { name: "Q8_1", blockSize: 32, typeSize: 4 + 4 + 32 },
  [GgmlType.Q2_K]: { name: "Q2_K", blockSize: QK_K, typeSize: QK_K / 16 + QK_K / 4 + 2 + 2 },
  [GgmlType.Q3_K]: { name: "Q3_K", blockSize: QK_K, typeSize: QK_K / 8 + QK_K / 4 + 12 + 2 },
  [GgmlType.Q4_K]: { name: "Q4_K", blockSize: QK_K, typeSize: 2 + 2 + 12 + QK_K / 2 },
  [GgmlType.Q5_K]: { name: "Q5_K", blockSize: QK_K, typeSize: 2 + 2 + 12 + QK_K / 8 + QK_K / 2 },
  [GgmlType.Q6_K]: { name: "Q6_K", blockSize: QK_K, typeSize: QK_K / 2 + QK_K / 4 + QK_K / 16 + 2 },
  [GgmlType.Q8_K]: { name: "Q8_K", blockSize: QK_K, typeSize: 4 + QK_K + (QK_K / 16) * 2 },
};

export function ggmlTypeInfo(type: GgmlType): GgmlTypeInfo {
  const info = GGML_TYPE_INFO[type];
  if (!info) throw new Error(`unknown ggml type ${type}`);
  return info;
}

/** Bytes needed for `elements` values of `type`; `elements` must be a whole number of blocks. */
export function ggmlByteSize(type: GgmlType, elements: number): number {
  const { blockSize, typeSize } = ggmlTypeInfo(type);
  if (elements % blockSize !== 0) {
    throw new Error(`${elements} elements are not a whole number of ${ggmlTypeInfo(type).name} blocks`);
  }
  return (elements / blockSize) * typeSize;
}
