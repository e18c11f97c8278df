export { parseChineseNumber, parseNumberToken } from "./chinese-numerals.ts";
export {
  DEFAULT_ORDER_ID_PATTERN,
  extractEntities,
  formatEntity,
  normalizeEntitiesInText,
} from "./extract.ts";
export { lookupPlace } from "./places.ts";
export type { Entity, EntityKind, EntityOf, EntityOptions, PlaceValue } from "./types.ts";
