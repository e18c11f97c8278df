import { seededRandom, shuffleInPlace } from "../text/random.ts";

/**
 * Stratified split: each label keeps at least one example on the training side, and a label
 * with a single example is never held out, so every label is learnable.
 */
export function stratifiedSplit<T>(
  items: T[],
  labelOf: (item: T) => string,
  fraction: number,
  seed: number,
): { train: T[]; heldOut: T[] } {
  const byLabel = new Map<string, T[]>();
  for (const item of items) {
    const label = labelOf(item);
    const list = byLabel.get(label);
    if (list) list.push(item);
    else byLabel.set(label, [item]);
  }
  const rand = seededRandom(seed);
  const train: T[] = [];
  const heldOut: T[] = [];
  for (const label of [...byLabel.keys()].sort()) {
    const list = shuffleInPlace([...(byLabel.get(label) ?? [])], rand);
    const k =
      list.length < 2 ? 0 : Math.min(list.length - 1, Math.max(1, Math.round(list.length * fraction)));
    heldOut.push(...list.slice(0, k));
    train.push(...list.slice(k));
  }
  return { train, heldOut };
}

/**
 * Stratified K-fold assignment: the fold (0 … k-1) each item is held out in, or -1 for an item
 * of a label with a single example, which stays on the training side of every fold so that no
 * fold's model lacks the label. Within a label items go round-robin after a seeded shuffle, the
 * starting fold rotating from label to label, so fold sizes differ by at most one per label and
 * stay balanced overall.
 */
export function stratifiedFolds<T>(
  items: T[],
  labelOf: (item: T) => string,
  k: number,
  seed: number,
): number[] {
  if (!Number.isInteger(k) || k < 2) throw new Error(`cross-fitting needs at least 2 folds, got ${k}`);
  const byLabel = new Map<string, number[]>();
  items.forEach((item, i) => {
    const label = labelOf(item);
    const list = byLabel.get(label);
    if (list) list.push(i);
    else byLabel.set(label, [i]);
  });
  const rand = seededRandom(seed);
  const fold = new Array<number>(items.length).fill(-1);
  let start = 0;
  for (const label of [...byLabel.keys()].sort()) {
    const list = shuffleInPlace([...(byLabel.get(label) ?? [])], rand);
    if (list.length < 2) continue;
    list.forEach((i, j) => {
      fold[i] = (start + j) % k;
    });
    start = (start + list.length) % k;
  }
  return fold;
}
