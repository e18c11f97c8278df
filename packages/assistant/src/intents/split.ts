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
