import { describe, expect, it } from "vitest";
import { parseChineseNumber } from "./chinese-numerals.ts";
import { extractEntities, formatEntity, normalizeEntitiesInText } from "./extract.ts";
import { lookupPlace } from "./places.ts";
import type { EntityKind } from "./types.ts";

// Wednesday 25 November 2026, 10:00 in Beijing.
const now = new Date("2026-11-25T02:00:00Z");
const opts = { now, utcOffsetMinutes: 480 };

function only(text: string): { kind: EntityKind; value: string; text: string } {
  const found = extractEntities(text, opts);
  expect(found, `entities of ${JSON.stringify(text)}`).toHaveLength(1);
  return { kind: found[0].kind, value: formatEntity(found[0]), text: found[0].text };
}

describe("Chinese numerals", () => {
  it.each([
    ["三百五十", 350],
    ["三百五", 350],
    ["两万", 20000],
    ["一万二", 12000],
    ["一百零五", 105],
    ["十五", 15],
    ["二十", 20],
    ["一千二百", 1200],
    ["两千五", 2500],
    ["一万零五百", 10500],
    ["二〇二六", 2026],
    ["1.5万", 15000],
  ])("%s is %d", (text, value) => {
    expect(parseChineseNumber(text)).toBe(value);
  });

  it("rejects malformed numerals", () => {
    expect(parseChineseNumber("万")).toBeNull();
    expect(parseChineseNumber("百三")).toBeNull();
    expect(parseChineseNumber("abc")).toBeNull();
  });
});

describe("dates relative to a reference now", () => {
  it.each([
    ["明天", "2026-11-26"],
    ["后天", "2026-11-27"],
    ["大后天", "2026-11-28"],
    ["昨天", "2026-11-24"],
    ["下周二", "2026-12-01"],
    ["下星期一", "2026-11-30"],
    ["这周五", "2026-11-27"],
    ["周一", "2026-11-30"],
    ["礼拜天", "2026-11-29"],
    ["上周三", "2026-11-18"],
    ["3月5日", "2027-03-05"],
    ["12月1号", "2026-12-01"],
    ["三月五号", "2027-03-05"],
    ["2026年3月5日", "2026-03-05"],
    ["5号", "2026-12-05"],
    ["28号", "2026-11-28"],
    ["下个月5号", "2026-12-05"],
    ["三天后", "2026-11-28"],
    ["两周后", "2026-12-09"],
    ["2026-12-01", "2026-12-01"],
    ["2026/2/3", "2026-02-03"],
    ["tomorrow", "2026-11-26"],
    ["the day after tomorrow", "2026-11-27"],
    ["next Tuesday", "2026-12-01"],
    ["this Friday", "2026-11-27"],
    ["on Monday", "2026-11-30"],
    ["Dec 5", "2026-12-05"],
    ["December 5th, 2027", "2027-12-05"],
    ["5 December", "2026-12-05"],
    ["the 5th of December", "2026-12-05"],
    ["Oct 1", "2026-10-01"],
    ["in 3 days", "2026-11-28"],
    ["2 weeks from now", "2026-12-09"],
  ])("%s is %s", (text, value) => {
    expect(only(text)).toMatchObject({ kind: "date", value, text });
  });

  it("rejects impossible dates and non-dates", () => {
    expect(extractEntities("2026-02-30", opts).filter((e) => e.kind === "date")).toEqual([]);
    expect(extractEntities("坐地铁3号线", opts).filter((e) => e.kind === "date")).toEqual([]);
    expect(extractEntities("you may 3 times", opts).filter((e) => e.kind === "date")).toEqual([]);
  });

  it("honours the date bias for dates without a year", () => {
    expect(extractEntities("3月5日", { ...opts, dateBias: "past" })[0]).toMatchObject({
      value: "2026-03-05",
    });
    expect(extractEntities("Nov 20", { ...opts, dateBias: "future" })[0]).toMatchObject({
      value: "2027-11-20",
    });
  });

  it("uses the caller's calendar day, not UTC's", () => {
    // 23:30 UTC on the 24th is already the 25th in Beijing.
    const late = new Date("2026-11-24T23:30:00Z");
    expect(extractEntities("明天", { now: late, utcOffsetMinutes: 480 })[0]).toMatchObject({
      value: "2026-11-26",
    });
    expect(extractEntities("明天", { now: late, utcOffsetMinutes: 0 })[0]).toMatchObject({
      value: "2026-11-25",
    });
  });
});

