import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatIntentFile } from "@seekdesk/assistant/intents/io.ts";
import { shopExamples } from "@seekdesk/assistant/intents/testing-data.ts";
import { afterAll, describe, expect, it } from "vitest";
import { type CliRun, runSeekdesk } from "../testing/run-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "seekdesk-eval-intents-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<CliRun> {
  return runSeekdesk(args, { cwd: dir });
}
const evalIntents = (...flags: string[]) => run(["eval", "intents", ...flags]);

// Every fourth example of each intent goes to the test file; the rest train.
const all = shopExamples(true);
const train = all.filter((_, i) => i % 4 !== 0);
const test = all.filter((_, i) => i % 4 === 0);
writeFileSync(join(dir, "train.csv"), formatIntentFile(train, "csv"));
writeFileSync(join(dir, "test.jsonl"), formatIntentFile(test, "jsonl"));
// No extension: the format comes from the content, or from --format.
writeFileSync(join(dir, "test-data"), formatIntentFile(test, "csv"));

describe("seekdesk eval intents", () => {
  it("trains on CSV, tests on JSONL and prints one JSON object with the metrics", async () => {
    const r = await evalIntents(
      "--train",
      "train.csv",
      "--test",
      "test.jsonl",
      "--json",
      "--save",
      "model.json",
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of [
      "accuracy",
      "oos_recall",
      "oos_precision",
      "macro_f1",
      "train_ms",
      "p50_us",
      "p99_us",
    ]) {
      expect(typeof out[key], key).toBe("number");
    }
    expect(out.test).toBe(test.length);
    expect(out.intents).toBe(5);
    expect(out.accuracy as number).toBeGreaterThan(0.6);
    expect(out.macro_f1 as number).toBeGreaterThan(0.5);
    expect(out.p99_us as number).toBeGreaterThanOrEqual(out.p50_us as number);
    const saved = JSON.parse(readFileSync(join(dir, "model.json"), "utf8")) as {
      format: string;
      labels: string[];
    };
    expect(saved.format).toBe("seekdesk.intent-classifier");
    expect(saved.labels).toContain("oos");
  });

  it("prints a readable report with the most confused pairs", async () => {
    const r = await evalIntents("--train", "train.csv", "--test", "test-data", "--format", "csv");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^accuracy +\d+\.\d\d %/m);
    expect(r.stdout).toMatch(/^oos recall +\d+\.\d\d %/m);
    expect(r.stdout).toMatch(/^macro-F1 /m);
    expect(r.stdout).toMatch(/latency +p50 \d+ µs, p99 \d+ µs/);
  });

  it("cross-fits calibration over train + held-out with --cross-fit and says so", async () => {
    // Every third training example is the explicit held-out set.
    writeFileSync(
      join(dir, "fit.csv"),
      formatIntentFile(
        train.filter((_, i) => i % 3 !== 0),
        "csv",
      ),
    );
    writeFileSync(
      join(dir, "held.csv"),
      formatIntentFile(
        train.filter((_, i) => i % 3 === 0),
        "csv",
      ),
    );
    const args = ["--train", "fit.csv", "--held-out", "held.csv", "--test", "test.jsonl"];
    const [json, text] = await Promise.all([
      evalIntents(...args, "--cross-fit", "3", "--eda", "1", "--json"),
      evalIntents(...args, "--cross-fit", "3"),
    ]);
    expect(json.stderr).toBe("");
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(out.cross_fit).toBe(3);
    expect(out.eda_variants).toBe(1);
    expect(out.accuracy as number).toBeGreaterThan(0.6);
    expect(out.threshold as number).toBeGreaterThan(0);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^calibration .*\(cross-fitted, 3 folds\)$/m);
  });

  it("reports bad input in one line and exits non-zero", async () => {
    writeFileSync(join(dir, "bad.csv"), "utterance,label_x\nhello,greeting\n");
    const cases: [string[], RegExp][] = [
      [["--train", "missing.csv", "--test", "test.jsonl"], /cannot read missing\.csv: no such file/],
      [["--train", "bad.csv", "--test", "test.jsonl"], /"intent" column/],
      [["--train", "train.csv"], /--test/],
      [["--dataset", "nope"], /--dataset: expected one of/],
      [["--train", "train.csv", "--test", "test.jsonl", "--format", "xml"], /--format/],
      [["--train", "train.csv", "--test", "test.jsonl", "--cross-fit", "1"], /--cross-fit/],
      [
        ["--train", "train.csv", "--test", "test.jsonl", "--cross-fit", "3", "--refit-on-held-out"],
        /--refit-on-held-out/,
      ],
    ];
    const results = await Promise.all(cases.map(([flags]) => evalIntents(...flags)));
    for (const [i, [flags, message]] of cases.entries()) {
      const r = results[i];
      expect(r.code, `eval intents ${flags.join(" ")}`).not.toBe(0);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });

  it("converts a public set from ../shared/datasets into our files", async () => {
    const r = await run([
      "eval",
      "convert-intents",
      "--dataset",
      "smp2017",
      "--out",
      "smp",
      "--format",
      "csv",
    ]);
    expect(r.code).toBe(0);
    const trainCsv = readFileSync(join(dir, "smp", "train.csv"), "utf8")
      .trim()
      .split("\n");
    expect(trainCsv[0]).toBe("text,intent");
    expect(trainCsv).toHaveLength(2300);
    expect(
      readFileSync(join(dir, "smp", "test.csv"), "utf8")
        .trim()
        .split("\n"),
    ).toHaveLength(771);
  });
});
