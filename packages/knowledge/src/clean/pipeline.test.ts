import { describe, expect, it } from "vitest";
import { cleanRecords } from "./pipeline.ts";
import { defaultQualityClassifier, QualityClassifier, shippedQualityExamples } from "./quality.ts";

describe("five-stage cleaning", () => {
  it("reports kept and dropped counts with reasons per stage", () => {
    const records = [
      { id: "ok", text: "退货商品寄回后，仓库验收通过即会为您办理退款，一般三个工作日内完成。" },
      { id: "wide", text: "ＡＢＣ会员　积分可以在结算时抵扣现金，１００积分抵扣１元。" },
      { id: "trad", text: "這個商品簽收後七天內可以申請退貨，運費由買家承擔。" },
      { id: "short", text: "好" },
      { id: "spam", text: "点击这里！！！免费领取！！！点击这里！！！免费领取！！！点击这里！！！" },
      { id: "pii", text: "退款会原路返回到银行卡4111111111111111，有问题请联系客服13812345678。" },
      { id: "fr", text: "Вернуть товар можно в течение семи дней" },
      { id: "off", text: "The mitochondria is the powerhouse of the cell and produces ATP for metabolism." },
    ];
    // The reference set: the shop's own help texts (here the shipped good examples).
    const reference = shippedQualityExamples()
      .filter((e) => e.label === "good")
      .map((e) => e.text);
    const r = cleanRecords(records, { toSimplified: true, reference });
    expect(r.stages.map((s) => s.stage)).toEqual(["normalize", "heuristics", "pii", "quality", "domain"]);
    const byId = new Map(r.kept.map((k) => [k.id, k.text]));
    expect(byId.get("wide")).toContain("ABC会员 积分");
    // Letters and digits fold to half width; Chinese punctuation stays as Chinese is written.
    expect(byId.get("wide")).toContain("抵扣现金，100积分抵扣1元。");
    expect(byId.get("trad")).toContain("这个商品签收后七天内可以申请退货");
    expect(byId.get("pii")).toContain("**** **** **** 1111");
    expect(byId.get("pii")).not.toContain("13812345678");
    const why = new Map(r.dropped.map((d) => [d.id, `${d.stage}: ${d.reason}`]));
    expect(why.get("short")).toBe("heuristics: too short");
    expect(why.get("fr")).toBe("heuristics: language other");
    expect(why.get("spam")).toMatch(/heuristics: repetitive|quality: low quality/);
    expect(why.get("off")).toBe("domain: off domain");
    expect(byId.has("ok")).toBe(true);
    for (const s of r.stages) expect(s.kept + s.dropped).toBe(s.input);
    const drop = cleanRecords(records, { pii: "drop", quality: false });
    expect(drop.dropped.find((d) => d.id === "pii")?.reason).toBe("contains bank_card");
  });

  it("the shipped quality classifier separates held-out good and bad text", () => {
    const all = shippedQualityExamples();
    // Leave-one-out accuracy on the shipped set.
    let right = 0;
    all.forEach((e, i) => {
      const c = QualityClassifier.train(all.filter((_, j) => j !== i));
      if (c.score(e.text) >= 0.5 === (e.label === "good")) right++;
    });
    expect(right / all.length).toBeGreaterThanOrEqual(0.8);
    const q = defaultQualityClassifier();
    expect(q.score("发票可以在订单完成后申请，填写抬头和税号即可。")).toBeGreaterThan(0.5);
    expect(q.score("首页 | 登录 | 注册 | 购物车 | 联系我们 | 帮助")).toBeLessThan(0.5);
  });
});
