import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { surfaceFeatures } from "../embed/features.ts";

export interface QualityExample {
  text: string;
  label: "good" | "bad";
}

/** The training set we wrote and ship (packages/knowledge/data/quality-train.jsonl). */
export function shippedQualityExamples(): QualityExample[] {
  const file = fileURLToPath(new URL("../../data/quality-train.jsonl", import.meta.url));
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as QualityExample);
}

function features(text: string): string[] {
  const out: string[] = [];
  // Unigrams and words only: with a training set this small, longer n-grams are mostly unseen
  // and only add noise.
  surfaceFeatures(text, (f) => {
    if (f.length === 1 || f.startsWith("w:")) out.push(f);
  });
  // Shape features: what boilerplate and spam look like regardless of words.
  const letters = text.replace(/[^\p{L}\p{N}]/gu, "").length;
  const punct = text.replace(/[\p{L}\p{N}\s]/gu, "").length;
  out.push(`shape:punct${Math.min(4, Math.floor((punct / Math.max(1, text.length)) * 10))}`);
  out.push(`shape:len${Math.min(5, Math.floor(Math.log2(1 + letters)))}`);
  const flags: string[] = [];
  flags.push(/(.{2,})\1\1/u.test(text.replace(/[^\p{L}\p{N}]/gu, "")) ? "shape:repeat" : "shape:norepeat");
  flags.push(/[|>].*[|>].*[|>]/.test(text) ? "shape:menu" : "shape:nomenu");
  flags.push(/[!！?？$]{2,}/.test(text) ? "shape:shout" : "shape:calm");
  flags.push(/[。.,，；;]/.test(text) ? "shape:sentence" : "shape:nosentence");
  // Shape features are few but telling; repeating them gives them weight against the words.
  for (let i = 0; i < 4; i++) out.push(...flags);
  return out;
}

/**
 * A small multinomial naive Bayes text-quality classifier (Laplace smoothing) over character
 * n-grams and shape features. It is trainable on any labelled JSONL; the default model is
 * trained on the shipped examples at first use (milliseconds).
 */
export class QualityClassifier {
  private constructor(
    private readonly logPrior: Record<"good" | "bad", number>,
    private readonly logLik: Record<"good" | "bad", Map<string, number>>,
    private readonly unseen: Record<"good" | "bad", number>,
  ) {}

  static train(examples: readonly QualityExample[]): QualityClassifier {
    const counts = { good: new Map<string, number>(), bad: new Map<string, number>() };
    const totals = { good: 0, bad: 0 };
    const docs = { good: 0, bad: 0 };
    const vocab = new Set<string>();
    for (const e of examples) {
      docs[e.label]++;
      for (const f of features(e.text)) {
        counts[e.label].set(f, (counts[e.label].get(f) ?? 0) + 1);
        totals[e.label]++;
        vocab.add(f);
      }
    }
    const v = vocab.size + 1;
    const lik = (l: "good" | "bad") =>
      new Map([...counts[l]].map(([f, c]) => [f, Math.log((c + 1) / (totals[l] + v))]));
    const n = docs.good + docs.bad;
    return new QualityClassifier(
      { good: Math.log((docs.good + 1) / (n + 2)), bad: Math.log((docs.bad + 1) / (n + 2)) },
      { good: lik("good"), bad: lik("bad") },
      { good: Math.log(1 / (totals.good + v)), bad: Math.log(1 / (totals.bad + v)) },
    );
  }

  /** P(good | text). */
  score(text: string): number {
    let g = this.logPrior.good;
    let b = this.logPrior.bad;
    for (const f of features(text)) {
      const lg = this.logLik.good.get(f);
      const lb = this.logLik.bad.get(f);
      if (lg === undefined && lb === undefined) continue;
      g += lg ?? this.unseen.good;
      b += lb ?? this.unseen.bad;
    }
    const m = Math.max(g, b);
    return Math.exp(g - m) / (Math.exp(g - m) + Math.exp(b - m));
  }
}

let shipped: QualityClassifier | undefined;
export function defaultQualityClassifier(): QualityClassifier {
  shipped ??= QualityClassifier.train(shippedQualityExamples());
  return shipped;
}
