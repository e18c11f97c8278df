export { initialDialogueState } from "./dialogue/state.ts";
export { demoDomainDir, domainExamples, loadDomain } from "./domain/load.ts";
export * from "./domain/schema.ts";
export * from "./types.ts";
