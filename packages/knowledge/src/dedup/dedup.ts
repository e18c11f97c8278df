import { createHash } from "node:crypto";
import { normalizeText } from "../text/normalize.ts";
import { type SimHash, SimHashIndex, simhash } from "./simhash.ts";

export interface DedupItem {
  id: string;
  text: string;
}

export interface DuplicateCluster {
  /** The kept item: the first one seen. */
  keep: string;
  duplicates: { id: string; kind: "exact" | "near"; distance: number }[];
}

export interface DedupReport {
  total: number;
  kept: string[];
  exactDuplicates: number;
  nearDuplicates: number;
  clusters: DuplicateCluster[];
}

/**
 * Exact duplicates by SHA-1 of the normalised text, then near duplicates by SimHash within
 * `maxDistance` bits. An item joins the cluster of the first kept item it is near, so clusters
 * do not chain (A≈B, B≈C does not pull C in when C is far from A).
 */
export function deduplicate(items: Iterable<DedupItem>, opts: { maxDistance?: number } = {}): DedupReport {
  const maxDistance = opts.maxDistance ?? 3;
  const exact = new Map<string, string>();
  const index = new SimHashIndex<string>(maxDistance);
  const clusters = new Map<string, DuplicateCluster>();
  const kept: string[] = [];
  let total = 0;
  let exactN = 0;
  let nearN = 0;
  const cluster = (keep: string) => {
    let c = clusters.get(keep);
    if (!c) {
      c = { keep, duplicates: [] };
      clusters.set(keep, c);
    }
    return c;
  };
  for (const item of items) {
    total++;
    const norm = normalizeText(item.text);
    const digest = createHash("sha1").update(norm).digest("hex");
    const same = exact.get(digest);
    if (same !== undefined) {
      exactN++;
      cluster(same).duplicates.push({ id: item.id, kind: "exact", distance: 0 });
      continue;
    }
    const h: SimHash = simhash(norm);
    const near = index.query(h)[0];
    if (near) {
      nearN++;
      cluster(near.item).duplicates.push({ id: item.id, kind: "near", distance: near.distance });
      continue;
    }
    exact.set(digest, item.id);
    index.add(h, item.id);
    kept.push(item.id);
  }
  return { total, kept, exactDuplicates: exactN, nearDuplicates: nearN, clusters: [...clusters.values()] };
}
