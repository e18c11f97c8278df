export * from "./server/accounts.ts";
export * from "./server/plugin.ts";
export * from "./server/roles.ts";
