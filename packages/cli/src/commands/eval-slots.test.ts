import { describe, expect, it } from "vitest";
import { type CliRun, runSeekdesk } from "../testing/run-cli.ts";

function run(args: string[]): Promise<CliRun> {
  return runSeekdesk(args);
}

describe("seekdesk eval slots", () => {
  it("scores CrossWOZ val with names learned from test and prints one JSON object", async () => {
    const r = await run(["eval", "slots", "--dataset", "crosswoz", "--split", "val", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ split: "val", vocabularyFrom: "test", dialogues: 500 });
    expect(result.userTurns).toBeGreaterThan(4000);
    // The typed slots are where rules are strong; names depend on the gazetteer's coverage.
    expect(result.groups.typed.f1).toBeGreaterThan(0.85);
    expect(result.groups.all.precision).toBeGreaterThan(0.8);
  });

  it("rejects an unknown split in one line", async () => {
    const bad = await run(["eval", "slots", "--split", "train"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe("seekdesk: --split: expected test or val, got train");
  });

  it("explains itself with --help", async () => {
    const r = await run(["eval", "slots", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--split <split>");
  });
});
