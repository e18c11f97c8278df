export * from "./gguf/index.ts";
export * from "./safetensors/index.ts";
