import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { UserInputError } from "@seekdesk/core";
import {
  type ConversationForExport,
  cleanRecords,
  deduplicate,
  exportTrainingData,
  pairsFromConversations,
  parserFor,
  type QaPair,
} from "@seekdesk/knowledge";
import type { Command } from "commander";
import { integerFlag, numberFlag } from "./option-parsers.ts";

/** Writes beside the target and renames, so a reader never sees half a file. */
function writeAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

function readLines(file: string): unknown[] {
  if (!existsSync(file)) throw new UserInputError(`no such file: ${file}`);
  return readFileSync(file, "utf8")
    .split("\n")
    .map((l, i) => {
      if (!l.trim()) return undefined;
      try {
        return JSON.parse(l);
      } catch {
        throw new UserInputError(`${file}:${i + 1}: not valid JSON`);
      }
    })
    .filter((v) => v !== undefined);
}

/** FAQ pairs from CSV/TSV/XLSX (question and answer columns) or JSONL {"question","answer"}. */
async function readFaq(file: string): Promise<QaPair[]> {
  if (!existsSync(file)) throw new UserInputError(`no such file: ${file}`);
  const parser = parserFor(file, undefined);
  if (!parser || !["csv", "xlsx", "jsonl"].includes(parser.name))
    throw new UserInputError(`${file}: FAQ files are CSV, TSV, XLSX or JSONL`);
  let docs: Awaited<ReturnType<typeof parser.parse>>;
  try {
    docs = await parser.parse(readFileSync(file), { name: file });
  } catch (err) {
    throw new UserInputError(`${file}: ${(err as Error).message}`);
  }
  return docs.flatMap((d) =>
    d.blocks.flatMap((b) =>
      b.kind === "faq" ? [{ question: b.question, answer: b.answer, source: file }] : [],
    ),
  );
}

function evalTexts(files: string[]): string[] {
  return files.flatMap((f) =>
    readLines(f).flatMap((v) => {
      const r = v as Record<string, unknown>;
      const t = r.query ?? r.text ?? r.question;
      return typeof t === "string" ? [t] : [];
    }),
  );
}

