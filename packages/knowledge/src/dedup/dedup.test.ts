import { seededRandom } from "@seekdesk/core/random.ts";
import { describe, expect, it } from "vitest";
import { deduplicate } from "./dedup.ts";
import { hamming, SimHashIndex, simhash } from "./simhash.ts";

const rand = seededRandom(42);
const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)] as T;
const HAN = Array.from({ length: 2500 }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919) % 20000)));
// A 3 000-word pseudo-English lexicon: a real vocabulary's spread of letter n-grams, unlike a
// handful of repeated words, which would make every English document look alike.
const WORDS = Array.from({ length: 3000 }, () =>
  Array.from(
    { length: 3 + Math.floor(rand() * 7) },
    () => "etaoinshrdlcumwfgypbvkjxqz"[Math.floor(rand() ** 1.5 * 26)],
  ).join(""),
);

function sentence(): string {
  if (rand() < 0.5)
    return `${Array.from({ length: 8 + Math.floor(rand() * 20) }, () => pick(HAN)).join("")}。`;
  return `${Array.from({ length: 6 + Math.floor(rand() * 10) }, () => pick(WORDS)).join(" ")}. `;
}

function document(): string {
  const parts: string[] = [];
  let len = 0;
  const target = 1500 + Math.floor(rand() * 2500);
  while (len < target) {
    const s = sentence();
    parts.push(s);
    len += s.length;
  }
  return parts.join(rand() < 0.3 ? "\n" : "");
}

/** Edits that real copies of a page or FAQ show: reformatting, a changed date, punctuation, a footer. */
const perturbations: ((s: string) => string)[] = [
  (s) => s.replace(/。/g, "。\n\n").replace(/\. /g, ".  "),
  (s) => `更新日期 2024-0${1 + Math.floor(rand() * 9)}-1${Math.floor(rand() * 9)}\n${s}`,
  (s) => s.replace(/[。.]/g, (m) => (rand() < 0.3 ? (m === "。" ? "！" : "!") : m)),
  (s) => s.toUpperCase(),
  (s) => {
    const i = Math.floor(rand() * (s.length - 4));
    return s.slice(0, i) + pick(HAN) + s.slice(i + 1);
  },
  (s) => `${s}\n转载请注明出处`,
  (s) => s.replace(/[a-z]/g, (c) => (rand() < 0.5 ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)),
];

describe("SimHash near-duplicate detection", () => {
  it("finds perturbed copies with precision and recall ≥ 0.95 at Hamming ≤ 3", () => {
    const items: { id: string; text: string }[] = [];
    const truth = new Map<string, string>();
    for (let i = 0; i < 400; i++) {
      const base = document();
      items.push({ id: `b${i}`, text: base });
      if (i < 280) {
        const copy = pick(perturbations)(base);
        items.push({ id: `c${i}`, text: copy });
        truth.set(`c${i}`, `b${i}`);
      }
    }
    // Hard negatives: documents sharing their first half with a base document.
    for (let i = 0; i < 60; i++) {
      const base = items.find((x) => x.id === `b${300 + i}`)?.text ?? "";
      items.push({ id: `h${i}`, text: base.slice(0, base.length / 2) + document() });
    }
    const report = deduplicate(items);
    const flagged = report.clusters.flatMap((c) => c.duplicates.map((d) => ({ id: d.id, of: c.keep })));
    const correct = flagged.filter((f) => truth.get(f.id) === f.of).length;
    const precision = correct / Math.max(1, flagged.length);
    const recall = correct / truth.size;
    expect(precision).toBeGreaterThanOrEqual(0.95);
    expect(recall).toBeGreaterThanOrEqual(0.95);
    expect(report.kept.length + report.exactDuplicates + report.nearDuplicates).toBe(items.length);
  });

  it("banded index returns exactly the hashes within the radius", () => {
    const index = new SimHashIndex<number>(3);
    const hashes = Array.from({ length: 2000 }, () => ({
      hi: (rand() * 2 ** 32) >>> 0,
      lo: (rand() * 2 ** 32) >>> 0,
    }));
    for (const [i, h] of hashes.entries()) index.add(h, i);
    const q = hashes[7] as { hi: number; lo: number };
    // Flip three bits spread over different bands: still found.
    const near = { hi: (q.hi ^ (1 << 3) ^ (1 << 20)) >>> 0, lo: (q.lo ^ (1 << 9)) >>> 0 };
    expect(hamming(q, near)).toBe(3);
    expect(index.query(near).map((r) => r.item)).toContain(7);
    const brute = hashes
      .map((h, i) => ({ i, d: hamming(h, near) }))
      .filter((x) => x.d <= 3)
      .map((x) => x.i);
    expect(
      index
        .query(near)
        .map((r) => r.item)
        .sort(),
    ).toEqual(brute.sort());
    expect(hamming(simhash("退货 政策"), simhash("退货政策！"))).toBe(0);
  });
});
