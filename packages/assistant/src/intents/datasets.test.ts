import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadIntentDataset } from "./datasets.ts";
import { parseCsv, parseIntentJsonl, readIntentFile, writeIntentFile } from "./io.ts";

describe("public intent sets", () => {
  it("loads CLINC150 with its protocol: train + oos_train, val + oos_val, test + oos_test", () => {
    const ds = loadIntentDataset("clinc150");
    expect(ds.train).toHaveLength(15_100);
    expect(ds.heldOut).toHaveLength(3_100);
    expect(ds.test).toHaveLength(5_500);
    expect(ds.test.filter((e) => e.intent === "oos")).toHaveLength(1_000);
    expect(new Set(ds.train.map((e) => e.intent)).size).toBe(151);
  });

  it("loads BANKING77 train and test with quoted CSV fields intact", () => {
    const ds = loadIntentDataset("banking77");
    expect(ds.train).toHaveLength(10_003);
    expect(ds.test).toHaveLength(3_080);
    expect(new Set(ds.train.map((e) => e.intent)).size).toBe(77);
    expect(ds.train.some((e) => e.text.includes(",") && e.text.includes("?"))).toBe(true);
  });

  it("loads SMP2017-ECDT train and dev", () => {
    const ds = loadIntentDataset("smp2017");
    expect(ds.train).toHaveLength(2_299);
    expect(ds.test).toHaveLength(770);
    expect(new Set(ds.train.map((e) => e.intent)).size).toBe(31);
  });
});

describe("intent files", () => {
  it("round-trips CSV and JSONL with commas, quotes and newlines", () => {
    const dir = mkdtempSync(join(tmpdir(), "seekdesk-intent-io-"));
    try {
      const examples = [
        { text: 'He said "hi", then left', intent: "greeting" },
        { text: "两行\n文本", intent: "chat" },
        { text: "plain", intent: "oos" },
      ];
      for (const format of ["csv", "jsonl"] as const) {
        const path = join(dir, `x.${format}`);
        writeIntentFile(path, examples, format);
        expect(readIntentFile(path)).toEqual(examples);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("parses CSV edge cases and names the bad JSONL line", () => {
    expect(parseCsv('a,b\r\n"x,""y""",z\n')).toEqual([
      ["a", "b"],
      ['x,"y"', "z"],
    ]);
    expect(() => parseIntentJsonl('{"text":"a","intent":"b"}\n{"text":1}\n', "f.jsonl")).toThrow(/line 2/);
  });
});
