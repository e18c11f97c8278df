export * from "./convert/index.ts";
export * from "./gguf/index.ts";
export * from "./inspect/index.ts";
export * from "./quant/index.ts";
export * from "./safetensors/index.ts";
export * from "./testing/fixture-gguf.ts";
export * from "./tokenizer/index.ts";
