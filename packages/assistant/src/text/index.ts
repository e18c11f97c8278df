export { detectLanguage, hasHan, isHanChar, normalizeText } from "./normalize.ts";
export { seededRandom, shuffleInPlace } from "./random.ts";
export { jieba, stem, type Token, type TokenKind, tokenize, words } from "./tokenize.ts";
