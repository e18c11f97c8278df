export * from "./backend.ts";
export * from "./chat.ts";
export * from "./config.ts";
export * from "./entities/index.ts";
export * from "./errors.ts";
export * from "./ids.ts";
export * from "./paths.ts";
export * from "./retrieval.ts";
