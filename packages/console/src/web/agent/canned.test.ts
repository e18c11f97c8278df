import { describe, expect, it } from "vitest";
import { agentStrings } from "../i18n/agent.ts";
import { cannedReplies } from "./canned.ts";

describe("canned replies", () => {
  it("are offered in the customer's language, whatever the console's", () => {
    const chinese = { state: { language: "zh" }, profile: null };
    expect(cannedReplies(chinese, "en")).toEqual({ lang: "zh", texts: agentStrings.zh.cannedReplies });
    const english = { state: { language: "en" }, profile: { language: "zh" } };
    expect(cannedReplies(english, "zh").lang).toBe("en");
  });

  it("fall back to the profile's language, then the console's", () => {
    expect(cannedReplies({ state: null, profile: { language: "en" } }, "zh").lang).toBe("en");
    expect(cannedReplies({ state: { language: "fr" }, profile: null }, "zh").lang).toBe("zh");
    expect(cannedReplies(null, "en").texts).toEqual(agentStrings.en.cannedReplies);
  });

  it("say the same things in both languages, each in its own", () => {
    expect(agentStrings.zh.cannedReplies).toHaveLength(agentStrings.en.cannedReplies.length);
    for (const text of agentStrings.en.cannedReplies) expect(text).not.toMatch(/[\u4e00-\u9fff]/);
    for (const text of agentStrings.zh.cannedReplies) expect(text).toMatch(/[\u4e00-\u9fff]/);
  });
});
