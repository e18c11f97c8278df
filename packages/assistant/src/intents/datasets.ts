import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { datasetDir } from "@seekdesk/core";
import type { IntentExample } from "./classifier.ts";
import { IntentFileError, parseIntentCsv } from "./io.ts";

export const INTENT_DATASETS = ["clinc150", "banking77", "smp2017"] as const;
export type IntentDatasetName = (typeof INTENT_DATASETS)[number];

export interface IntentDataset {
  name: IntentDatasetName;
  train: IntentExample[];
  /** A validation split published with the set, used to fit temperature and threshold. */
  heldOut?: IntentExample[];
  test: IntentExample[];
}

const FOLDERS: Record<IntentDatasetName, string> = {
  clinc150: "clinc150",
  banking77: "banking77",
  smp2017: "smp2017-ecdt",
};

function need(path: string): string {
  if (!existsSync(path)) throw new IntentFileError(`data set file not found: ${path}`);
  return readFileSync(path, "utf8");
}

function pairs(value: unknown, key: string): IntentExample[] {
  if (!Array.isArray(value)) throw new IntentFileError(`CLINC150: key "${key}" is missing or not a list`);
  return value.map((row) => {
    if (!Array.isArray(row) || typeof row[0] !== "string" || typeof row[1] !== "string") {
      throw new IntentFileError(`CLINC150: an entry of "${key}" is not [text, intent]`);
    }
    return { text: row[0], intent: row[1] };
  });
}

/**
 * Loads a public intent set from `../shared/datasets` in our shape, following each set's
 * protocol (SOURCE.md): CLINC150 trains on train + oos_train, validates on val + oos_val and
 * tests on test + oos_test; BANKING77 has train and test; SMP2017-ECDT has train and dev
 * (its official test set is not public).
 */
export function loadIntentDataset(name: IntentDatasetName, dir = datasetDir(FOLDERS[name])): IntentDataset {
  if (name === "clinc150") {
    const data = JSON.parse(need(join(dir, "data_full.json"))) as Record<string, unknown>;
    return {
      name,
      train: [...pairs(data.train, "train"), ...pairs(data.oos_train, "oos_train")],
      heldOut: [...pairs(data.val, "val"), ...pairs(data.oos_val, "oos_val")],
      test: [...pairs(data.test, "test"), ...pairs(data.oos_test, "oos_test")],
    };
  }
  if (name === "banking77") {
    const train = join(dir, "train.csv");
    const test = join(dir, "test.csv");
    return { name, train: parseIntentCsv(need(train), train), test: parseIntentCsv(need(test), test) };
  }
  const train = join(dir, "train.csv");
  const dev = join(dir, "dev.csv");
  return { name, train: parseIntentCsv(need(train), train), test: parseIntentCsv(need(dev), dev) };
}
