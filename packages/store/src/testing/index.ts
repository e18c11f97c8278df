export * from "./conversation-store-contract.ts";
export * from "./postgres.ts";
