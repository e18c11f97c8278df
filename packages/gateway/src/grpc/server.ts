import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import {
  InvalidRequestError,
  newId,
  retryAfterSeconds,
  type SeekdeskError,
  toSeekdeskError,
  UnavailableError,
  UserInputError,
} from "@seekdesk/core";
import type { Logger } from "pino";
import { bearerToken, type GatewayAuth } from "../auth.ts";
import { validate } from "../body.ts";
import { grpcPeerAddress } from "../client-ip.ts";
import type { InferenceEngine } from "../engine.ts";
import { Generation } from "../generation.ts";
import type { GatewayMetrics } from "../metrics.ts";
import { allowedModel } from "../openai/routes.ts";
import { ChatCompletionBody, toChatRequest } from "../openai/schemas.ts";
import type { TlsFiles } from "../tls.ts";

export const PROTO_PATH = fileURLToPath(new URL("../../proto/seekdesk.proto", import.meta.url));

/** How the proto is loaded, here and by clients in tests: field names as written, int64 as numbers. */
export const PROTO_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: false,
  oneofs: true,
};

interface GrpcToolCall {
  id?: string;
  name?: string;
  arguments?: string;
}
interface GrpcMessage {
  role?: string;
  content?: string;
  reasoning_content?: string;
  name?: string;
  tool_call_id?: string;
  tool_calls?: GrpcToolCall[];
}
export interface GrpcChatRequest {
  model?: string;
  messages?: GrpcMessage[];
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  seed?: number;
  stop?: string[];
  response_format_json?: string;
  tools_json?: string;
  tool_choice_json?: string;
  frequency_penalty?: number;
  presence_penalty?: number;
  logit_bias?: Record<string, number>;
}

export interface GrpcGateway {
  port: number;
  stopAccepting(): void;
  close(): Promise<void>;
}

export interface GrpcDeps {
  host: string;
  port: number;
  /** Serve over TLS with this certificate and key (server.tls); null: plaintext. */
  tls?: TlsFiles | null;
  engine: InferenceEngine;
  auth: GatewayAuth;
  metrics: GatewayMetrics;
  logger: Logger;
  fingerprint: string;
  shutdown: AbortSignal;
  isDraining(): boolean;
  inflight: { start(): void; end(): void };
}

type Call =
  | grpc.ServerUnaryCall<GrpcChatRequest, unknown>
  | grpc.ServerWritableStream<GrpcChatRequest, unknown>;

/** How one method answers once its work settles; `cancelled` says the client has gone. */
interface Reply<T> {
  status(cancelled: boolean): grpc.status;
  send(value: T, cancelled: boolean): void;
  fail(error: Partial<grpc.StatusObject>, cancelled: boolean): void;
}

const STATUS_BY_HTTP: Record<number, grpc.status> = {
  400: grpc.status.INVALID_ARGUMENT,
  401: grpc.status.UNAUTHENTICATED,
  403: grpc.status.PERMISSION_DENIED,
  404: grpc.status.NOT_FOUND,
  413: grpc.status.INVALID_ARGUMENT,
  429: grpc.status.RESOURCE_EXHAUSTED,
  499: grpc.status.CANCELLED,
  502: grpc.status.UNAVAILABLE,
  503: grpc.status.UNAVAILABLE,
  504: grpc.status.DEADLINE_EXCEEDED,
};

export function toGrpcError(err: unknown): Partial<grpc.StatusObject> {
  const e: SeekdeskError = toSeekdeskError(err);
  const metadata = new grpc.Metadata();
  if (e.code) metadata.set("error-code", e.code);
  if (e.param) metadata.set("error-param", e.param);
  const retryAfter = retryAfterSeconds(e);
  if (retryAfter !== null) metadata.set("retry-after", String(retryAfter));
  return { code: STATUS_BY_HTTP[e.status] ?? grpc.status.INTERNAL, details: e.message, metadata };
}

function parseJsonField(text: string | undefined, param: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidRequestError(`Invalid '${param}': not valid JSON`, param);
  }
}

