import { type ChatEvent, InvalidRequestError, NotFoundError, type Usage } from "@seekdesk/core";
import type { Context, Hono } from "hono";
import type { Logger } from "pino";
import { allowsModel, type GatewayAuth, type Principal, requireModelAccess } from "../auth.ts";
import { readJsonBody } from "../body.ts";
import type { InferenceEngine } from "../engine.ts";
import { Generation } from "../generation.ts";
import type { GatewayMetrics } from "../metrics.ts";
import { jsonResponse } from "../observe.ts";
import { type LiveRequests, type RequestSignal, responseId } from "../request-abort.ts";
import {
  ChatCompletionBody,
  CompletionBody,
  EmbeddingBody,
  toChatRequest,
  toCompletionRequest,
} from "./schemas.ts";
import { SerializedChunk, SSE_HEADERS, sseBody } from "./sse.ts";

export interface OpenAIRouteDeps {
  engine: InferenceEngine;
  metrics: GatewayMetrics;
  auth: GatewayAuth;
  logger: Logger;
  bodyLimit: number;
  logPrompts: boolean;
  /** Identifies this build and configuration to clients, as OpenAI's system_fingerprint does. */
  fingerprint: string;
  /** Aborts generations whose client left, or all of them when the drain deadline passes. */
  live: LiveRequests;
}

const usageJson = (u: Usage) => ({
  prompt_tokens: u.promptTokens,
  completion_tokens: u.completionTokens,
  total_tokens: u.promptTokens + u.completionTokens,
});

function findModel(engine: InferenceEngine, name: string) {
  return engine.listModels().find((m) => m.id === name || m.aliases.includes(name));
}

/**
 * The canonical id of the model `name` names (the metrics' label: an unknown name never becomes
 * one, so a client cannot blow up label cardinality), after checking that it exists (404) and that the
 * caller's key may use it (403 model_not_allowed).
 */
export function allowedModel(engine: InferenceEngine, principal: Principal, name: string): string {
  const model = findModel(engine, name);
  if (!model) noModelsHint(engine, name);
  requireModelAccess(principal, model, name);
  return model.id;
}

function noModelsHint(engine: InferenceEngine, model: string): never {
  if (engine.listModels().length === 0) {
    throw new NotFoundError(
      `The model '${model}' does not exist: this server has no models configured (start it with --model <file.gguf> or --backend-url <url>)`,
      "model_not_found",
      "model",
    );
  }
  throw new NotFoundError(`The model '${model}' does not exist`, "model_not_found", "model");
}

