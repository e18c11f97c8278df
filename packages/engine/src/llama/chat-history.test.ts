import { InvalidRequestError } from "@seekdesk/core";
import { describe, expect, it } from "vitest";
import { toChatHistory } from "./chat-history.ts";
import { toGbnfSchema, toolCallSchema } from "./json-schema.ts";

describe("toChatHistory", () => {
  it("maps roles, attaches tool results to their calls and leaves a model turn to fill", () => {
    const h = toChatHistory([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Where is order 7?" },
      {
        role: "assistant",
        content: null,
        reasoning_content: "never sent back",
        tool_calls: [{ id: "c1", type: "function", function: { name: "track", arguments: '{"id":7}' } }],
      },
      { role: "tool", tool_call_id: "c1", content: "in transit" },
    ]);
    expect(h).toEqual([
      { type: "system", text: "Be brief." },
      { type: "user", text: "Where is order 7?" },
      {
        type: "model",
        response: [{ type: "functionCall", name: "track", params: { id: 7 }, result: "in transit" }],
      },
    ]);
    const fresh = toChatHistory([{ role: "user", content: "hi" }]);
    expect(fresh.at(-1)).toEqual({ type: "model", response: [] });
  });

  it("turns a <think> prefill into an open thought segment when the wrapper thinks", () => {
    const h = toChatHistory(
      [
        { role: "user", content: "hi" },
        { role: "assistant", content: "<think>\nfirst" },
      ],
      { thoughtSegments: true },
    );
    expect(h.at(-1)).toEqual({
      type: "model",
      response: [{ type: "segment", segmentType: "thought", text: "first", ended: false }],
    });
  });

  it("rejects a tool result for a call nobody made, and arguments that are not JSON", () => {
    expect(() => toChatHistory([{ role: "tool", tool_call_id: "x", content: "?" }])).toThrow(
      InvalidRequestError,
    );
    expect(() =>
      toChatHistory([
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "a", type: "function", function: { name: "f", arguments: "{" } }],
        },
      ]),
    ).toThrow(/not valid JSON/);
  });
});

describe("toGbnfSchema", () => {
  it("keeps structure, resolves local refs and nullable types, drops assertions it cannot enforce", () => {
    const s = toGbnfSchema({
      type: "object",
      properties: {
        when: { type: "string", format: "date" },
        qty: { type: "integer", minimum: 1 },
        tag: { anyOf: [{ $ref: "#/definitions/Tag" }, { type: "null" }] },
        note: { type: ["string", "null"], pattern: "^x" },
      },
      required: ["qty"],
      definitions: { Tag: { enum: ["a", "b"] } },
    });
    expect(s).toEqual({
      type: "object",
      properties: {
        when: { type: "string", format: "date" },
        qty: { type: "integer" },
        tag: { oneOf: [{ $ref: "#/$defs/Tag" }, { type: "null" }] },
        note: { type: ["string", "null"] },
      },
      required: ["qty"],
      additionalProperties: false,
      $defs: { Tag: { enum: ["a", "b"] } },
    });
  });

  it("names the place of what it cannot translate", () => {
    expect(() => toGbnfSchema({ type: "object", properties: { a: { $ref: "https://x/y.json" } } })).toThrow(
      /schema.properties.a.\$ref/,
    );
    expect(() => toGbnfSchema({ type: "tuple" })).toThrow(InvalidRequestError);
  });

  it("builds a forced-call schema over several tools", () => {
    const s = toolCallSchema([
      { type: "function", function: { name: "a" } },
      {
        type: "function",
        function: { name: "b", parameters: { type: "object", properties: { x: { type: "boolean" } } } },
      },
    ]) as unknown as { oneOf: { properties: { name: unknown } }[] };
    expect(s.oneOf.map((o) => o.properties.name)).toEqual([{ const: "a" }, { const: "b" }]);
  });
});
