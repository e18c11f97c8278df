import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { datasetDir } from "@seekdesk/core";
import { type CrossWozDomain, CrossWozRuleExtractor, type Triple } from "./extractor.ts";
import { unzipToTemp } from "./zip.ts";

export type CrossWozSplit = "val" | "test";

/** One user turn: its text and the `Inform` acts annotated on it. */
export interface CrossWozTurn {
  dialogue: string;
  text: string;
  inform: Triple[];
}

interface RawMessage {
  role: "usr" | "sys";
  content: string;
  dialog_act: [string, string, string, string][];
}

/** A split's JSON as published: dialogue id → its messages. */
export type CrossWozDialogues = Record<string, { messages: RawMessage[] }>;

/** The user turns of each dialogue, with the `Inform` acts annotated on them. */
export function crossWozUserTurns(raw: CrossWozDialogues): CrossWozTurn[][] {
  return Object.entries(raw).map(([id, d]) =>
    d.messages
      .filter((m) => m.role === "usr")
      .map((m) => ({
        dialogue: id,
        text: m.content,
        inform: m.dialog_act
          .filter((a) => a[0] === "Inform")
          .map(([, domain, slot, value]) => ({ domain, slot, value })),
      })),
  );
}

/** The user turns of a split, read from the zip in ../shared (unpacked into a temp folder and removed). */
export function loadCrossWoz(split: CrossWozSplit, dir = datasetDir("crosswoz")): CrossWozTurn[][] {
  const tmp = unzipToTemp(join(dir, `${split}.json.zip`), "seekdesk-crosswoz-");
  try {
    return crossWozUserTurns(
      JSON.parse(readFileSync(join(tmp, `${split}.json`), "utf8")) as CrossWozDialogues,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Slot groups reported separately: what the rules cover without and with a learned gazetteer. */
export function slotGroup(slot: string): "typed" | "route" | "names" | "other" {
  if (/^(人均消费|门票|价格|评分|游玩时间|酒店类型)$/.test(slot) || slot.startsWith("酒店设施-"))
    return "typed";
  if (slot === "出发地" || slot === "目的地") return "route";
  if (slot === "名称" || slot === "推荐菜") return "names";
  return "other";
}

/** The gazetteer and facility list learned from a split's user and system Inform acts. */
export function learnVocabulary(dialogues: CrossWozTurn[][]): {
  gazetteer: Map<string, Set<string>>;
  facilities: Set<string>;
} {
  const gazetteer = new Map<string, Set<string>>();
  const facilities = new Set<string>();
  for (const d of dialogues) {
    for (const t of d) {
      for (const a of t.inform) {
        if (a.slot === "名称" || a.slot === "推荐菜") {
          const set = gazetteer.get(a.value) ?? new Set<string>();
          set.add(`${a.domain}|${a.slot}`);
          gazetteer.set(a.value, set);
        }
        if (a.slot.startsWith("酒店设施-")) facilities.add(a.slot.slice("酒店设施-".length));
      }
    }
  }
  return { gazetteer, facilities };
}

export interface Prf {
  precision: number;
  recall: number;
  f1: number;
  tp: number;
  fp: number;
  fn: number;
}

function prf(tp: number, fp: number, fn: number): Prf {
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, tp, fp, fn };
}

export interface CrossWozEvaluation {
  split: CrossWozSplit;
  vocabularyFrom: CrossWozSplit;
  dialogues: number;
  userTurns: number;
  /** Micro P/R/F1 per slot group, and over the groups the rules cover ("covered") and all Inform acts ("all"). */
  groups: Record<"typed" | "route" | "names" | "covered" | "all", Prf>;
  msPerTurn: number;
}

/**
 * Scores predicted `(domain, slot, value)` triples against each user turn's `Inform` acts, as
 * SOURCE.md asks. Names and dishes come from a gazetteer learned on the other split, so the
 * split under test is never looked at to build the extractor.
 */
export function evaluateCrossWoz(
  test: CrossWozTurn[][],
  vocabulary: CrossWozTurn[][],
  split: CrossWozSplit,
  vocabularyFrom: CrossWozSplit,
): CrossWozEvaluation {
  const { gazetteer, facilities } = learnVocabulary(vocabulary);
  const extractor = new CrossWozRuleExtractor(gazetteer, facilities);
  const counts = { typed: [0, 0, 0], route: [0, 0, 0], names: [0, 0, 0], other: [0, 0, 0] };
  let turns = 0;
  const started = performance.now();
  for (const dialogue of test) {
    let current: CrossWozDomain | null = null;
    for (const turn of dialogue) {
      turns++;
      const predicted = extractor.extract(turn.text, current);
      current = CrossWozRuleExtractor.domainOf(turn.text) ?? current;
      const key = (t: Triple) => `${t.domain}|${t.slot}|${t.value}`;
      const gold = new Set(turn.inform.map(key));
      const pred = new Set(predicted.map(key));
      for (const p of pred) {
        const group = slotGroup(p.split("|")[1]);
        if (gold.has(p)) counts[group][0]++;
        else counts[group][1]++;
      }
      for (const g of gold) if (!pred.has(g)) counts[slotGroup(g.split("|")[1])][2]++;
    }
  }
  const msPerTurn = (performance.now() - started) / Math.max(1, turns);
  const sum = (groups: (keyof typeof counts)[]) =>
    prf(
      groups.reduce((s, g) => s + counts[g][0], 0),
      groups.reduce((s, g) => s + counts[g][1], 0),
      groups.reduce((s, g) => s + counts[g][2], 0),
    );
  return {
    split,
    vocabularyFrom,
    dialogues: test.length,
    userTurns: turns,
    groups: {
      typed: sum(["typed"]),
      route: sum(["route"]),
      names: sum(["names"]),
      covered: sum(["typed", "route", "names"]),
      all: sum(["typed", "route", "names", "other"]),
    },
    msPerTurn,
  };
}
