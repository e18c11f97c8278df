import { describe, expect, it } from "vitest";
import { HashedNgramEmbedder } from "./hashed.ts";
import { pairsWithout, parseParaphrasePairs } from "./pairs.ts";
import { ParaphraseEmbedder } from "./paraphrase.ts";
import { cosine } from "./types.ts";

/**
 * A desk's own paraphrase data, written for this test: customers say 退钱/钱, the FAQ says 退款/款;
 * customers say 快递/包裹, the FAQ says 物流. The query and documents scored below are not among them.
 */
const PAIRS = [
  { a: "我想退钱", b: "申请退款" },
  { a: "钱可以退回来吗", b: "能不能退款" },
  { a: "退的钱多久到", b: "退款多久到账" },
  { a: "钱退到哪里了", b: "退款去向查询" },
  { a: "退钱失败了", b: "退款失败" },
  { a: "快递到哪了", b: "物流信息查询" },
  { a: "包裹什么时候到", b: "查看物流进度" },
  { a: "快递一直不动", b: "物流长时间未更新" },
  { a: "包裹丢了", b: "物流丢件处理" },
  { a: "忘了密码", b: "重置登录密码" },
  { a: "密码不记得了", b: "找回登录密码" },
  { a: "要开票", b: "申请开具发票" },
  { a: "票开错了", b: "发票信息有误" },
  { a: "改一下地址", b: "修改收货地址" },
  { a: "地址填错了", b: "收货地址有误" },
];

const DOCS = ["退款申请流程", "怎么修改收货地址", "怎么查看订单", "发票怎么开", "物流进度查询"];

async function rank(embed: (t: string[]) => Promise<Float32Array[]>, query: string): Promise<string[]> {
  const [q, ...d] = await embed([query, ...DOCS]);
  return DOCS.map((t, i) => ({ t, s: cosine(q as Float32Array, d[i] as Float32Array) }))
    .sort((x, y) => y.s - x.s)
    .map((x) => x.t);
}

describe("ParaphraseEmbedder", () => {
  it("learns from pairs what hashed n-grams cannot see: 退钱 finds 退款, 快递 finds 物流", async () => {
    const hashed = new HashedNgramEmbedder();
    // Without training, the shared 怎么 wins over the one shared character 退.
    expect((await rank((t) => hashed.embed(t), "退钱怎么弄"))[0]).not.toBe("退款申请流程");
    const model = await ParaphraseEmbedder.train(PAIRS, { dim: 64, epochs: 60, seed: 7 });
    expect((await rank((t) => model.embed(t), "退钱怎么弄"))[0]).toBe("退款申请流程");
    expect((await rank((t) => model.embed(t), "我的快递怎么还没到"))[0]).toBe("物流进度查询");
    expect(model.pairs).toBe(PAIRS.length);
  });

  it("persists to one file that loads to the same id and vectors, and rejects other bytes", async () => {
    const model = await ParaphraseEmbedder.train(PAIRS, { dim: 32, epochs: 5, hybridWeight: 0.6 });
    const loaded = ParaphraseEmbedder.deserialize(model.serialize());
    expect(loaded.id).toBe(model.id);
    expect(loaded.id).toMatch(/^paraphrase-32-[0-9a-f]{12}$/);
    expect(loaded.hybridWeight).toBe(0.6);
    // An n-gram unseen in training gets the same deterministic vector after loading.
    const texts = ["退款多久到账", "完全没见过的句子", "refund please"];
    const [a, b] = [await model.embed(texts), await loaded.embed(texts)];
    for (let i = 0; i < texts.length; i++)
      expect(Array.from(b[i] as Float32Array)).toEqual(Array.from(a[i] as Float32Array));
    const other = await ParaphraseEmbedder.train(PAIRS.slice(1), { dim: 32, epochs: 5 });
    expect(other.id).not.toBe(model.id);
    expect(() => ParaphraseEmbedder.deserialize(Buffer.from("not a model"))).toThrow(
      /not a seekdesk paraphrase/,
    );
    const cut = model.serialize().subarray(0, 1000);
    expect(() => ParaphraseEmbedder.deserialize(cut)).toThrow(/not a seekdesk paraphrase/);
  });

  it("refuses to train on fewer than two usable pairs", async () => {
    await expect(
      ParaphraseEmbedder.train([
        { a: "同一句", b: "同一句" },
        { a: "x", b: "y" },
      ]),
    ).rejects.toThrow(/at least 2/);
  });
});

describe("paraphrase pair files", () => {
  it("reads JSONL and CSV/TSV layouts, skips label-0 rows and counts malformed ones", () => {
    const jsonl = parseParaphrasePairs(
      '{"a":"甲","b":"乙"}\n{"a":"丙","b":"丁","label":0}\nnot json\n{"a":1}\n',
      true,
    );
    expect(jsonl).toEqual({ pairs: [{ a: "甲", b: "乙" }], negatives: 1, malformed: [3, 4] });
    const atec = parseParaphrasePairs("\ufeff1\t怎么还款\t如何还钱\t1\n2\t花呗\t借呗\t0\n", false);
    expect(atec).toEqual({ pairs: [{ a: "怎么还款", b: "如何还钱" }], negatives: 1, malformed: [] });
    const csv = parseParaphrasePairs('a,b\n"退款, 多久",退钱要多久\n只有一列\n', false);
    expect(csv).toEqual({ pairs: [{ a: "退款, 多久", b: "退钱要多久" }], negatives: 0, malformed: [3] });
  });

  it("holds out pairs touching evaluation texts, also after width and whitespace folding", () => {
    const pairs = [
      { a: "花呗怎么还款", b: "花呗 如何还钱" },
      { a: "借呗额度", b: "借呗ＡＢＣ" },
      { a: "别的问题", b: "别的说法" },
    ];
    expect(pairsWithout(pairs, ["花呗如何还钱", "借呗abc"])).toEqual([{ a: "别的问题", b: "别的说法" }]);
  });
});
