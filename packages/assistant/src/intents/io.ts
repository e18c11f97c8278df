import { randomBytes } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileErrorText } from "@seekdesk/core";
import { csvRecords } from "@seekdesk/core/csv.ts";
import type { IntentExample } from "./classifier.ts";

export type IntentFileFormat = "csv" | "jsonl";

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines. */
export function parseCsv(text: string): string[][] {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return csvRecords(src).filter((r) => r.length > 1 || r[0] !== "");
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const TEXT_COLUMNS = ["text", "utterance", "sentence", "query"];
const INTENT_COLUMNS = ["intent", "label", "category", "tag"];

export class IntentFileError extends Error {}

export function parseIntentCsv(text: string, source = "input"): IntentExample[] {
  const rows = parseCsv(text);
  if (rows.length === 0) throw new IntentFileError(`${source}: the file is empty`);
  const header = rows[0].map((h) => h.trim().toLowerCase());
  const ti = header.findIndex((h) => TEXT_COLUMNS.includes(h));
  const ii = header.findIndex((h) => INTENT_COLUMNS.includes(h));
  if (ti < 0 || ii < 0) {
    throw new IntentFileError(
      `${source}: the CSV header needs a "text" and an "intent" column (found: ${rows[0].join(",")})`,
    );
  }
  const out: IntentExample[] = [];
  for (let r = 1; r < rows.length; r++) {
    const text = rows[r][ti]?.trim();
    const intent = rows[r][ii]?.trim();
    if (!text || !intent) throw new IntentFileError(`${source}: row ${r + 1} lacks a text or an intent`);
    out.push({ text, intent });
  }
  return out;
}

export function parseIntentJsonl(text: string, source = "input"): IntentExample[] {
  const out: IntentExample[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new IntentFileError(`${source}: line ${n + 1} is not valid JSON`);
    }
    const rec = value as { text?: unknown; intent?: unknown };
    if (
      typeof rec?.text !== "string" ||
      typeof rec.intent !== "string" ||
      !rec.text.trim() ||
      !rec.intent.trim()
    ) {
      throw new IntentFileError(`${source}: line ${n + 1} needs string fields "text" and "intent"`);
    }
    out.push({ text: rec.text.trim(), intent: rec.intent.trim() });
  }
  return out;
}

export function detectIntentFormat(path: string, content: string): IntentFileFormat {
  if (/\.jsonl?$/i.test(path)) return "jsonl";
  if (/\.csv$/i.test(path)) return "csv";
  return content.trimStart().startsWith("{") ? "jsonl" : "csv";
}

export function readIntentFile(path: string, format: IntentFileFormat | "auto" = "auto"): IntentExample[] {
  let content: string;
  try {
    content = readFileSync(path, "utf8");
  } catch (err) {
    throw new IntentFileError(`cannot read ${path}: ${fileErrorText(err)}`);
  }
  const fmt = format === "auto" ? detectIntentFormat(path, content) : format;
  const examples = fmt === "jsonl" ? parseIntentJsonl(content, path) : parseIntentCsv(content, path);
  if (examples.length === 0) throw new IntentFileError(`${path}: no examples`);
  return examples;
}

export function formatIntentFile(examples: IntentExample[], format: IntentFileFormat): string {
  if (format === "jsonl")
    return `${examples.map((e) => JSON.stringify({ text: e.text, intent: e.intent })).join("\n")}\n`;
  return `${["text,intent", ...examples.map((e) => `${csvField(e.text)},${csvField(e.intent)}`)].join("\n")}\n`;
}

/** Written beside the target and renamed, so a reader never sees half a file. */
export function writeIntentFile(path: string, examples: IntentExample[], format: IntentFileFormat): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString("hex")}.tmp`);
  writeFileSync(tmp, formatIntentFile(examples, format));
  renameSync(tmp, path);
}
