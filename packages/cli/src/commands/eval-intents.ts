import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  INTENT_DATASETS,
  type IntentDatasetName,
  loadIntentDataset,
} from "@seekdesk/assistant/intents/datasets.ts";
import { evaluateIntents, type IntentEvaluation } from "@seekdesk/assistant/intents/evaluate.ts";
import {
  type IntentClassifier,
  type IntentExample,
  type TrainIntentOptions,
  trainIntentClassifier,
} from "@seekdesk/assistant/intents/index.ts";
import {
  IntentFileError,
  type IntentFileFormat,
  readIntentFile,
  writeIntentFile,
} from "@seekdesk/assistant/intents/io.ts";
import { UserInputError } from "@seekdesk/core";
import type { Command } from "commander";
import { integerFlag, numberFlag } from "./option-parsers.ts";

interface EvalIntentFlags {
  train?: string;
  test?: string;
  heldOut?: string;
  dataset?: string;
  format: string;
  oosLabel: string;
  targetOosRecall?: number;
  seed: number;
  refitOnHeldOut?: boolean;
  crossFit?: number;
  eda?: number;
  save?: string;
  json?: boolean;
}

function parseFormat(value: string, allowAuto: boolean): IntentFileFormat | "auto" {
  if (value === "csv" || value === "jsonl" || (allowAuto && value === "auto")) return value;
  throw new UserInputError(
    `--format: expected ${allowAuto ? "auto, csv or jsonl" : "csv or jsonl"}, got ${value}`,
  );
}

function parseDataset(value: string): IntentDatasetName {
  if ((INTENT_DATASETS as readonly string[]).includes(value)) return value as IntentDatasetName;
  throw new UserInputError(`--dataset: expected one of ${INTENT_DATASETS.join(", ")}, got ${value}`);
}

/** File and data set errors are the user's to fix: one line, no stack. */
function userErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof IntentFileError) throw new UserInputError(err.message);
    throw err;
  }
}

interface Loaded {
  train: IntentExample[];
  heldOut?: IntentExample[];
  test: IntentExample[];
  source: string;
}

function loadInputs(flags: EvalIntentFlags): Loaded {
  const format = parseFormat(flags.format, true);
  if (flags.dataset) {
    if (flags.train || flags.test)
      throw new UserInputError("--dataset replaces --train and --test; give one or the other");
    const ds = userErrors(() => loadIntentDataset(parseDataset(flags.dataset ?? "")));
    return { ...ds, source: ds.name };
  }
  if (!flags.train || !flags.test) {
    throw new UserInputError(
      "give --train <file> and --test <file>, or --dataset clinc150|banking77|smp2017",
    );
  }
  const train = userErrors(() => readIntentFile(flags.train ?? "", format));
  const test = userErrors(() => readIntentFile(flags.test ?? "", format));
  const heldOut = flags.heldOut ? userErrors(() => readIntentFile(flags.heldOut ?? "", format)) : undefined;
  return { train, test, heldOut, source: `${flags.train} → ${flags.test}` };
}

function pct(v: number | null): string {
  return v === null ? "n/a" : `${(v * 100).toFixed(2)} %`;
}

