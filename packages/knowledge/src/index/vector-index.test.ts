import { seededRandom } from "@seekdesk/core/random.ts";
import { describe, expect, it } from "vitest";
import { normalizeL2 } from "../embed/types.ts";
import { VectorIndex } from "./vector-index.ts";

describe("vector index", () => {
  it("switches to HNSW past the threshold, agrees with the exact scan, and honours removals", () => {
    const rand = seededRandom(3);
    const vec = () => normalizeL2(Float32Array.from({ length: 32 }, () => rand() * 2 - 1));
    const index = new VectorIndex(32, { annThreshold: 300 });
    const vecs = Array.from({ length: 1000 }, vec);
    vecs.slice(0, 200).forEach((v, i) => {
      index.add(i, v);
    });
    index.search(vec(), 5);
    expect(index.usesAnn).toBe(false);
    vecs.slice(200).forEach((v, i) => {
      index.add(200 + i, v);
    });
    let agree = 0;
    for (let q = 0; q < 50; q++) {
      const v = vec();
      const ann = index.search(v, 10).map((h) => h.key);
      const exact = index.scan(v, 10).map((h) => h.key);
      agree += exact.filter((k) => ann.includes(k)).length / 10;
    }
    expect(index.usesAnn).toBe(true);
    expect(agree / 50).toBeGreaterThan(0.9);
    // A stored vector finds itself first; once removed it is never returned.
    expect(index.search(vecs[500] as Float32Array, 1)[0]?.key).toBe(500);
    index.remove(500);
    expect(index.search(vecs[500] as Float32Array, 10).map((h) => h.key)).not.toContain(500);
    index.add(1000, vecs[500] as Float32Array);
    expect(index.search(vecs[500] as Float32Array, 1)[0]?.key).toBe(1000);
    expect(index.size).toBe(1000);
  });
});
