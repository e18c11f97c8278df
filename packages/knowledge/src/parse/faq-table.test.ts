import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { openKnowledgeBase } from "../kb.ts";

describe("FAQ tables", () => {
  it("ingests XLSX and CSV rows with question/answer columns as one cited entry each", async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("常见问题");
    ws.addRow(["编号", "问题", "答案"]);
    ws.addRow([1, "怎么修改收货地址", "订单发货前在订单详情页修改。"]);
    ws.addRow([2, "发票什么时候开", "订单完成后七天内申请。"]);
    ws.addRow([3, "", "没有问题的行被跳过"]);
    const xlsx = new Uint8Array(await wb.xlsx.writeBuffer());
    const csv = new TextEncoder().encode(
      'question,answer\n"Can I pay, in instalments?","Yes, ""3 or 6"" months."\n',
    );
    const kb = await openKnowledgeBase();
    expect(await kb.ingestBytes("faq.xlsx", "faq.xlsx", xlsx)).toMatchObject({
      status: "added",
      documents: 2,
    });
    expect(await kb.ingestBytes("faq.csv", "faq.csv", csv)).toMatchObject({ status: "added", documents: 1 });
    const [hit] = await kb.search("收货地址能改吗", { k: 1, mode: "bm25" });
    expect(hit?.citation.title).toBe("怎么修改收货地址");
    expect(hit?.text).toBe("怎么修改收货地址\n订单发货前在订单详情页修改。");
    const [en] = await kb.search("pay in instalments", { k: 1 });
    expect(en?.text).toBe('Can I pay, in instalments?\nYes, "3 or 6" months.');
    await kb.close();
  });
});
