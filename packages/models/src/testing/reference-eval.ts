import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fixtureModelDir } from "@seekdesk/core";
import { getLlama, type Llama, type LlamaModel, type Token } from "node-llama-cpp";
import type { FixtureName } from "./fixture-gguf.ts";

/** One prompt of a fixture's reference.json (computed by Hugging Face transformers in float32). */
export interface ReferenceCase {
  text: string;
  input_ids: number[];
  top10_ids: number[][];
  top10_logits: number[][];
  greedy_ids: number[];
  greedy_margins: number[];
}

export function loadReference(name: FixtureName): ReferenceCase[] {
  const ref = JSON.parse(readFileSync(join(fixtureModelDir(name), "reference.json"), "utf8")) as {
    cases: ReferenceCase[];
  };
  return ref.cases;
}

let llamaPromise: Promise<Llama> | undefined;
/** One CPU llama.cpp instance per process: loading the native backend is the slow part. */
export function cpuLlama(): Promise<Llama> {
  llamaPromise ??= getLlama({ gpu: false });
  return llamaPromise;
}

export async function loadGgufModel(path: string): Promise<LlamaModel> {
  const llama = await cpuLlama();
  return llama.loadModel({ modelPath: path });
}

export interface PositionComparison {
  caseIndex: number;
  position: number;
  /** Largest |ours - reference| over the reference's top-10 tokens. */
  maxAbsError: number;
  refTop1: number;
  ourTop1: number;
  /** Reference top-1 minus top-2 logit. */
  refMargin: number;
}

/**
 * Evaluates every case's input ids in llama.cpp and compares each position's next-token
 * distribution with the reference logits. llama.cpp exposes probabilities, i.e. logits up to a
 * per-position constant (the log-normaliser, which no output depends on); we fit that constant
 * over the ten reference tokens and compare what remains.
 */
export async function compareLogits(
  model: LlamaModel,
  cases: ReferenceCase[],
): Promise<PositionComparison[]> {
  const out: PositionComparison[] = [];
  const context = await model.createContext({ contextSize: 128, batchSize: 64, sequences: 1 });
  try {
    const sequence = context.getSequence();
    for (const [caseIndex, c] of cases.entries()) {
      await sequence.clearHistory();
      const results = await sequence.controlledEvaluate(
        c.input_ids.map(
          (id) =>
            [id as Token, { generateNext: { probabilities: true } }] as [
              Token,
              { generateNext: { probabilities: true } },
            ],
        ),
      );
      results.forEach((r, position) => {
        const probs = r?.next.probabilities;
        if (!probs) throw new Error(`no probabilities at position ${position}`);
        const ids = c.top10_ids[position];
        const ref = c.top10_logits[position];
        const logp = ids.map((id) => Math.log(probs.get(id as Token) ?? Number.MIN_VALUE));
        const shift = ref.reduce((s, v, k) => s + v - logp[k], 0) / ids.length;
        const maxAbsError = Math.max(...ids.map((_, k) => Math.abs(logp[k] + shift - ref[k])));
        const ourTop1 = probs.keys().next().value as number;
        out.push({ caseIndex, position, maxAbsError, refTop1: ids[0], ourTop1, refMargin: ref[0] - ref[1] });
      });
    }
  } finally {
    await context.dispose();
  }
  return out;
}

/** Greedy generation with the KV cache: the tokens llama.cpp picks after each case's prompt. */
export async function greedyTokens(model: LlamaModel, c: ReferenceCase, steps: number): Promise<number[]> {
  const context = await model.createContext({ contextSize: 128, batchSize: 64, sequences: 1 });
  try {
    const sequence = context.getSequence();
    const picked: number[] = [];
    let input: number[] = c.input_ids;
    for (let i = 0; i < steps; i++) {
      // temperature 0 (the default) samples greedily without materialising the probabilities.
      const res = await sequence.controlledEvaluate(
        input.map((id, k) =>
          k === input.length - 1
            ? ([id as Token, { generateNext: { token: true } }] as [Token, { generateNext: { token: true } }])
            : (id as Token),
        ),
      );
      const next = res[input.length - 1]?.next.token;
      if (next === undefined || next === null) throw new Error("no next token");
      picked.push(next);
      input = [next];
    }
    return picked;
  } finally {
    await context.dispose();
  }
}
