export * from "./migrations.ts";
export * from "./postgres/conversation-store.ts";
export * from "./postgres/migrate.ts";
export * from "./repositories/rows.ts";
export * from "./repositories/types.ts";
export * from "./sqlite.ts";
export * from "./sqlite-repos/conversation-store.ts";
export * from "./sqlite-repos/schema.ts";
