export { augmentExamples, type EdaOptions, edaVariants, joinTokens } from "./eda.ts";
export { SYNONYM_GROUPS, synonymEntryCount, synonymsOf } from "./synonyms.ts";