describe("times", () => {
  it.each([
    ["下午三点", "15:00"],
    ["下午3点", "15:00"],
    ["三点半", "03:30"],
    ["晚上8点一刻", "20:15"],
    ["上午十点十五分", "10:15"],
    ["中午12点", "12:00"],
    ["中午1点", "13:00"],
    ["凌晨两点", "02:00"],
    ["15点30分", "15:30"],
    ["2点钟", "02:00"],
    ["15:30", "15:30"],
    ["下午3:30", "15:30"],
    ["3pm", "15:00"],
    ["11 a.m.", "11:00"],
    ["9:05 am", "09:05"],
    ["12am", "00:00"],
    ["7 o'clock", "07:00"],
    ["3 in the afternoon", "15:00"],
    ["noon", "12:00"],
  ])("%s is %s", (text, value) => {
    expect(only(text)).toMatchObject({ kind: "time", value, text });
  });

  it("rejects impossible times", () => {
    expect(extractEntities("25:10", opts).filter((e) => e.kind === "time")).toEqual([]);
    expect(extractEntities("13pm", opts).filter((e) => e.kind === "time")).toEqual([]);
  });
});

describe("date and time combine into one datetime", () => {
  it.each([
    ["下周二下午三点", "2026-12-01 15:00"],
    ["明天上午10点半", "2026-11-26 10:30"],
    ["12月3日 15:00", "2026-12-03 15:00"],
    ["今晚八点", "2026-11-25 20:00"],
    ["明早9点", "2026-11-26 09:00"],
    ["tomorrow at 3pm", "2026-11-26 15:00"],
    ["3pm tomorrow", "2026-11-26 15:00"],
    ["next Tuesday at 10:30", "2026-12-01 10:30"],
    ["Dec 5, 9am", "2026-12-05 09:00"],
  ])("%s is %s", (text, value) => {
    expect(only(text)).toMatchObject({ kind: "datetime", value, text });
  });

  it("keeps a date and a far-away time apart", () => {
    const found = extractEntities("明天到货吗？我下午三点在家", opts);
    expect(found.map((e) => e.kind)).toEqual(["date", "time"]);
  });
});

describe("money, quantities and numbers", () => {
  it.each([
    ["三百五十元", "350 CNY"],
    ["一千二百块", "1200 CNY"],
    ["两千五百元", "2500 CNY"],
    ["350块钱", "350 CNY"],
    ["1.5万元", "15000 CNY"],
    ["3块5", "3.5 CNY"],
    ["¥1,299.00", "1299 CNY"],
    ["￥99", "99 CNY"],
    ["RMB 100", "100 CNY"],
    ["$20", "20 USD"],
    ["US$5.50", "5.5 USD"],
    ["20 dollars", "20 USD"],
    ["100美元", "100 USD"],
    ["€15", "15 EUR"],
    ["50港币", "50 HKD"],
  ])("%s is %s", (text, value) => {
    expect(only(text)).toMatchObject({ kind: "money", value, text });
  });

  it.each([
    ["2公斤", "2 kg"],
    ["5 kg", "5 kg"],
    ["三件", "3 piece"],
    ["500克", "500 g"],
    ["1.5 liters", "1.5 L"],
    ["10 minutes", "10 minute"],
    ["两箱", "2 box"],
  ])("%s is %s", (text, value) => {
    expect(only(text)).toMatchObject({ kind: "quantity", value, text });
  });

  it("reads plain numbers but not numeral characters inside words", () => {
    expect(only("我要退1,200")).toMatchObject({ kind: "number", value: "1200" });
    expect(only("第二十五个")).toMatchObject({ kind: "quantity", value: "25 piece" });
    expect(extractEntities("等一下", opts)).toEqual([]);
    expect(extractEntities("一直没到", opts)).toEqual([]);
    expect(extractEntities("3 minutesx", opts).some((e) => e.kind === "quantity")).toBe(false);
  });
});

