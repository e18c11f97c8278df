export * from "./conversation-store-contract.ts";
export * from "./pgvector.ts";
export * from "./postgres.ts";
