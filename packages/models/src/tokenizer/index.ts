export * from "./gguf-vocab.ts";
export * from "./hf-files.ts";
export * from "./pre-identity.ts";
