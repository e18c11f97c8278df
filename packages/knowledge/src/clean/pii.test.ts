import { describe, expect, it } from "vitest";
import { findPii, luhn, maskPii, type PiiKind, validIdCard } from "./pii.ts";

// A labelled set we wrote: each text with the PII spans (kind and value) a reviewer would mark.
const LABELLED: { text: string; pii: [PiiKind, string][] }[] = [
  { text: "我的手机号是13812345678，请回电", pii: [["phone", "13812345678"]] },
  { text: "联系电话 +86 139-1234-5678", pii: [["phone", "+86 139-1234-5678"]] },
  { text: "call me at 15900001111 tomorrow", pii: [["phone", "15900001111"]] },
  { text: "身份证号 11010519491231002X 已提交", pii: [["id_card", "11010519491231002X"]] },
  { text: "ID 110101199003074477 for the refund", pii: [["id_card", "110101199003074477"]] },
  { text: "卡号 6222 0212 3456 7891 233 退款到这张卡", pii: [["bank_card", "6222 0212 3456 7891 233"]] },
  { text: "card 4111111111111111 expired", pii: [["bank_card", "4111111111111111"]] },
  { text: "信用卡5555-5555-5555-4444尾号4444", pii: [["bank_card", "5555-5555-5555-4444"]] },
  { text: "邮箱 zhang.san@example.com.cn 收发票", pii: [["email", "zhang.san@example.com.cn"]] },
  { text: "write to support+vip@shop.example", pii: [["email", "support+vip@shop.example"]] },
  { text: "订单号 202403150001234567 已发货", pii: [] },
  { text: "快递单号 SF1234567890123 查询物流", pii: [] },
  { text: "价格 12800000000 日元?", pii: [] },
  { text: "ID 110101199003074478 wrong checksum", pii: [] },
  { text: "卡号 6222021234567891235 校验错误", pii: [] },
  { text: "电话 12345678901 不是手机号", pii: [] },
  { text: "时间 2024-03-15 12:30，数量 3 件", pii: [] },
  { text: "版本 v1.2.3@latest 更新", pii: [] },
  {
    text: "手机18600001234和邮箱a@b.cn都留了",
    pii: [
      ["phone", "18600001234"],
      ["email", "a@b.cn"],
    ],
  },
  { text: "SKU 4111-1111-1111-1112 is a product code", pii: [] },
];

describe("PII filter on a labelled set", () => {
  it("reaches precision and recall ≥ 0.95", () => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const { text, pii } of LABELLED) {
      const found = findPii(text).map((m) => `${m.kind}:${m.value}`);
      const gold = pii.map(([k, v]) => `${k}:${v}`);
      tp += found.filter((f) => gold.includes(f)).length;
      fp += found.filter((f) => !gold.includes(f)).length;
      fn += gold.filter((g) => !found.includes(g)).length;
    }
    expect(tp / (tp + fp)).toBeGreaterThanOrEqual(0.95);
    expect(tp / (tp + fn)).toBeGreaterThanOrEqual(0.95);
  });

  it("masks while keeping what staff need to match a record", () => {
    const { text } = maskPii(
      "手机13812345678 卡号4111111111111111 证件11010519491231002X 邮箱zhang@example.com",
    );
    expect(text).toBe("手机138****5678 卡号**** **** **** 1111 证件110105********002X 邮箱z***@example.com");
    expect(validIdCard("11010519491231002X")).toBe(true);
    expect(luhn("79927398713")).toBe(true);
    expect(luhn("79927398710")).toBe(false);
  });
});