describe("phones, order ids, e-mail", () => {
  it.each([
    ["我的手机是13800138000", "+8613800138000"],
    ["138 0013 8000", "+8613800138000"],
    ["+86 138-0013-8000", "+8613800138000"],
    ["010-12345678", "+861012345678"],
    ["400-820-8820", "4008208820"],
    ["call +44 20 7946 0958", "+442079460958"],
    ["(415) 555-2671", "+14155552671"],
  ])("%s has the phone %s", (text, value) => {
    expect(only(text)).toMatchObject({ kind: "phone", value });
  });

  it("finds order ids by the configured pattern, case-insensitively", () => {
    expect(only("订单SD20260001还没到")).toMatchObject({ kind: "order_id", value: "SD20260001" });
    expect(only("order sd20260001 please")).toMatchObject({ kind: "order_id", value: "SD20260001" });
    expect(extractEntities("ref XSD20260001", opts).some((e) => e.kind === "order_id")).toBe(false);
    const custom = extractEntities("my order is ORD-7781", { ...opts, orderIdPattern: "ORD-\\d{4}" });
    expect(custom).toEqual([{ kind: "order_id", text: "ORD-7781", start: 12, end: 20, value: "ORD-7781" }]);
  });

  it("lower-cases e-mail addresses", () => {
    expect(only("邮箱 Anna.Lee@Example.com")).toMatchObject({ kind: "email", value: "anna.lee@example.com" });
  });
});

describe("places", () => {
  it.each([
    ["寄到上海市浦东新区", "上海"],
    ["广东省深圳", "广东"],
    ["ship to Hangzhou please", "杭州"],
    ["I live in Xi'an", "西安"],
    ["发到新疆维吾尔自治区", "新疆"],
  ])("%s has %s", (text, name) => {
    expect(extractEntities(text, opts).find((e) => e.kind === "place")).toMatchObject({ value: { name } });
  });

  it("looks places up in either language", () => {
    expect(lookupPlace("深圳市")).toMatchObject({ en: "Shenzhen", province: "广东" });
    expect(lookupPlace("beijing")).toMatchObject({ name: "北京" });
    expect(lookupPlace("Atlantis")).toBeNull();
    expect(extractEntities("let us know", opts)).toEqual([]);
  });
});

describe("whole sentences", () => {
  it("finds every entity with exact spans", () => {
    const text = "订单SD20260001，下周二下午三点送到杭州，运费三百五十元，电话13800138000";
    const found = extractEntities(text, opts);
    expect(found.map((e) => [e.kind, formatEntity(e)])).toEqual([
      ["order_id", "SD20260001"],
      ["datetime", "2026-12-01 15:00"],
      ["place", "杭州"],
      ["money", "350 CNY"],
      ["phone", "+8613800138000"],
    ]);
    for (const e of found) expect(text.slice(e.start, e.end)).toBe(e.text);
  });

  it("filters by kind and rewrites text to normal forms", () => {
    const text = "Deliver tomorrow at 3pm to Shanghai, it weighs 5 kg and cost $20";
    expect(extractEntities(text, { ...opts, kinds: ["money"] }).map(formatEntity)).toEqual(["20 USD"]);
    expect(normalizeEntitiesInText(text, opts)).toBe(
      "Deliver 2026-11-26 15:00 to 上海, it weighs 5 kg and cost 20 USD",
    );
  });

  it("is deterministic and never throws on odd input", () => {
    const odd = ["", "￥", "$", "号", "下周", "::::", "🙂🙂", "a".repeat(5000), "月月月日日"];
    for (const t of odd) expect(() => extractEntities(t, opts)).not.toThrow();
    const text = "明天下午三点，SD12345678";
    expect(extractEntities(text, opts)).toEqual(extractEntities(text, opts));
  });
});
