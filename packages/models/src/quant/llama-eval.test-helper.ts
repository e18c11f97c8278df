import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fixtureModelDir } from "@seekdesk/core";
import { getLlama, type Llama, type LlamaModel, type Token } from "node-llama-cpp";

/** Test support: evaluate a GGUF in the llama.cpp that node-llama-cpp ships, against reference.json. */
export interface ReferenceCase {
  input_ids: number[];
  top10_ids: number[][];
  top10_logits: number[][];
}

export function loadReference(name: string): ReferenceCase[] {
  return (
    JSON.parse(readFileSync(join(fixtureModelDir(name as "llama"), "reference.json"), "utf8")) as {
      cases: ReferenceCase[];
    }
  ).cases;
}

let llama: Promise<Llama> | undefined;
export async function loadGgufModel(path: string): Promise<LlamaModel> {
  llama ??= getLlama({ gpu: false });
  return (await llama).loadModel({ modelPath: path });
}

export interface PositionCheck {
  caseIndex: number;
  position: number;
  refTop1: number;
  ourTop1: number;
  refMargin: number;
  /** Largest |ours - reference| over the reference top-10 logits, after removing the per-position log-normaliser. */
  maxAbsError: number;
}

/**
 * llama.cpp hands out probabilities, i.e. logits up to a per-position constant; the constant is
 * fitted over the ten reference tokens before comparing.
 */
export async function compareWithReference(
  model: LlamaModel,
  cases: ReferenceCase[],
): Promise<PositionCheck[]> {
  const context = await model.createContext({ contextSize: 128, batchSize: 64, sequences: 1 });
  const out: PositionCheck[] = [];
  try {
    const sequence = context.getSequence();
    for (const [caseIndex, c] of cases.entries()) {
      await sequence.clearHistory();
      const items = c.input_ids.map(
        (id) =>
          [id as Token, { generateNext: { probabilities: true } }] as [
            Token,
            { generateNext: { probabilities: true } },
          ],
      );
      const results = await sequence.controlledEvaluate(items);
      for (const [position, r] of results.entries()) {
        const probs = r?.next.probabilities;
        if (!probs) throw new Error(`no probabilities at position ${position}`);
        const ids = c.top10_ids[position];
        const ref = c.top10_logits[position];
        const logp = ids.map((id) => Math.log(probs.get(id as Token) ?? Number.MIN_VALUE));
        const shift = ref.reduce((s, v, k) => s + v - logp[k], 0) / ids.length;
        out.push({
          caseIndex,
          position,
          refTop1: ids[0],
          ourTop1: probs.keys().next().value as number,
          refMargin: ref[0] - ref[1],
          maxAbsError: Math.max(...ids.map((_, k) => Math.abs(logp[k] + shift - ref[k]))),
        });
      }
    }
  } finally {
    await context.dispose();
  }
  return out;
}
