import { describe, expect, it } from "vitest";
import { initialDialogueState } from "../dialogue/state.ts";
import { demoDomainDir, loadDomain } from "../domain/load.ts";
import { extractSlots } from "./extract.ts";
import { runForm } from "./form.ts";
import { mergeSlotValue } from "./merge.ts";
import { isCancel, isNo, isYes } from "./replies-words.ts";
import { validateSlot } from "./validate.ts";

const domain = loadDomain(demoDomainDir);
const now = new Date("2026-11-28T02:00:00Z");
const ctx = {
  now,
  utcOffsetMinutes: 480,
  orderIdPattern: domain.orderIdPattern,
  requestedSlot: null,
  turn: 1,
};
const intent = (name: string) => {
  const found = domain.intents.find((i) => i.name === name);
  if (!found) throw new Error(name);
  return found;
};
const defs = (name: string) =>
  Object.fromEntries(intent(name).slots.map((s) => [s.name, domain.slots[s.name]]));

describe("rule slot extraction", () => {
  it("fills typed slots from one message", () => {
    const slots = extractSlots("订单SD20260001下周二下午三点送", defs("schedule_delivery"), ctx);
    expect(slots.order_id.normalized).toBe("SD20260001");
    expect(slots.delivery_time).toMatchObject({
      normalized: "2026-12-01T15:00",
      raw: "下周二下午三点",
      source: "rule",
    });
  });

  it("matches enum synonyms in both languages with word boundaries", () => {
    expect(extractSlots("东西坏了", defs("return_request"), ctx).return_reason.normalized).toBe("damaged");
    expect(extractSlots("it's too small", defs("return_request"), ctx).return_reason.normalized).toBe(
      "wrong_size",
    );
    expect(extractSlots("the box was oversized", defs("return_request"), ctx).return_reason).toBeUndefined();
  });

  it("takes free text and bare numbers only when they were asked for", () => {
    expect(extractSlots("杭州市文三路100号", defs("change_address"), ctx).address).toBeUndefined();
    const asked = extractSlots("新地址是杭州市文三路100号", defs("change_address"), {
      ...ctx,
      requestedSlot: "address",
    });
    expect(asked.address.normalized).toBe("杭州市文三路100号");
    expect(
      extractSlots("50", defs("price_protection"), { ...ctx, requestedSlot: "amount" }).amount.normalized,
    ).toBe(50);
    expect(extractSlots("降了三百五十元", defs("price_protection"), ctx).amount.normalized).toBe(350);
  });

  it("gives an order number sent for an address to the order slot, and reads the rest as the address", () => {
    const asked = { ...ctx, requestedSlot: "address" };
    const bare = extractSlots("SD20260001", defs("change_address"), asked);
    expect(bare.order_id.normalized).toBe("SD20260001");
    expect(bare.address).toBeUndefined();
    const both = extractSlots("SD20260001，上海市浦东新区世纪大道100号", defs("change_address"), asked);
    expect(both.order_id.normalized).toBe("SD20260001");
    expect(both.address.normalized).toBe("上海市浦东新区世纪大道100号");
  });

  it("reads a correction of the summary into the free-text slot only while confirming", () => {
    const confirming = { ...ctx, correcting: true };
    for (const [said, address] of [
      ["改成上海市浦东新区世纪大道100号", "上海市浦东新区世纪大道100号"],
      ["不对，是北京市朝阳区建国路1号", "北京市朝阳区建国路1号"],
      ["to 88 Example Road, Shanghai", "88 Example Road, Shanghai"],
      ["no, it's 12 Park Lane", "12 Park Lane"],
    ]) {
      expect(extractSlots(said, defs("change_address"), confirming).address?.normalized).toBe(address);
      expect(extractSlots(said, defs("change_address"), ctx).address).toBeUndefined();
    }
    // Not a correction: an unrelated question while the summary is shown.
    expect(
      extractSlots("how long does delivery take", defs("change_address"), confirming).address,
    ).toBeUndefined();
  });
});

