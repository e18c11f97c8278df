export {
  chooseTensorType,
  fileTypeFor,
  isQuantizable,
  parseQuantType,
  QUANT_TYPE_NAMES,
  type QuantModelInfo,
  quantTypeName,
} from "./choose-type.ts";
export { CODEC_TYPES, dequantizeRows, quantizeRows } from "./codec.ts";
export { type ErrorStats, errorStats, symmetricInt8Error } from "./error-stats.ts";
export { bf16ToFp32, fp16ToFp32, fp32ToBf16, fp32ToFp16 } from "./half.ts";
export { defaultQuantizeThreads, quantizeRowsParallel } from "./parallel.ts";
export {
  type QuantizeGgufOptions,
  type QuantizeGgufResult,
  type QuantizeProgress,
  quantizeGguf,
  type TensorQuantReport,
} from "./quantize-gguf.ts";
