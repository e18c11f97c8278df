import { describe, expect, it } from "vitest";
import { promptOpensThink, reasoningEnabled, type SplitPiece, ThinkSplitter } from "./think-splitter.ts";

function run(
  chunks: string[],
  startInside = false,
): { reasoning: string; text: string; pieces: SplitPiece[] } {
  const s = new ThinkSplitter({ startInside });
  const pieces = [...chunks.flatMap((c) => s.push(c)), ...s.flush()];
  return {
    pieces,
    reasoning: pieces
      .filter((p) => p.type === "reasoning")
      .map((p) => p.text)
      .join(""),
    text: pieces
      .filter((p) => p.type === "text")
      .map((p) => p.text)
      .join(""),
  };
}

describe("ThinkSplitter", () => {
  const answer = "<think>\nThe user wants a refund.\n</think>\n\nYour refund is on its way.";

  it("plain() passes whole only chunks that push() would return whole, for every cut into three", () => {
    const text = `${answer} More <b>text</b> after.`;
    const whole = run([text]);
    for (let a = 1; a < text.length; a += 3) {
      for (let b = a + 1; b < text.length; b += 5) {
        const s = new ThinkSplitter();
        const pieces: SplitPiece[] = [];
        for (const c of [text.slice(0, a), text.slice(a, b), text.slice(b)]) {
          const plain = s.plain(c);
          if (plain !== undefined) pieces.push({ type: plain, text: c });
          else pieces.push(...s.push(c));
        }
        pieces.push(...s.flush());
        const join = (t: string) =>
          pieces
            .filter((p) => p.type === t)
            .map((p) => p.text)
            .join("");
        expect({ a, b, reasoning: join("reasoning"), text: join("text") }).toEqual({
          a,
          b,
          reasoning: whole.reasoning,
          text: whole.text,
        });
      }
    }
  });

  it("separates reasoning from the answer in one chunk", () => {
    const r = run([answer]);
    expect(r.reasoning).toBe("The user wants a refund.\n");
    expect(r.text).toBe("Your refund is on its way.");
  });

  it("gives the same split for every way of cutting the stream, one character at a time included", () => {
    const whole = run([answer]);
    for (let cut = 1; cut < answer.length; cut++) {
      const r = run([answer.slice(0, cut), answer.slice(cut)]);
      expect({ cut, reasoning: r.reasoning, text: r.text }).toEqual({
        cut,
        reasoning: whole.reasoning,
        text: whole.text,
      });
    }
    const single = run([...answer]);
    expect(single.reasoning).toBe(whole.reasoning);
    expect(single.text).toBe(whole.text);
  });

  it("starts inside the thought when the prompt opened <think>", () => {
    const r = run(["Check the order", " first.</th", "ink>Done."], true);
    expect(r.reasoning).toBe("Check the order first.");
    expect(r.text).toBe("Done.");
  });

  it("passes everything through as text when the model never thinks", () => {
    const r = run(["a < b and ", "<thin", "g> is not a tag"]);
    expect(r.reasoning).toBe("");
    expect(r.text).toBe("a < b and <thing> is not a tag");
  });

  it("releases a held-back partial tag at the end of the stream", () => {
    const r = run(["x <thi"]);
    expect(r.text).toBe("x <thi");
  });

  it("streams reasoning before the closing tag arrives", () => {
    const s = new ThinkSplitter();
    expect(s.push("<think>step one")).toEqual([{ type: "reasoning", text: "step one" }]);
    expect(s.isInside).toBe(true);
  });
});

describe("reasoning detection", () => {
  it("auto follows the chat template", () => {
    expect(reasoningEnabled("auto", "{{ '<think>\\n' }}")).toBe(true);
    expect(reasoningEnabled("auto", "{{ messages }}")).toBe(false);
    expect(reasoningEnabled("auto", undefined)).toBe(false);
    expect(reasoningEnabled("on", undefined)).toBe(true);
    expect(reasoningEnabled("off", "<think>")).toBe(false);
  });

  it("sees a prompt that ends inside a thought", () => {
    expect(promptOpensThink("<｜Assistant｜><think>\n")).toBe(true);
    expect(promptOpensThink("<｜Assistant｜>")).toBe(false);
  });
});