/** The gRPC request as the OpenAI body, so both front ends share one validator. */
function toOpenAIBody(r: GrpcChatRequest): unknown {
  return {
    model: r.model ?? "",
    messages: (r.messages ?? []).map((m) => ({
      role: m.role ?? "",
      content: m.content ?? "",
      ...(m.reasoning_content ? { reasoning_content: m.reasoning_content } : {}),
      ...(m.name ? { name: m.name } : {}),
      ...(m.tool_call_id ? { tool_call_id: m.tool_call_id } : {}),
      ...(m.tool_calls?.length
        ? {
            tool_calls: m.tool_calls.map((t) => ({
              id: t.id ?? "",
              type: "function",
              function: { name: t.name ?? "", arguments: t.arguments ?? "" },
            })),
          }
        : {}),
    })),
    ...(r.max_tokens !== undefined ? { max_tokens: r.max_tokens } : {}),
    ...(r.temperature !== undefined ? { temperature: r.temperature } : {}),
    ...(r.top_p !== undefined ? { top_p: r.top_p } : {}),
    ...(r.seed !== undefined ? { seed: r.seed } : {}),
    ...(r.stop?.length ? { stop: r.stop } : {}),
    ...(r.frequency_penalty !== undefined ? { frequency_penalty: r.frequency_penalty } : {}),
    ...(r.presence_penalty !== undefined ? { presence_penalty: r.presence_penalty } : {}),
    ...(r.logit_bias && Object.keys(r.logit_bias).length > 0 ? { logit_bias: r.logit_bias } : {}),
    ...(r.response_format_json
      ? { response_format: parseJsonField(r.response_format_json, "response_format_json") }
      : {}),
    ...(r.tools_json ? { tools: parseJsonField(r.tools_json, "tools_json") } : {}),
    ...(r.tool_choice_json ? { tool_choice: parseJsonField(r.tool_choice_json, "tool_choice_json") } : {}),
  };
}

const usage = (u: { promptTokens: number; completionTokens: number }) => ({
  prompt_tokens: u.promptTokens,
  completion_tokens: u.completionTokens,
  total_tokens: u.promptTokens + u.completionTokens,
});

/**
 * grpc-js writes its own errors to stderr as bare lines (a port in use printed "E No address added
 * out of total 1 resolved" above our one-line explanation of the same failure): they go to the
 * structured log instead, tagged `component: "grpc-js"`. Its logger is process-wide, so the last
 * gateway started in a process (there is one outside tests) receives them.
 */
function routeGrpcJsLogs(logger: Logger): void {
  const to =
    (level: "warn" | "info" | "debug") =>
    (...args: unknown[]) =>
      logger[level]({ component: "grpc-js" }, args.map(String).join(" "));
  grpc.setLogger({ error: to("warn"), info: to("info"), debug: to("debug") });
}

