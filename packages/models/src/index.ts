export * from "./gguf/index.ts";
export * from "./safetensors/index.ts";
export * from "./quant/index.ts";
