export * from "./migrations.ts";
export * from "./sqlite.ts";