export async function startGrpc(d: GrpcDeps): Promise<GrpcGateway> {
  routeGrpcJsLogs(d.logger);
  const def = protoLoader.loadSync(PROTO_PATH, PROTO_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    seekdesk: { v1: { Inference: grpc.ServiceClientConstructor } };
  };
  const server = new grpc.Server();
  let accepting = true;

  /** Shared by both methods: auth, limits, validation, then the first event (errors before any data). */
  async function begin(call: Call, route: string, abort: AbortController) {
    if (!accepting || d.isDraining())
      throw new UnavailableError("The server is shutting down", "shutting_down");
    const md = call.metadata;
    const first = (k: string) => {
      const v = md.get(k)[0];
      return typeof v === "string" ? v : v ? v.toString() : null;
    };
    const principal = await d.auth.principalForKey(
      bearerToken(first("authorization"), first("x-api-key")),
      grpcPeerAddress(call.getPeer()),
    );
    await d.auth.admit(principal);
    const requestId = first("x-request-id") ?? newId("req_", 8);
    const body = validate(ChatCompletionBody, toOpenAIBody(call.request));
    const label = allowedModel(d.engine, principal, body.model);
    const req = toChatRequest(body, requestId);
    const signal = AbortSignal.any([abort.signal, d.shutdown]);
    const gen = await Generation.start(d.engine.chat(req, signal), {
      metrics: d.metrics,
      model: label,
      startedAt: performance.now(),
      onEnd: (u) => d.auth.charge(principal, u.promptTokens + u.completionTokens),
    });
    void route;
    return { gen, label, requestId, model: body.model };
  }

  function record(
    route: string,
    model: string,
    code: grpc.status,
    started: number,
    requestId: string | null,
    peer: string,
  ) {
    const seconds = (performance.now() - started) / 1000;
    d.metrics.requests.inc({ route, model, status: grpc.status[code] ?? String(code) });
    d.metrics.requestDuration.observe({ route, model }, seconds);
    d.logger.info(
      {
        requestId,
        client: grpcPeerAddress(peer),
        route,
        model,
        grpcStatus: grpc.status[code],
        ms: Math.round(seconds * 10000) / 10,
      },
      "request",
    );
  }

  /**
   * Shared by both methods around their own work: cancel aborts the generation, the call counts
   * as in flight until it settles, and it is recorded before the reply goes out, so whoever sees
   * the reply also sees it in metrics and in the drain count.
   */
  function serve<T>(
    call: Call,
    route: string,
    work: (s: Awaited<ReturnType<typeof begin>>, signal: AbortSignal) => Promise<T>,
    reply: Reply<T>,
  ) {
    const started = performance.now();
    // Read now: once the call has ended the transport may no longer say.
    const peer = call.getPeer();
    const abort = new AbortController();
    call.on("cancelled", () => abort.abort(new Error("client cancelled")));
    d.inflight.start();
    let model = "none";
    let requestId: string | null = null;
    (async () => {
      const s = await begin(call, route, abort);
      model = s.label;
      requestId = s.requestId;
      return work(s, abort.signal);
    })().then(
      (value) => {
        const cancelled = abort.signal.aborted;
        record(route, model, reply.status(cancelled), started, requestId, peer);
        d.inflight.end();
        reply.send(value, cancelled);
      },
      (err) => {
        const e = toGrpcError(err);
        record(route, model, e.code ?? grpc.status.INTERNAL, started, requestId, peer);
        d.inflight.end();
        reply.fail(e, abort.signal.aborted);
      },
    );
  }

  server.addService(pkg.seekdesk.v1.Inference.service, {
    Chat: (call: grpc.ServerUnaryCall<GrpcChatRequest, unknown>, callback: grpc.sendUnaryData<unknown>) =>
      serve(
        call,
        "grpc.Chat",
        async (s) => {
          const r = await s.gen.collect();
          return {
            id: newId("chatcmpl-"),
            model: s.model,
            created: Math.floor(Date.now() / 1000),
            content: r.text,
            reasoning_content: r.reasoning,
            tool_calls: r.toolCalls.map((t) => ({
              id: t.id,
              name: t.function.name,
              arguments: t.function.arguments,
            })),
            finish_reason: r.finishReason,
            usage: usage(r.usage),
            system_fingerprint: d.fingerprint,
          };
        },
        {
          status: () => grpc.status.OK,
          send: (res) => callback(null, res),
          fail: (e) => callback(e),
        },
      ),
    ChatStream: (call: grpc.ServerWritableStream<GrpcChatRequest, unknown>) =>
      serve(
        call,
        "grpc.ChatStream",
        async (s, signal) => {
          const id = newId("chatcmpl-");
          for await (const ev of s.gen.events()) {
            if (signal.aborted) break;
            if (ev.type === "text") call.write({ id, content: ev.text });
            else if (ev.type === "reasoning") call.write({ id, reasoning_content: ev.text });
            else if (ev.type === "tool_call")
              call.write({
                id,
                tool_call: {
                  id: ev.call.id,
                  name: ev.call.function.name,
                  arguments: ev.call.function.arguments,
                },
              });
            else call.write({ id, finish_reason: ev.reason, usage: usage(ev.usage) });
          }
        },
        {
          // A stream the client left counts as cancelled even when the generation ran out cleanly.
          status: (cancelled) => (cancelled ? grpc.status.CANCELLED : grpc.status.OK),
          send: (_, cancelled) => {
            if (!cancelled) call.end();
          },
          fail: (e, cancelled) => {
            if (!cancelled) call.emit("error", e);
          },
        },
      ),
  });

  const port = await new Promise<number>((ok, fail) => {
    const host = d.host.includes(":") && !d.host.startsWith("[") ? `[${d.host}]` : d.host;
    const credentials = d.tls
      ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: d.tls.cert, private_key: d.tls.key }], false)
      : grpc.ServerCredentials.createInsecure();
    server.bindAsync(`${host}:${d.port}`, credentials, (err, p) =>
      err
        ? fail(
            new UserInputError(
              `cannot listen for gRPC on ${d.host}:${d.port}: ${/EADDRINUSE/.test(err.message) ? "the port is in use" : err.message} (choose another with --grpc-port, or "off")`,
            ),
          )
        : ok(p),
    );
  });
  return {
    port,
    stopAccepting() {
      accepting = false;
    },
    close() {
      return new Promise<void>((ok) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          ok();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          ok();
        });
      });
    },
  };
}
