import {
  type CrossWozSplit,
  evaluateCrossWoz,
  loadCrossWoz,
} from "@seekdesk/assistant/slots/crosswoz/evaluate.ts";
import { UserInputError } from "@seekdesk/core";
import type { Command } from "commander";

interface EvalSlotsFlags {
  dataset: string;
  split: string;
  json?: boolean;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** `seekdesk eval slots`: rule slot extraction against CrossWOZ's user Inform acts. */
export function registerEvalSlots(evalCmd: Command): void {
  evalCmd
    .command("slots")
    .description(
      "Measure rule-based slot extraction on CrossWOZ user turns: precision, recall and F1 of (domain, slot, value) against the Inform acts",
    )
    .option("--dataset <name>", "data set under ../shared/datasets (only crosswoz)", "crosswoz")
    .option("--split <split>", "split to score: test or val; names are learned from the other split", "test")
    .option("--json", "print one JSON object instead of a table")
    .action((flags: EvalSlotsFlags) => {
      if (flags.dataset !== "crosswoz")
        throw new UserInputError(`--dataset: expected crosswoz, got ${flags.dataset}`);
      if (flags.split !== "test" && flags.split !== "val")
        throw new UserInputError(`--split: expected test or val, got ${flags.split}`);
      const split = flags.split as CrossWozSplit;
      const other: CrossWozSplit = split === "test" ? "val" : "test";
      let test: ReturnType<typeof loadCrossWoz>;
      let vocabulary: ReturnType<typeof loadCrossWoz>;
      try {
        test = loadCrossWoz(split);
        vocabulary = loadCrossWoz(other);
      } catch (err) {
        throw new UserInputError(
          `Could not read CrossWOZ: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      const result = evaluateCrossWoz(test, vocabulary, split, other);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      const rows = Object.entries(result.groups).map(([group, r]) =>
        [
          group.padEnd(8),
          pct(r.precision).padStart(9),
          pct(r.recall).padStart(7),
          pct(r.f1).padStart(7),
          String(r.tp + r.fn).padStart(6),
        ].join("  "),
      );
      process.stdout.write(
        [
          `CrossWOZ ${split}: ${result.dialogues} dialogues, ${result.userTurns} user turns; names learned from ${other}`,
          `${"group".padEnd(8)}  precision  recall      F1    gold`,
          ...rows,
          `${result.msPerTurn.toFixed(3)} ms per turn`,
          "",
        ].join("\n"),
      );
    });
}
