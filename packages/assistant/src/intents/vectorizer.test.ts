import { describe, expect, it } from "vitest";
import { extractFeatures } from "./features.ts";
import { TfidfVectorizer } from "./vectorizer.ts";

describe("TfidfVectorizer coverage", () => {
  const corpus = ["where is my order", "track my parcel", "refund my money", "我的快递到哪了"];
  const vec = TfidfVectorizer.fit(corpus.map((t) => extractFeatures(t)));

  it("is 1 for an utterance made of training features and falls with every unseen word", () => {
    expect(vec.transform("where is my order").coverage).toBeCloseTo(1, 6);
    const one = vec.transform("where is my order today").coverage;
    const two = vec.transform("where is my order today xylophone").coverage;
    expect(one).toBeLessThan(1);
    expect(two).toBeLessThan(one);
    expect(two).toBeGreaterThan(0);
  });

  it("is 0 for an utterance of which nothing was seen, and for an empty one", () => {
    expect(vec.transform("vvv zzz").coverage).toBe(0);
    expect(vec.transform("").coverage).toBe(0);
    expect(vec.transform("天气").coverage).toBe(0);
  });

  it("keeps coverage through JSON, and reads older files without the unseen idf", () => {
    const copy = TfidfVectorizer.fromJSON(JSON.parse(JSON.stringify(vec)));
    expect(copy.transform("track my order please").coverage).toBe(
      vec.transform("track my order please").coverage,
    );
    const { unseenIdf: _dropped, ...older } = vec.toJSON();
    const legacy = TfidfVectorizer.fromJSON(older);
    const c = legacy.transform("track my order please").coverage;
    expect(c).toBeGreaterThan(0);
    expect(c).toBeLessThan(1);
  });
});
