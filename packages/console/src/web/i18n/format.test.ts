import { describe, expect, it } from "vitest";
import { makeFormat } from "./format.ts";

const en = makeFormat("en-US");
const zh = makeFormat("zh-CN");
const now = Date.parse("2026-11-28T12:00:00Z");

describe("formatting in the console's language", () => {
  it("writes percentages, decimals and big numbers the locale's way; a missing figure is a dash", () => {
    expect(en.percent(0.1234)).toBe("12.3%");
    expect(en.percent(1)).toBe("100.0%");
    expect(zh.percent(0.5, 0)).toBe("50%");
    expect(en.percent(null)).toBe("—");
    expect(en.decimal(-0.7, 2)).toBe("-0.70");
    expect(en.number(12345)).toBe("12,345");
    expect(zh.number(12345)).toBe("12,345");
  });
  it("gives milliseconds with the locale's unit", () => {
    expect(en.ms(12.4)).toBe("12 ms");
    expect(zh.ms(12)).toBe("12毫秒");
    expect(zh.ms(undefined)).toBe("—");
  });
  it("shows a server's calendar day as that day in any time zone", () => {
    expect(en.day("2026-11-28")).toBe("Nov 28");
    expect(zh.day("2026-11-28")).toBe("11月28日");
    expect(en.day("not a date")).toBe("not a date");
  });
  it("says how long ago a ticket came in", () => {
    expect(en.ago("2026-11-28T11:59:50Z", now)).toBe("now");
    expect(zh.ago("2026-11-28T11:59:50Z", now)).toBe("现在");
    expect(en.ago("2026-11-28T11:57:00Z", now)).toBe("3 minutes ago");
    expect(zh.ago("2026-11-28T11:57:00Z", now)).toBe("3分钟前");
    expect(zh.ago("2026-11-28T09:00:00Z", now)).toBe("3小时前");
    expect(en.ago("2026-11-27T12:00:00Z", now)).toBe("yesterday");
    expect(zh.ago("2026-11-27T12:00:00Z", now)).toBe("昨天");
  });
  it("names a customer's language in the agent's language", () => {
    expect(en.languageName("zh")).toBe("Chinese");
    expect(zh.languageName("zh")).toBe("中文");
    expect(zh.languageName("en")).toBe("英语");
    expect(en.languageName("not a tag!")).toBe("not a tag!");
  });
});