export function registerOpenAIRoutes(app: Hono, d: OpenAIRouteDeps): void {
  const created = () => Math.floor(Date.now() / 1000);

  async function begin(
    c: Context,
    model: string,
    source: (signal: AbortSignal) => AsyncIterable<ChatEvent>,
  ): Promise<{ gen: Generation; abort: RequestSignal }> {
    const principal = c.get("principal");
    const label = allowedModel(d.engine, principal, model);
    c.get("trace").model = label;
    const abort = d.live.open(c);
    const trace = c.get("trace");
    const gen = await Generation.start(source(abort), {
      metrics: d.metrics,
      model: label,
      startedAt: trace.startedAt,
      onEnd: (u) => {
        trace.usage = u;
        d.auth.charge(principal, u.promptTokens + u.completionTokens);
      },
    });
    return { gen, abort };
  }

  function respondStream(
    c: Context,
    gen: Generation,
    abort: RequestSignal,
    toChunks: (events: AsyncGenerator<ChatEvent>) => AsyncGenerator<unknown>,
  ): Response {
    const trace = c.get("trace");
    trace.defer();
    trace.idInHeaders = true;
    const body = sseBody(toChunks(gen.events()), {
      onCancel: () => abort.abort(new Error("client closed the stream")),
      onEnd: (error) =>
        trace.finish(
          200,
          error ? { streamError: error instanceof Error ? error.message : String(error) } : undefined,
        ),
    });
    return new Response(body, {
      status: 200,
      headers: { ...SSE_HEADERS, "x-request-id": c.get("requestId") },
    });
  }

  const guard = d.auth.requireAuth();

  app.post("/v1/chat/completions", guard, async (c) => {
    const body = await readJsonBody(c, ChatCompletionBody, d.bodyLimit);
    const id = responseId("chatcmpl-");
    const req = toChatRequest(body, c.get("requestId"));
    if (d.logPrompts) d.logger.info({ requestId: req.requestId, messages: req.messages }, "prompt");
    const { gen, abort } = await begin(c, body.model, (signal) => d.engine.chat(req, signal));
    const base = {
      id,
      object: "chat.completion.chunk",
      created: created(),
      model: body.model,
      system_fingerprint: d.fingerprint,
    };
    if (!body.stream) {
      const r = await gen.collect();
      if (d.logPrompts) d.logger.info({ requestId: req.requestId, completion: r.text }, "completion");
      return jsonResponse(c, {
        id,
        object: "chat.completion",
        created: base.created,
        model: body.model,
        system_fingerprint: d.fingerprint,
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: r.toolCalls.length > 0 && r.text === "" ? null : r.text,
              ...(r.reasoning ? { reasoning_content: r.reasoning } : {}),
              ...(r.toolCalls.length > 0 ? { tool_calls: r.toolCalls } : {}),
            },
            logprobs: null,
            finish_reason: r.finishReason,
          },
        ],
        usage: usageJson(r.usage),
      });
    }
    const includeUsage = body.stream_options?.include_usage === true;
    async function* chunks(events: AsyncGenerator<ChatEvent>): AsyncGenerator<unknown> {
      const usage = includeUsage ? { usage: null } : {};
      yield {
        ...base,
        choices: [
          { index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null },
        ],
        ...usage,
      };
      let toolIndex = 0;
      // Text deltas are the hot path (one per token): splice the text into a pre-serialized frame.
      const head = `${JSON.stringify(base).slice(0, -1)},"choices":[{"index":0,"delta":{"content":`;
      const tail = `},"logprobs":null,"finish_reason":null}]${includeUsage ? ',"usage":null' : ""}}`;
      for await (const ev of events) {
        if (ev.type === "text") {
          yield new SerializedChunk(head + JSON.stringify(ev.text) + tail);
        } else if (ev.type === "reasoning") {
          yield {
            ...base,
            choices: [
              {
                index: 0,
                delta: { content: null, reasoning_content: ev.text },
                logprobs: null,
                finish_reason: null,
              },
            ],
            ...usage,
          };
        } else if (ev.type === "tool_call") {
          yield {
            ...base,
            choices: [
              {
                index: 0,
                delta: { tool_calls: [{ index: toolIndex++, ...ev.call }] },
                logprobs: null,
                finish_reason: null,
              },
            ],
            ...usage,
          };
        } else {
          yield {
            ...base,
            choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: ev.reason }],
            ...usage,
          };
          if (includeUsage) yield { ...base, choices: [], usage: usageJson(ev.usage) };
        }
      }
    }
    return respondStream(c, gen, abort, chunks);
  });

  app.post("/v1/completions", guard, async (c) => {
    const body = await readJsonBody(c, CompletionBody, d.bodyLimit);
    const id = responseId("cmpl-");
    const req = toCompletionRequest(body, c.get("requestId"));
    if (d.logPrompts) d.logger.info({ requestId: req.requestId, prompt: req.prompt }, "prompt");
    const { gen, abort } = await begin(c, body.model, (signal) => d.engine.complete(req, signal));
    const base = {
      id,
      object: "text_completion",
      created: created(),
      model: body.model,
      system_fingerprint: d.fingerprint,
    };
    if (!body.stream) {
      const r = await gen.collect();
      return jsonResponse(c, {
        ...base,
        choices: [{ index: 0, text: r.text, logprobs: null, finish_reason: r.finishReason }],
        usage: usageJson(r.usage),
      });
    }
    const includeUsage = body.stream_options?.include_usage === true;
    async function* chunks(events: AsyncGenerator<ChatEvent>): AsyncGenerator<unknown> {
      const usage = includeUsage ? { usage: null } : {};
      const head = `${JSON.stringify(base).slice(0, -1)},"choices":[{"index":0,"text":`;
      const tail = `,"logprobs":null,"finish_reason":null}]${includeUsage ? ',"usage":null' : ""}}`;
      for await (const ev of events) {
        if (ev.type === "text") yield new SerializedChunk(head + JSON.stringify(ev.text) + tail);
        else if (ev.type === "finish") {
          yield {
            ...base,
            choices: [{ index: 0, text: "", logprobs: null, finish_reason: ev.reason }],
            ...usage,
          };
          if (includeUsage) yield { ...base, choices: [], usage: usageJson(ev.usage) };
        }
      }
    }
    return respondStream(c, gen, abort, chunks);
  });

  app.post("/v1/embeddings", guard, async (c) => {
    const body = await readJsonBody(c, EmbeddingBody, d.bodyLimit);
    const label = allowedModel(d.engine, c.get("principal"), body.model);
    c.get("trace").model = label;
    const input = typeof body.input === "string" ? [body.input] : body.input;
    if (input.some((s) => s.length === 0))
      throw new InvalidRequestError("Invalid 'input': empty strings cannot be embedded", "input");
    const signal = d.live.open(c);
    const r = await d.engine.embed({ model: body.model, input }, signal);
    d.metrics.promptTokens.inc({ model: label }, r.promptTokens);
    d.auth.charge(c.get("principal"), r.promptTokens);
    const encode = (v: number[]) =>
      body.encoding_format === "base64" ? Buffer.from(new Float32Array(v).buffer).toString("base64") : v;
    return c.json({
      object: "list",
      data: r.vectors.map((v, index) => ({ object: "embedding", index, embedding: encode(v) })),
      model: body.model,
      usage: { prompt_tokens: r.promptTokens, total_tokens: r.promptTokens },
    });
  });

  const modelJson = (m: { id: string; kind: string; created: number }) => ({
    id: m.id,
    object: "model",
    created: m.created,
    owned_by: `seekdesk-${m.kind}`,
  });

  // A key limited to some models sees only those, as an OpenAI project sees only its models.
  app.get("/v1/models", guard, (c) =>
    c.json({
      object: "list",
      data: d.engine
        .listModels()
        .filter((m) => allowsModel(c.get("principal"), m))
        .map(modelJson),
    }),
  );
  app.get("/v1/models/:id{.+}", guard, (c) => {
    const id = c.req.param("id");
    const m = findModel(d.engine, id);
    if (!m || !allowsModel(c.get("principal"), m))
      throw new NotFoundError(`The model '${id}' does not exist`, "model_not_found", "model");
    return c.json(modelJson(m));
  });
}
