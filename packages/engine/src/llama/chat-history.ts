import { type ChatMessage, InvalidRequestError } from "@seekdesk/core";
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelResponse } from "node-llama-cpp";

/**
 * OpenAI messages → node-llama-cpp chat history. Tool results are attached to the call they
 * answer (by tool_call_id), which is how chat wrappers render them; reasoning_content is never
 * fed back to the model. The history ends with a model turn for the generation to fill (an
 * assistant message last is continued, as a prefill).
 */
export function toChatHistory(
  messages: ChatMessage[],
  opts: { thoughtSegments?: boolean } = {},
): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  const calls = new Map<string, ChatModelFunctionCall>();
  messages.forEach((m, i) => {
    const content = m.content ?? "";
    switch (m.role) {
      case "system":
        history.push({ type: "system", text: content });
        return;
      case "user":
        history.push({ type: "user", text: content });
        return;
      case "assistant": {
        const response: ChatModelResponse["response"] = opts.thoughtSegments
          ? splitThought(content)
          : content
            ? [content]
            : [];
        for (const tc of m.tool_calls ?? []) {
          const call: ChatModelFunctionCall = {
            type: "functionCall",
            name: tc.function.name,
            params: parseArguments(tc.function.arguments, i),
            result: "",
          };
          calls.set(tc.id, call);
          response.push(call);
        }
        history.push({ type: "model", response });
        return;
      }
      case "tool": {
        const call = m.tool_call_id ? calls.get(m.tool_call_id) : undefined;
        if (!call) {
          throw new InvalidRequestError(
            `messages[${i}]: tool message answers tool_call_id ${JSON.stringify(m.tool_call_id)}, which no earlier assistant message made`,
            `messages[${i}].tool_call_id`,
          );
        }
        call.result = content;
        return;
      }
      default:
        throw new InvalidRequestError(`messages[${i}].role: unknown role`, `messages[${i}].role`);
    }
  });
  const last = history[history.length - 1];
  // A model turn that ends in tool calls is answered by a new turn continuing after the results.
  if (last?.type !== "model") history.push({ type: "model", response: [] });
  return history;
}

/**
 * An assistant prefill that opens `<think>` continues inside a thought: the chat wrapper must see
 * a thought segment, or it would treat the rest of the generation as the answer.
 */
function splitThought(content: string): ChatModelResponse["response"] {
  const open = content.indexOf("<think>");
  if (open < 0) return content ? [content] : [];
  const before = content.slice(0, open);
  const rest = content.slice(open + "<think>".length);
  const close = rest.indexOf("</think>");
  const thought = close < 0 ? rest : rest.slice(0, close);
  const after = close < 0 ? "" : rest.slice(close + "</think>".length);
  const out: ChatModelResponse["response"] = before.trim() ? [before] : [];
  out.push({ type: "segment", segmentType: "thought", text: thought.replace(/^\n/, ""), ended: close >= 0 });
  if (after) out.push(after);
  return out;
}

function parseArguments(args: string, i: number): unknown {
  try {
    return JSON.parse(args || "{}");
  } catch {
    throw new InvalidRequestError(
      `messages[${i}].tool_calls: function arguments are not valid JSON`,
      `messages[${i}].tool_calls`,
    );
  }
}
