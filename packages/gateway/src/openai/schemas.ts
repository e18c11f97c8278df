/**
 * Request bodies of the OpenAI API, as zod schemas. Unknown fields are accepted and ignored
 * (SDKs send new ones all the time); known fields are checked so a bad value is a 400 naming it.
 */
import type {
  ChatMessage,
  ChatRequest,
  CompletionRequest,
  ResponseFormat,
  ToolDefinition,
} from "@seekdesk/core";
import { z } from "zod";

const textPart = z.looseObject({ type: z.literal("text"), text: z.string() });
const content = z.union(
  [z.string(), z.array(textPart, { error: "expected a string or an array of text parts" }), z.null()],
  {
    error: "expected a string or an array of text parts",
  },
);

const toolCall = z.looseObject({
  id: z.string(),
  type: z.literal("function"),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

const message = z.looseObject({
  role: z.enum(["system", "user", "assistant", "tool", "developer"], {
    error: "expected one of system, user, assistant, tool, developer",
  }),
  content: content.optional(),
  reasoning_content: z.string().nullable().optional(),
  name: z.string().optional(),
  tool_calls: z.array(toolCall).optional(),
  tool_call_id: z.string().optional(),
});

const stop = z
  .union([z.string(), z.array(z.string()).max(16, "at most 16 stop sequences"), z.null()], {
    error: "expected a string or an array of strings",
  })
  .optional();

const penalty = z
  .number({ error: "expected a number" })
  .min(-2, "must be between -2 and 2")
  .max(2, "must be between -2 and 2")
  .nullable()
  .optional();

/** OpenAI's logit_bias: token ids (as JSON keys) to −100…100; at most 1024 of them. */
const logitBias = z
  .record(
    z.string().regex(/^\d{1,9}$/, "keys must be token ids (non-negative integers)"),
    z
      .number({ error: "expected a number" })
      .min(-100, "must be between -100 and 100")
      .max(100, "must be between -100 and 100"),
    {
      error: (issue) =>
        issue.code === "invalid_key"
          ? "keys must be token ids (non-negative integers)"
          : "expected an object of token ids to numbers",
    },
  )
  .refine((m) => Object.keys(m).length <= 1024, "at most 1024 token biases")
  .nullable()
  .optional();

const sampling = {
  model: z.string({ error: "expected a model id string" }).min(1, "expected a model id"),
  stream: z.boolean({ error: "expected true or false" }).nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: z
    .number({ error: "expected an integer" })
    .int("expected an integer")
    .positive("must be at least 1")
    .nullable()
    .optional(),
  temperature: z
    .number({ error: "expected a number" })
    .min(0, "must be between 0 and 2")
    .max(2, "must be between 0 and 2")
    .nullable()
    .optional(),
  top_p: z
    .number({ error: "expected a number" })
    .min(0, "must be between 0 and 1")
    .max(1, "must be between 0 and 1")
    .nullable()
    .optional(),
  seed: z.number({ error: "expected an integer" }).int("expected an integer").nullable().optional(),
  frequency_penalty: penalty,
  presence_penalty: penalty,
  logit_bias: logitBias,
  stop,
  n: z.literal(1, { error: "only n=1 is supported" }).nullable().optional(),
  user: z.string().optional(),
};

const responseFormat = z.discriminatedUnion(
  "type",
  [
    z.looseObject({ type: z.literal("text") }),
    z.looseObject({ type: z.literal("json_object") }),
    z.looseObject({
      type: z.literal("json_schema"),
      json_schema: z.looseObject({
        name: z.string({ error: "expected a name" }),
        schema: z.record(z.string(), z.unknown(), { error: "expected a JSON schema object" }),
        strict: z.boolean().nullable().optional(),
      }),
    }),
  ],
  { error: "expected type text, json_object or json_schema" },
);

const tool = z.looseObject({
  type: z.literal("function", { error: 'expected type "function"' }),
  function: z.looseObject({
    name: z.string({ error: "expected a function name" }).min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

export const ChatCompletionBody = z.looseObject({
  ...sampling,
  messages: z
    .array(message, { error: "expected an array of messages" })
    .min(1, "expected at least one message"),
  max_completion_tokens: z
    .number({ error: "expected an integer" })
    .int("expected an integer")
    .positive("must be at least 1")
    .nullable()
    .optional(),
  response_format: responseFormat.nullable().optional(),
  tools: z.array(tool, { error: "expected an array of tools" }).nullable().optional(),
  tool_choice: z
    .union(
      [
        z.enum(["none", "auto", "required"]),
        z.looseObject({ type: z.literal("function"), function: z.looseObject({ name: z.string() }) }),
      ],
      {
        error: 'expected "none", "auto", "required" or a function choice',
      },
    )
    .nullable()
    .optional(),
});
export type ChatCompletionBody = z.infer<typeof ChatCompletionBody>;

export const CompletionBody = z.looseObject({
  ...sampling,
  prompt: z.union([z.string(), z.array(z.string()).length(1, "only one prompt per request is supported")], {
    error: "expected a string",
  }),
  echo: z.literal(false, { error: "echo is not supported" }).nullable().optional(),
});
export type CompletionBody = z.infer<typeof CompletionBody>;

export const EmbeddingBody = z.looseObject({
  model: z.string({ error: "expected a model id string" }).min(1, "expected a model id"),
  input: z.union(
    [z.string(), z.array(z.string()).min(1, "expected at least one input").max(2048, "at most 2048 inputs")],
    {
      error: "expected a string or an array of strings (token arrays are not supported)",
    },
  ),
  encoding_format: z.enum(["float", "base64"], { error: "expected float or base64" }).optional(),
  dimensions: z.number().int().positive().optional(),
  user: z.string().optional(),
});
export type EmbeddingBody = z.infer<typeof EmbeddingBody>;

function flattenContent(c: z.infer<typeof content> | undefined): string | null {
  if (c === undefined || c === null) return null;
  if (typeof c === "string") return c;
  return c.map((p) => p.text).join("");
}

function stopList(s: z.infer<typeof stop>): string[] | undefined {
  if (s === undefined || s === null) return undefined;
  const list = (typeof s === "string" ? [s] : s).filter((x) => x.length > 0);
  return list.length > 0 ? list : undefined;
}

const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

export function toChatRequest(body: ChatCompletionBody, requestId: string): ChatRequest {
  const messages: ChatMessage[] = body.messages.map((m) => ({
    // "developer" is the newer OpenAI name for system instructions.
    role: m.role === "developer" ? "system" : m.role,
    content: flattenContent(m.content),
    ...(m.reasoning_content ? { reasoning_content: m.reasoning_content } : {}),
    ...(m.name ? { name: m.name } : {}),
    ...(m.tool_calls
      ? {
          tool_calls: m.tool_calls.map((t) => ({
            id: t.id,
            type: "function" as const,
            function: { name: t.function.name, arguments: t.function.arguments },
          })),
        }
      : {}),
    ...(m.tool_call_id ? { tool_call_id: m.tool_call_id } : {}),
  }));
  const rf = body.response_format ?? undefined;
  let responseFormat: ResponseFormat | undefined;
  if (rf?.type === "json_object") responseFormat = { type: "json_object" };
  else if (rf?.type === "json_schema") {
    const js = rf.json_schema as { name: string; schema: Record<string, unknown>; strict?: boolean | null };
    responseFormat = {
      type: "json_schema",
      json_schema: { name: js.name, schema: js.schema, ...(js.strict ? { strict: true } : {}) },
    };
  }
  const tools: ToolDefinition[] | undefined = body.tools?.map((t) => ({
    type: "function",
    function: {
      name: t.function.name,
      ...(t.function.description !== undefined ? { description: t.function.description } : {}),
      ...(t.function.parameters !== undefined ? { parameters: t.function.parameters } : {}),
    },
  }));
  return {
    model: body.model,
    messages,
    requestId,
    maxTokens: opt(body.max_completion_tokens) ?? opt(body.max_tokens),
    temperature: opt(body.temperature),
    topP: opt(body.top_p),
    seed: opt(body.seed),
    stop: stopList(body.stop),
    ...penaltiesAndBias(body),
    ...(responseFormat ? { responseFormat } : {}),
    ...(tools && tools.length > 0 && body.tool_choice !== "none"
      ? { tools, toolChoice: body.tool_choice ?? "auto" }
      : {}),
  };
}

/** The penalties and biases a request set; none at all when it set none (0 or {} change nothing). */
function penaltiesAndBias(body: {
  frequency_penalty?: number | null;
  presence_penalty?: number | null;
  logit_bias?: Record<string, number> | null;
}) {
  return {
    ...(body.frequency_penalty ? { frequencyPenalty: body.frequency_penalty } : {}),
    ...(body.presence_penalty ? { presencePenalty: body.presence_penalty } : {}),
    ...(body.logit_bias && Object.keys(body.logit_bias).length > 0 ? { logitBias: body.logit_bias } : {}),
  };
}

export function toCompletionRequest(body: CompletionBody, requestId: string): CompletionRequest {
  return {
    model: body.model,
    prompt: typeof body.prompt === "string" ? body.prompt : body.prompt[0],
    requestId,
    maxTokens: opt(body.max_tokens),
    temperature: opt(body.temperature),
    topP: opt(body.top_p),
    seed: opt(body.seed),
    stop: stopList(body.stop),
    ...penaltiesAndBias(body),
  };
}
