import { describe, expect, it } from "vitest";
import { IntentClassifier, trainIntentClassifier } from "./index.ts";
import { shopExamples } from "./testing-data.ts";

describe("trainIntentClassifier", () => {
  const clf = trainIntentClassifier(shopExamples(), { seed: 7 });

  it("learns a small Chinese and English intent set and generalises to new phrasings", () => {
    expect([...clf.intents].sort()).toEqual([
      "change_password",
      "greeting",
      "payment_methods",
      "refund",
      "track_order",
    ]);
    const cases: [string, string][] = [
      ["where's my parcel, it still hasn't arrived", "track_order"],
      ["我的包裹怎么还没到", "track_order"],
      ["please refund the money", "refund"],
      ["退款多久能到账", "refund"],
      ["I forgot the password for my account", "change_password"],
      ["可以用微信付款吗", "payment_methods"],
      ["你好，在吗", "greeting"],
    ];
    for (const [text, intent] of cases) {
      const p = clf.classify(text);
      expect(p.ranked[0].intent, text).toBe(intent);
      expect(p.ranked.length).toBe(5);
      expect(p.confidence).toBeGreaterThan(0);
      expect(p.confidence).toBeLessThanOrEqual(1);
    }
  });

  it("ranks intents by calibrated probability that sums to at most one", () => {
    const p = clf.classify("how can I pay");
    const sum = p.ranked.reduce((a, r) => a + r.confidence, 0);
    expect(sum).toBeLessThanOrEqual(1 + 1e-9);
    for (let i = 1; i < p.ranked.length; i++)
      expect(p.ranked[i - 1].confidence).toBeGreaterThanOrEqual(p.ranked[i].confidence);
    expect(p.confidence).toBe(p.ranked[0].confidence);
  });

  it("rejects out-of-scope utterances when trained with an oos class", () => {
    const withOos = trainIntentClassifier(shopExamples(true), { seed: 3, targetOosRecall: 0.8 });
    expect(withOos.intents).not.toContain("oos");
    const oos = ["什么是量子力学", "recommend me a good movie", "北京到上海多远", "sing me a song"].map((t) =>
      withOos.classify(t),
    );
    expect(oos.filter((p) => p.oos).length).toBeGreaterThanOrEqual(3);
    for (const p of oos.filter((q) => q.oos)) expect(p.intent).toBeNull();
    const inScope = ["查一下我的物流", "I want my money back", "reset password"].map((t) =>
      withOos.classify(t),
    );
    for (const p of inScope) expect(p.oos).toBe(false);
  });

  it("learns to reject general questions from the shipped background set when the data has no oos class", () => {
    const withBackground = trainIntentClassifier(shopExamples(false), { seed: 3, backgroundOos: true });
    expect(withBackground.intents).not.toContain("oos");
    // None of these probes is in the background set.
    const probes = ["月亮上有水吗", "how do planes fly", "熊猫吃什么", "recommend a podcast"];
    expect(probes.filter((t) => withBackground.classify(t).oos).length).toBeGreaterThanOrEqual(3);
    expect(withBackground.classify("where is my order").intent).toBe("track_order");
    expect(withBackground.classify("我要退款").intent).toBe("refund");
  });

  it("lowers held-out calibration error with temperature scaling", () => {
    const r = clf.report;
    expect(r).toBeDefined();
    expect(r?.eceAfter).toBeLessThan(r?.eceBefore ?? 0);
    expect(r?.temperature).toBeGreaterThan(0);
  });

  it("round-trips through JSON with identical predictions", () => {
    const copy = IntentClassifier.fromJSON(JSON.parse(JSON.stringify(clf)));
    for (const text of ["where is my order", "怎么修改密码", "random words here", "支付宝"]) {
      expect(copy.classify(text)).toEqual(clf.classify(text));
    }
    expect(() => IntentClassifier.fromJSON({ format: "other" })).toThrow(/intent classifier/);
  });

  it("is less sure of utterances made mostly of words it never saw, without changing the ranking", () => {
    const plain = trainIntentClassifier(shopExamples(), { seed: 7, coveragePower: 0 });
    expect(clf.coveragePower).toBe(1);
    // "order" is known; the rest is vocabulary no shop intent was trained on.
    const text = "order quantum chromodynamics lattice gauge";
    const damped = clf.classify(text);
    const undamped = plain.classify(text);
    expect(damped.ranked.map((r) => r.intent)).toEqual(undamped.ranked.map((r) => r.intent));
    expect(damped.confidence).toBeLessThan(undamped.confidence);
    // A fully known utterance keeps its confidence.
    expect(clf.classify("where is my order").intent).toBe("track_order");
    expect(clf.classify("where is my order").confidence).toBeGreaterThan(0.5);
  });

  it("reads files saved before coverage damping as undamped", () => {
    const { coveragePower: _dropped, ...older } = JSON.parse(JSON.stringify(clf));
    const legacy = IntentClassifier.fromJSON(older);
    expect(legacy.coveragePower).toBe(0);
    const text = "order quantum chromodynamics";
    expect(legacy.classify(text).confidence).toBeGreaterThan(clf.classify(text).confidence);
  });

  it("cross-fits calibration: every example (held-out ones too) is scored out of fold and trains the final model", () => {
    const all = shopExamples(true);
    // Every fifth example of each label is the explicit held-out set; with crossFit it becomes
    // training data as well, since calibration uses out-of-fold scores instead.
    const heldOut = all.filter((_, i) => i % 5 === 0);
    const train = all.filter((_, i) => i % 5 !== 0);
    const crossFitted = trainIntentClassifier(train, { seed: 3, heldOut, crossFit: 4, targetOosRecall: 0.8 });
    expect(crossFitted.report?.examples).toBe(all.length);
    expect(crossFitted.report?.heldOut).toBe(all.length);
    expect(crossFitted.report?.eceAfter).toBeLessThanOrEqual(crossFitted.report?.eceBefore ?? 0);
    expect(crossFitted.threshold).toBeGreaterThan(0);
    const oos = ["什么是量子力学", "recommend me a good movie", "北京到上海多远", "sing me a song"];
    expect(oos.filter((t) => crossFitted.classify(t).oos).length).toBeGreaterThanOrEqual(3);
    for (const [text, intent] of [
      ["查一下我的物流", "track_order"],
      ["I want my money back", "refund"],
      ["reset password", "change_password"],
    ])
      expect(crossFitted.classify(text).intent, text).toBe(intent);
    // The held-out-only model never saw `heldOut` in training; the cross-fitted one did.
    const protocol = trainIntentClassifier(train, { seed: 3, heldOut, targetOosRecall: 0.8 });
    expect(protocol.report?.examples).toBe(train.length);
    expect(() => trainIntentClassifier(train, { crossFit: 1 })).toThrow(/at least 2 folds/);
  });

  it("trains on EDA variants of the in-scope examples when asked, and on the examples alone otherwise", () => {
    const plain = trainIntentClassifier(shopExamples(true), { seed: 3, heldOut: [] });
    const augmented = trainIntentClassifier(shopExamples(true), { seed: 3, heldOut: [], edaVariants: 2 });
    // The variants bring new word orders and synonyms, hence features the examples lack.
    expect(augmented.report?.features).toBeGreaterThan(plain.report?.features ?? 0);
    for (const [text, intent] of [
      ["where's my parcel, it still hasn't arrived", "track_order"],
      ["退款多久能到账", "refund"],
      ["I forgot the password for my account", "change_password"],
    ])
      expect(augmented.classify(text).ranked[0].intent, text).toBe(intent);
  });

  it("refuses training data with fewer than two intents", () => {
    expect(() => trainIntentClassifier([{ text: "hi", intent: "greeting" }])).toThrow(/two/);
  });
});
