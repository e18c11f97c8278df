import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UserInputError } from "@seekdesk/core";
import type { z } from "zod";
import {
  type Domain,
  domainFileSchema,
  type IntentDefinition,
  intentsFileSchema,
  type KnowledgeArticle,
  tableSchema,
} from "./schema.ts";

/** The demo online shop shipped with seekdesk (`packages/assistant/demo`). */
export const demoDomainDir: string = resolve(dirname(fileURLToPath(import.meta.url)), "../../demo");

function readJson<T>(file: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UserInputError(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join(".") : "";
    throw new UserInputError(`${file}: ${where ? `${where}: ` : ""}${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

function jsonFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => join(dir, f));
}

function readArticles(dir: string): KnowledgeArticle[] {
  const out: KnowledgeArticle[] = [];
  for (const language of ["zh", "en"] as const) {
    const langDir = join(dir, "articles", language);
    if (!existsSync(langDir)) continue;
    for (const f of readdirSync(langDir).sort()) {
      if (!f.endsWith(".md")) continue;
      const path = join(langDir, f);
      const text = readFileSync(path, "utf8");
      const heading = /^#\s+(.+)$/m.exec(text);
      const id = `${language}/${basename(f, ".md")}`;
      out.push({ id, language, title: heading ? heading[1].trim() : id, path, text });
    }
  }
  return out;
}

/** Cross-references zod cannot see: slot names, action names, unique intents, regex syntax. */
function checkReferences(domain: Domain): void {
  const fail = (msg: string): never => {
    throw new UserInputError(`${domain.dir}: ${msg}`);
  };
  const seen = new Set<string>();
  for (const intent of domain.intents) {
    if (seen.has(intent.name)) fail(`intent ${intent.name} is defined twice`);
    seen.add(intent.name);
    for (const slot of intent.slots) {
      if (!domain.slots[slot.name]) fail(`intent ${intent.name} uses the undefined slot ${slot.name}`);
    }
    const action =
      intent.reply.type === "action"
        ? intent.reply.action
        : intent.reply.type === "form"
          ? intent.reply.action
          : undefined;
    if (action !== undefined && !domain.actions[action])
      fail(`intent ${intent.name} uses the undefined action ${action}`);
    if (intent.reply.type === "form" && !intent.reply.action && !intent.reply.template) {
      fail(`form intent ${intent.name} needs an action or a template`);
    }
  }
  for (const [name, def] of Object.entries(domain.slots)) {
    if (def.type === "enum" && (!def.values || Object.keys(def.values).length === 0)) {
      fail(`enum slot ${name} has no values`);
    }
    if (def.type === "regex") {
      if (!def.pattern) fail(`regex slot ${name} has no pattern`);
      try {
        new RegExp(def.pattern ?? "");
      } catch {
        fail(`regex slot ${name} has an invalid pattern`);
      }
    }
  }
  for (const [name, def] of Object.entries(domain.actions)) {
    if (def.handler === "lookup" && !domain.tables[def.table])
      fail(`action ${name} reads the missing table ${def.table}`);
  }
  try {
    new RegExp(domain.orderIdPattern);
  } catch {
    fail("orderIdPattern is not a valid regular expression");
  }
}

/**
 * Reads `domain.json`, `intents/*.json`, `data/*.json` and `articles/{zh,en}/*.md` from a folder
 * and validates them; a problem is reported with its file and field.
 */
export function loadDomain(dir: string): Domain {
  const root = resolve(dir);
  const domainFile = join(root, "domain.json");
  if (!existsSync(domainFile)) throw new UserInputError(`No domain.json in ${root}`);
  const meta = readJson(domainFile, domainFileSchema);
  const intents: IntentDefinition[] = [];
  for (const file of jsonFiles(join(root, "intents")))
    intents.push(...readJson(file, intentsFileSchema).intents);
  const tables: Domain["tables"] = {};
  for (const file of jsonFiles(join(root, "data")))
    tables[basename(file, ".json")] = readJson(file, tableSchema);
  const domain: Domain = { ...meta, dir: root, intents, tables, articles: readArticles(root) };
  if (intents.length === 0) throw new UserInputError(`${root}: no intents (intents/*.json)`);
  checkReferences(domain);
  return domain;
}

/** The training examples of a domain, in the `{text, intent}` shape the intent classifier takes. */
export function domainExamples(domain: Domain): { text: string; intent: string; language: "zh" | "en" }[] {
  const out: { text: string; intent: string; language: "zh" | "en" }[] = [];
  for (const intent of domain.intents) {
    for (const text of intent.examples.zh) out.push({ text, intent: intent.name, language: "zh" });
    for (const text of intent.examples.en) out.push({ text, intent: intent.name, language: "en" });
  }
  return out;
}
