export * from "./openai-asr.ts";
export * from "./pocketsphinx-asr.ts";
export * from "./tesseract-ocr.ts";
export * from "./types.ts";