describe("merging and validating values", () => {
  const def = domain.slots.delivery_time;
  const v = (raw: string, normalized: string) => ({
    raw,
    normalized,
    confidence: 0.9,
    source: "rule" as const,
    turn: 1,
  });

  it("moves a bare weekday correction into the week of the old date and keeps the time", () => {
    expect(
      mergeSlotValue(def, v("下周二下午三点", "2026-12-01T15:00"), v("周三", "2026-12-02"), now, 480)
        .normalized,
    ).toBe("2026-12-02T15:00");
    expect(
      mergeSlotValue(def, v("next Tuesday at 3pm", "2026-12-01T15:00"), v("Friday", "2026-12-04"), now, 480)
        .normalized,
    ).toBe("2026-12-04T15:00");
    expect(
      mergeSlotValue(def, v("下周二下午三点", "2026-12-01T15:00"), v("五点", "05:00"), now, 480).normalized,
    ).toBe("2026-12-01T17:00");
  });

  it("reads an early hour without a morning word as the afternoon for a future booking", () => {
    expect(mergeSlotValue(def, undefined, v("明天三点半", "2026-11-29T03:30"), now, 480).normalized).toBe(
      "2026-11-29T15:30",
    );
    expect(mergeSlotValue(def, undefined, v("明天凌晨三点半", "2026-11-29T03:30"), now, 480).normalized).toBe(
      "2026-11-29T03:30",
    );
    expect(
      mergeSlotValue(def, undefined, v("tomorrow at 5am", "2026-11-29T05:00"), now, 480).normalized,
    ).toBe("2026-11-29T05:00");
  });

  it("puts a time alone on the next day it can still happen", () => {
    // 10:00 in Beijing: 15:00 is still today, 08:00 is tomorrow.
    expect(mergeSlotValue(def, undefined, v("下午三点", "15:00"), now, 480).normalized).toBe(
      "2026-11-28T15:00",
    );
    expect(mergeSlotValue(def, undefined, v("早上八点", "08:00"), now, 480).normalized).toBe(
      "2026-11-29T08:00",
    );
  });

  it("rejects past times, amounts out of range and unknown enum values", () => {
    expect(validateSlot(def, v("昨天", "2026-11-27T15:00"), "zh", now, 480)).toContain("不能早于现在");
    expect(validateSlot(def, v("明天", "2026-11-29"), "en", now, 480)).toBeNull();
    const amount = { ...v("a lot", ""), normalized: 200_000 };
    expect(validateSlot(domain.slots.amount, amount, "en", now, 480)).toBe(
      "The price difference cannot be more than 100000.",
    );
    expect(validateSlot(domain.slots.return_reason, v("x", "bored"), "en", now, 480)).toContain(
      "not a valid reason",
    );
  });
});

describe("yes, no and cancel", () => {
  it.each(["对", "是的", "好的", "确认", "yes", "Yep!", "that's right"])("%s is yes", (t) =>
    expect(isYes(t)).toBe(true),
  );
  it.each(["不对", "不是，是周三", "no, make it Wednesday", "wrong"])("%s is no", (t) =>
    expect(isNo(t)).toBe(true),
  );
  it.each(["算了", "算了，不退了", "不用了", "never mind", "cancel", "forget it"])("%s cancels", (t) =>
    expect(isCancel(t)).toBe(true),
  );
  it.each(["对不起", "yesterday", "取消订单SD20260001", "cancel my order"])("%s is none of them", (t) => {
    expect(isYes(t) || isCancel(t)).toBe(false);
  });
});

describe("the form policy", () => {
  it("prefills identifying facts from earlier turns but never choices", () => {
    const state = { ...initialDialogueState(), facts: { order_id: "SD20260003", return_reason: "damaged" } };
    const r = runForm({
      domain,
      intent: intent("return_request"),
      state,
      text: "我要退货",
      language: "zh",
      extracted: {},
      starting: true,
      now,
      utcOffsetMinutes: 480,
    });
    expect(r.slots.order_id).toMatchObject({ normalized: "SD20260003", source: "context" });
    expect(r.outcome).toMatchObject({ kind: "ask", slot: "return_reason" });
  });

  it("completes without confirmation for intents that do not ask for one", () => {
    const r = runForm({
      domain,
      intent: intent("track_order"),
      state: initialDialogueState(),
      text: "SD20260001",
      language: "en",
      extracted: extractSlots("SD20260001", defs("track_order"), ctx),
      starting: true,
      now,
      utcOffsetMinutes: 480,
    });
    expect(r.outcome.kind).toBe("complete");
  });
});
