export interface Scored {
  key: number;
  score: number;
}

/**
 * Keeps the k best of a stream in a binary min-heap: O(n log k) instead of sorting every
 * candidate, which matters when a common term touches most of a 100 000-chunk index.
 */
export class TopK {
  private readonly keys: number[] = [];
  private readonly scores: number[] = [];
  constructor(private readonly k: number) {}

  push(key: number, score: number): void {
    const { keys, scores } = this;
    if (keys.length < this.k) {
      keys.push(key);
      scores.push(score);
      let i = keys.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if ((scores[p] as number) <= score) break;
        keys[i] = keys[p] as number;
        scores[i] = scores[p] as number;
        i = p;
      }
      keys[i] = key;
      scores[i] = score;
      return;
    }
    if (this.k === 0 || score <= (scores[0] as number)) return;
    // Replace the root and sift down.
    let i = 0;
    const n = keys.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (scores[r] as number) < (scores[l] as number) ? r : l;
      if ((scores[c] as number) >= score) break;
      keys[i] = keys[c] as number;
      scores[i] = scores[c] as number;
      i = c;
    }
    keys[i] = key;
    scores[i] = score;
  }

  /** Best first; ties broken by key so results are deterministic. */
  result(): Scored[] {
    return this.keys
      .map((key, i) => ({ key, score: this.scores[i] as number }))
      .sort((a, b) => b.score - a.score || a.key - b.key);
  }
}