export function registerData(program: Command): void {
  const data = program
    .command("data")
    .description("Prepare data: clean, deduplicate, and export fine-tuning sets");

  data
    .command("export")
    .description(
      "Export fine-tuning data (JSONL) from FAQ pairs and resolved conversations, split into train and validation",
    )
    .option(
      "--faq <files...>",
      "FAQ files: CSV/TSV/XLSX with question and answer columns, or JSONL {question, answer}",
    )
    .option(
      "--conversations <jsonl>",
      'conversations, one {"id","status","messages":[{"role","text"}]} per line; only resolved ones are used',
    )
    .option("--format <format>", 'prompt ("问题:{q}\\n答案:" + completion) or chat (messages)', "prompt")
    .option("--out <dir>", "output folder for train.jsonl and validation.jsonl", "export")
    .option("--validation <share>", "share held out for validation", numberFlag("validation", 0, 1), 0.1)
    .option(
      "--eval <jsonl...>",
      "evaluation sets (query/text/question fields): near duplicates of these are removed",
    )
    .option("--system <prompt>", "system message for the chat format")
    .action(
      async (flags: {
        faq?: string[];
        conversations?: string;
        format: string;
        out: string;
        validation: number;
        eval?: string[];
        system?: string;
      }) => {
        if (flags.format !== "prompt" && flags.format !== "chat")
          throw new UserInputError(`--format: expected prompt or chat, got ${flags.format}`);
        if (!(flags.validation >= 0 && flags.validation < 1))
          throw new UserInputError("--validation: expected a share from 0 to below 1");
        if (!flags.faq?.length && !flags.conversations)
          throw new UserInputError("give --faq and/or --conversations");
        const pairs: QaPair[] = [];
        for (const f of flags.faq ?? []) pairs.push(...(await readFaq(f)));
        if (flags.conversations)
          pairs.push(...pairsFromConversations(readLines(flags.conversations) as ConversationForExport[]));
        const r = exportTrainingData(pairs, {
          format: flags.format,
          validationShare: flags.validation,
          evalTexts: evalTexts(flags.eval ?? []),
          systemPrompt: flags.system,
        });
        writeAtomic(join(flags.out, "train.jsonl"), r.train.map((l) => `${l}\n`).join(""));
        writeAtomic(join(flags.out, "validation.jsonl"), r.validation.map((l) => `${l}\n`).join(""));
        process.stdout.write(
          `${pairs.length} pairs read; train ${r.train.length}, validation ${r.validation.length}; removed ${r.removedAsDuplicate} duplicates and ${r.removedAsEvalNearDuplicate} near duplicates of evaluation queries\n`,
        );
      },
    );

  data
    .command("clean")
    .description(
      "Clean JSONL {id,text} records in five reported stages: normalise, heuristics, PII, quality, domain",
    )
    .requiredOption("--in <jsonl>", "input records")
    .requiredOption("--out <jsonl>", "kept records")
    .option("--pii <action>", "mask, drop or keep", "mask")
    .option("--simplified", "convert traditional Chinese to simplified")
    .option("--reference <jsonl>", "in-domain reference texts (stage 5 runs only with them)")
    .option("--min-domain <x>", "minimum domain similarity", numberFlag("min-domain", 0, 1), 0.7)
    .option("--json", "print the stage report as JSON")
    .action(
      (flags: {
        in: string;
        out: string;
        pii: string;
        simplified?: boolean;
        reference?: string;
        minDomain: number;
        json?: boolean;
      }) => {
        if (!["mask", "drop", "keep"].includes(flags.pii))
          throw new UserInputError(`--pii: expected mask, drop or keep, got ${flags.pii}`);
        const records = readLines(flags.in).map((v, i) => {
          const r = v as Record<string, unknown>;
          return {
            id: typeof r.id === "string" ? r.id : String(i + 1),
            text: typeof r.text === "string" ? r.text : "",
          };
        });
        const reference = flags.reference ? evalTexts([flags.reference]) : undefined;
        const r = cleanRecords(records, {
          pii: flags.pii as "mask",
          toSimplified: flags.simplified,
          reference,
          minDomainSimilarity: flags.minDomain,
        });
        writeAtomic(flags.out, r.kept.map((k) => `${JSON.stringify(k)}\n`).join(""));
        if (flags.json) process.stdout.write(`${JSON.stringify(r.stages, null, 2)}\n`);
        else
          for (const s of r.stages)
            process.stdout.write(
              `${s.stage.padEnd(11)} in ${s.input}  kept ${s.kept}  dropped ${s.dropped}${
                Object.keys(s.reasons).length
                  ? `  (${Object.entries(s.reasons)
                      .map(([k, n]) => `${k}: ${n}`)
                      .join(", ")})`
                  : ""
              }\n`,
            );
      },
    );

  data
    .command("dedup")
    .description(
      "Remove exact and near duplicates (64-bit SimHash, Hamming distance) from JSONL {id,text}; print clusters",
    )
    .requiredOption("--in <jsonl>", "input records")
    .option("--out <jsonl>", "kept records")
    .option(
      "--max-distance <bits>",
      "Hamming distance for near duplicates (0–3 exact with the banded index)",
      integerFlag("max-distance", 0, 64),
      3,
    )
    .option("--json", "print the clusters as JSON")
    .action((flags: { in: string; out?: string; maxDistance: number; json?: boolean }) => {
      const records = readLines(flags.in).map((v, i) => {
        const r = v as Record<string, unknown>;
        return {
          id: typeof r.id === "string" ? r.id : String(i + 1),
          text: typeof r.text === "string" ? r.text : "",
        };
      });
      const r = deduplicate(records, { maxDistance: flags.maxDistance });
      if (flags.out) {
        const keep = new Set(r.kept);
        writeAtomic(
          flags.out,
          records
            .filter((x) => keep.has(x.id))
            .map((x) => `${JSON.stringify(x)}\n`)
            .join(""),
        );
      }
      if (flags.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      else {
        process.stdout.write(
          `${r.total} records: kept ${r.kept.length}, exact duplicates ${r.exactDuplicates}, near duplicates ${r.nearDuplicates}, ${r.clusters.length} clusters\n`,
        );
        for (const c of r.clusters.slice(0, 20))
          process.stdout.write(
            `  ${c.keep} ← ${c.duplicates.map((d) => `${d.id}${d.kind === "near" ? `~${d.distance}` : ""}`).join(", ")}\n`,
          );
      }
    });
}
