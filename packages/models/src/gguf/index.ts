export * from "./errors.ts";
export * from "./ggml-types.ts";
export * from "./reader.ts";
export * from "./types.ts";
export * from "./writer.ts";
