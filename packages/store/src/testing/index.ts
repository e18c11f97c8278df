export * from "./account-repository-contract.ts";
export * from "./api-key-repository-contract.ts";
export * from "./conversation-store-contract.ts";
export * from "./desk-admin-repository-contract.ts";
export * from "./feedback-repository-contract.ts";
export * from "./pgvector.ts";
export * from "./postgres.ts";