function printReport(
  loaded: Loaded,
  clf: IntentClassifier,
  result: IntentEvaluation,
  trainMs: number,
  crossFit?: number,
): void {
  const lines = [
    `data          ${loaded.source}: ${clf.intents.length} intents, ${loaded.train.length} train, ${loaded.test.length} test`,
    `accuracy      ${pct(result.accuracy)}  (in scope, ${result.in_scope} utterances)`,
    `top-1         ${pct(result.top1_accuracy)}  (closed set: rejection ignored)`,
    `oos recall    ${pct(result.oos_recall)}  (${result.oos} out-of-scope utterances)`,
    `oos precision ${pct(result.oos_precision)}`,
    `macro-F1      ${pct(result.macro_f1)}`,
    `train time    ${(trainMs / 1000).toFixed(2)} s`,
    `latency       p50 ${result.p50_us.toFixed(0)} µs, p99 ${result.p99_us.toFixed(0)} µs per utterance`,
    `calibration   temperature ${clf.temperature.toFixed(3)}, oos threshold ${clf.threshold.toFixed(3)}${
      crossFit ? ` (cross-fitted, ${crossFit} folds)` : ""
    }`,
  ];
  if (result.confused.length) {
    lines.push("most confused (gold → predicted, count)");
    for (const c of result.confused) lines.push(`  ${c.gold} → ${c.predicted}  ${c.count}`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

function saveClassifier(path: string, clf: IntentClassifier): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(clf));
  renameSync(tmp, path);
}

export function registerEvalIntents(evalCmd: Command): void {
  evalCmd
    .command("intents")
    .description(
      "Train the intent classifier on labelled utterances and evaluate it: in-scope accuracy, out-of-scope recall and precision, macro-F1, confusions, train time and latency",
    )
    .option("--train <file>", 'training utterances: CSV with text,intent columns or JSONL {"text","intent"}')
    .option("--test <file>", 'test utterances, same format; intent "oos" marks out of scope')
    .option(
      "--held-out <file>",
      "validation utterances for calibration and the OOS threshold (default: 20 % of --train)",
    )
    .option(
      "--dataset <name>",
      `a public set from ../shared/datasets with its protocol: ${INTENT_DATASETS.join(", ")}`,
    )
    .option("--format <format>", "file format: auto (by extension or content), csv or jsonl", "auto")
    .option("--oos-label <label>", "the intent that marks out-of-scope utterances", "oos")
    .option(
      "--target-oos-recall <r>",
      "held-out OOS recall the rejection threshold aims for (default 0.75)",
      numberFlag("target-oos-recall", 0, 1, { minExcluded: true }),
    )
    .option(
      "--refit-on-held-out",
      "after calibrating on the held-out set, train the final model on train + held-out (CLINC150: train + val)",
    )
    .option(
      "--cross-fit <k>",
      "train on train + held-out (CLINC150: train + val) and fit temperature and OOS threshold on out-of-fold scores from k stratified folds (k + 1 trainings; a deviation from a train/val protocol)",
      integerFlag("cross-fit", 2),
    )
    .option(
      "--eda <n>",
      "add n EDA variants of each in-scope training utterance to every model trained (not to calibration data)",
      integerFlag("eda", 0),
    )
    .option("--seed <n>", "random seed for the split and training", integerFlag("seed", 0), 1)
    .option("--save <file>", "also write the trained classifier as JSON")
    .option("--json", "print one JSON object")
    .action((flags: EvalIntentFlags) => {
      const loaded = loadInputs(flags);
      const opts: TrainIntentOptions = {
        oosLabel: flags.oosLabel,
        seed: flags.seed,
        heldOut: loaded.heldOut,
        targetOosRecall: flags.targetOosRecall,
        refitOnHeldOut: flags.refitOnHeldOut,
        crossFit: flags.crossFit,
        edaVariants: flags.eda,
      };
      if (flags.crossFit !== undefined && flags.refitOnHeldOut)
        throw new UserInputError("--cross-fit already trains on the held-out set; drop --refit-on-held-out");
      // Large sets train for tens of seconds; say so on a terminal, stay quiet in pipes and CI.
      if (process.stderr.isTTY) process.stderr.write(`training on ${loaded.train.length} utterances…\n`);
      const start = process.hrtime.bigint();
      let clf: IntentClassifier;
      try {
        clf = trainIntentClassifier(loaded.train, opts);
      } catch (err) {
        throw new UserInputError(err instanceof Error ? err.message : String(err));
      }
      const trainMs = Number(process.hrtime.bigint() - start) / 1e6;
      const result = evaluateIntents(clf, loaded.test, flags.oosLabel);
      if (flags.save) saveClassifier(flags.save, clf);
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({
            data: loaded.source,
            intents: clf.intents.length,
            train: loaded.train.length,
            test: loaded.test.length,
            ...result,
            train_ms: Math.round(trainMs),
            temperature: clf.temperature,
            threshold: clf.threshold,
            // Which data the threshold was fitted on: null for held-out (or a split), else the folds.
            cross_fit: flags.crossFit ?? null,
            eda_variants: flags.eda ?? 0,
          })}\n`,
        );
      } else printReport(loaded, clf, result, trainMs, flags.crossFit);
    });

  evalCmd
    .command("convert-intents")
    .description(
      "Write a public intent set from ../shared/datasets as our CSV or JSONL files (train, val when published, test)",
    )
    .requiredOption("--dataset <name>", INTENT_DATASETS.join(", "))
    .requiredOption("--out <dir>", "folder to write train, val and test files into (created if missing)")
    .option("--format <format>", "csv or jsonl", "jsonl")
    .action((flags: { dataset: string; out: string; format: string }) => {
      const format = parseFormat(flags.format, false) as IntentFileFormat;
      const ds = userErrors(() => loadIntentDataset(parseDataset(flags.dataset)));
      mkdirSync(flags.out, { recursive: true });
      const parts: [string, IntentExample[] | undefined][] = [
        ["train", ds.train],
        ["val", ds.heldOut],
        ["test", ds.test],
      ];
      for (const [part, examples] of parts) {
        if (!examples) continue;
        const path = join(flags.out, `${part}.${format}`);
        writeIntentFile(path, examples, format);
        process.stdout.write(`${path}\t${examples.length}\n`);
      }
    });
}
