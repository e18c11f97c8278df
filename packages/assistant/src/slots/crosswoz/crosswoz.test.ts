import { join } from "node:path";
import { datasetDir } from "@seekdesk/core";
import { describe, expect, it } from "vitest";
import { type CrossWozDialogues, crossWozUserTurns, learnVocabulary, slotGroup } from "./evaluate.ts";
import { CrossWozRuleExtractor } from "./extractor.ts";
import { readZip } from "./zip.ts";

const extractor = new CrossWozRuleExtractor(
  new Map([
    ["驴杂汤", new Set(["餐馆|推荐菜"])],
    ["北京天伦王朝酒店", new Set(["酒店|名称"])],
    ["八达岭长城", new Set(["景点|名称"])],
  ]),
  ["吹风机", "租车", "24小时热水"],
);
const triples = (text: string, current: "餐馆" | "景点" | "酒店" | null = null) =>
  extractor
    .extract(text, current)
    .map((t) => `${t.domain}|${t.slot}|${t.value}`)
    .sort();

describe("CrossWOZ rule extractor", () => {
  it("reads prices, ratings and dishes and gives each its domain", () => {
    expect(triples("你好，我想找家人均消费在100-150元的餐馆吃驴杂汤这道菜，评分4.5分以上的。")).toEqual(
      ["餐馆|人均消费|100-150元", "餐馆|推荐菜|驴杂汤", "餐馆|评分|4.5分以上"].sort(),
    );
    expect(triples("找一家评分为5分的舒适型酒店，价格在500-600元，要有吹风机")).toEqual(
      ["酒店|评分|5分", "酒店|酒店类型|舒适型", "酒店|价格|500-600元", "酒店|酒店设施-吹风机|是"].sort(),
    );
  });

  it("normalises durations the way the annotation writes them", () => {
    expect(triples("想找个可以游玩1.5小时 - 2小时的景点")).toEqual(["景点|游玩时间|1.5小时 - 2小时"]);
    expect(triples("游玩时间在2小时~3小时的景点")).toEqual(["景点|游玩时间|2小时 - 3小时"]);
    expect(triples("可以玩4个小时的景点")).toEqual(["景点|游玩时间|4小时"]);
    expect(triples("推荐一个不免费的景点")).toEqual(["景点|门票|不免费"]);
  });

  it("reads taxi routes without taking 出租车 for the hotel's car rental", () => {
    expect(triples("帮我叫一辆出租车，从北京天伦王朝酒店到八达岭长城，告诉我车牌。")).toEqual(
      ["出租|出发地|北京天伦王朝酒店", "出租|目的地|八达岭长城"].sort(),
    );
  });

  it("falls back to the conversation's domain for a bare rating", () => {
    expect(triples("评分要4分以上", "景点")).toEqual(["景点|评分|4分以上"]);
    expect(triples("评分要4分以上")).toEqual([]);
  });

  it("groups slots for reporting", () => {
    expect(slotGroup("酒店设施-吹风机")).toBe("typed");
    expect(slotGroup("出发地")).toBe("route");
    expect(slotGroup("推荐菜")).toBe("names");
  });
});

describe("the shared CrossWOZ archive", () => {
  it("unzips with the built-in reader and yields user Inform acts", () => {
    const files = readZip(join(datasetDir("crosswoz"), "val.json.zip"));
    const raw = JSON.parse(files.get("val.json")?.toString("utf8") ?? "{}") as CrossWozDialogues;
    expect(Object.keys(raw)).toHaveLength(500);
    const turns = crossWozUserTurns(raw).slice(0, 50);
    const { gazetteer, facilities } = learnVocabulary(turns);
    expect(gazetteer.size).toBeGreaterThan(20);
    expect(facilities.size).toBeGreaterThan(0);
  });
});
