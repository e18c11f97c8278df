import type { IntentClassifier, IntentExample } from "./classifier.ts";

export interface ConfusedPair {
  gold: string;
  predicted: string;
  count: number;
}

export interface IntentEvaluation {
  /** In-scope examples whose predicted intent is the gold one (a rejection counts as wrong). */
  accuracy: number;
  in_scope: number;
  /**
   * In-scope examples whose top-ranked intent is the gold one, rejection ignored: closed-set
   * accuracy, the number papers report for sets without out-of-scope data (BANKING77).
   */
  top1_accuracy: number;
  /** Out-of-scope examples rejected, over all out-of-scope examples (null without any). */
  oos_recall: number | null;
  /** Rejections that were truly out of scope, over all rejections (null without rejections). */
  oos_precision: number | null;
  oos: number;
  /** Macro-F1 over the in-scope intents plus out-of-scope as one more class. */
  macro_f1: number;
  confused: ConfusedPair[];
  p50_us: number;
  p99_us: number;
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

export function evaluateIntents(
  classifier: IntentClassifier,
  test: IntentExample[],
  oosLabel = classifier.oosLabel,
): IntentEvaluation {
  const OOS = "\u0000oos";
  const latencies: number[] = [];
  const tp = new Map<string, number>();
  const fp = new Map<string, number>();
  const fn = new Map<string, number>();
  const confusion = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string): void => {
    m.set(k, (m.get(k) ?? 0) + 1);
  };
  let inScope = 0;
  let inScopeRight = 0;
  let top1Right = 0;
  let oos = 0;
  let oosRejected = 0;
  let rejected = 0;
  const classes = new Set<string>();
  for (const e of test) {
    const start = process.hrtime.bigint();
    const p = classifier.classify(e.text);
    latencies.push(Number(process.hrtime.bigint() - start) / 1000);
    const gold = e.intent === oosLabel ? OOS : e.intent;
    const predicted = p.oos || p.intent === null ? OOS : p.intent;
    classes.add(gold);
    if (p.oos) rejected++;
    if (gold === OOS) {
      oos++;
      if (predicted === OOS) oosRejected++;
    } else {
      inScope++;
      if (predicted === gold) inScopeRight++;
      if (p.ranked[0]?.intent === gold) top1Right++;
    }
    if (predicted === gold) bump(tp, gold);
    else {
      bump(fp, predicted);
      bump(fn, gold);
      bump(confusion, `${gold}\u0001${predicted}`);
    }
  }
  let f1Sum = 0;
  for (const c of classes) {
    const t = tp.get(c) ?? 0;
    const denom = 2 * t + (fp.get(c) ?? 0) + (fn.get(c) ?? 0);
    f1Sum += denom === 0 ? 0 : (2 * t) / denom;
  }
  const name = (k: string): string => (k === OOS ? oosLabel : k);
  const confused = [...confusion.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 10)
    .map(([k, count]) => {
      const [gold, predicted] = k.split("\u0001");
      return { gold: name(gold), predicted: name(predicted), count };
    });
  latencies.sort((a, b) => a - b);
  return {
    accuracy: inScope ? inScopeRight / inScope : 0,
    in_scope: inScope,
    top1_accuracy: inScope ? top1Right / inScope : 0,
    oos_recall: oos ? oosRejected / oos : null,
    oos_precision: rejected ? oosRejected / rejected : null,
    oos,
    macro_f1: classes.size ? f1Sum / classes.size : 0,
    confused,
    p50_us: percentile(latencies, 0.5),
    p99_us: percentile(latencies, 0.99),
  };
}

/**
 * The full confusion matrix over `test`: rows are the gold intents, columns the predicted ones, in
 * `labels` order (the classifier's in-scope intents, then `oosLabel` for rejected utterances and
 * out-of-scope gold labels, present only when one occurs).
 */
export function confusionMatrix(
  classifier: IntentClassifier,
  test: readonly IntentExample[],
  oosLabel = classifier.oosLabel,
): { labels: string[]; confusion: number[][] } {
  const pairs = test.map((e) => {
    const p = classifier.classify(e.text);
    return { gold: e.intent, predicted: p.oos || p.intent === null ? oosLabel : p.intent };
  });
  const seen = new Set(pairs.flatMap((p) => [p.gold, p.predicted]));
  const labels = [...new Set([...classifier.intents, ...seen])]
    .filter((l) => l !== oosLabel)
    .sort((a, b) => a.localeCompare(b));
  if (seen.has(oosLabel)) labels.push(oosLabel);
  const index = new Map(labels.map((l, i) => [l, i]));
  const confusion = labels.map(() => labels.map(() => 0));
  for (const p of pairs) confusion[index.get(p.gold) as number][index.get(p.predicted) as number]++;
  return { labels, confusion };
}
