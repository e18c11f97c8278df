import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { Engine, OpenAICompatibleBackend } from "@seekdesk/engine";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EngineAdapter } from "../engine-adapter.ts";
import { type DripUpstream, startDripUpstream } from "../testing/drip-upstream.ts";
import { metricValue } from "../testing/metrics-text.ts";
import { startTempGateway, type TempGateway } from "../testing/temp-gateway.ts";
import { PROTO_OPTIONS, PROTO_PATH } from "./server.ts";

interface Chunk {
  id: string;
  content?: string;
  finish_reason?: string;
  usage?: { total_tokens: number };
}
type Client = grpc.Client & {
  Chat(
    req: unknown,
    md: grpc.Metadata,
    cb: (err: grpc.ServiceError | null, res: Record<string, unknown>) => void,
  ): void;
  ChatStream(req: unknown, md: grpc.Metadata): grpc.ClientReadableStream<Chunk>;
};

let upstream: DripUpstream;
let slow: DripUpstream;
let gw: TempGateway;
let client: Client;

beforeAll(async () => {
  upstream = await startDripUpstream({ tokens: 4 });
  slow = await startDripUpstream({ tokens: 100_000, intervalMs: 2 });
  const engine = new Engine({
    backends: [
      new OpenAICompatibleBackend({ name: "fixed", baseUrl: upstream.url, models: ["fixed"] }),
      new OpenAICompatibleBackend({ name: "slow", baseUrl: slow.url, models: ["slow"] }),
    ],
    healthCheck: false,
  });
  gw = await startTempGateway({ engine: new EngineAdapter(engine) });
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO_PATH, PROTO_OPTIONS)) as unknown as {
    seekdesk: { v1: { Inference: grpc.ServiceClientConstructor } };
  };
  client = new pkg.seekdesk.v1.Inference(
    `127.0.0.1:${gw.listening.grpcPort}`,
    grpc.credentials.createInsecure(),
  ) as unknown as Client;
});
afterAll(async () => {
  client.close();
  await gw.stop();
  await upstream.close();
  await slow.close();
});

const request = { model: "fixed", messages: [{ role: "user", content: "hello" }], max_tokens: 16 };

function unary(req: unknown, md = new grpc.Metadata()): Promise<Record<string, unknown>> {
  return new Promise((ok, fail) => client.Chat(req, md, (err, res) => (err ? fail(err) : ok(res))));
}

function streamAll(req: unknown, md = new grpc.Metadata()): Promise<Chunk[]> {
  return new Promise((ok, fail) => {
    const chunks: Chunk[] = [];
    const call = client.ChatStream(req, md);
    call.on("data", (c: Chunk) => chunks.push(c));
    call.on("error", fail);
    call.on("end", () => ok(chunks));
  });
}

describe("gRPC API", () => {
  it("answers unary Chat with the same content and usage as HTTP", async () => {
    const res = await unary(request);
    expect(res).toMatchObject({ model: "fixed", content: "tok tok tok tok ", finish_reason: "stop" });
    expect(res.usage).toEqual({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
    expect(String(res.id)).toMatch(/^chatcmpl-/);
  });

  it("streams ChatStream deltas and ends with finish_reason and usage", async () => {
    const chunks = await streamAll(request);
    expect(chunks.map((c) => c.content ?? "").join("")).toBe("tok tok tok tok ");
    const last = chunks.at(-1);
    expect(last?.finish_reason).toBe("stop");
    expect(last?.usage?.total_tokens).toBe(9);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it("cancelling a ChatStream stops the generation upstream", async () => {
    const call = client.ChatStream({ ...request, model: "slow" }, new grpc.Metadata());
    const status = new Promise<grpc.status>((ok) => call.on("status", (s: grpc.StatusObject) => ok(s.code)));
    call.on("error", () => {
      // the CANCELLED error the client itself caused
    });
    let seen = 0;
    call.on("data", () => {
      if (++seen === 3) call.cancel();
    });
    expect(await status).toBe(grpc.status.CANCELLED);
    expect(seen).toBeGreaterThanOrEqual(3);
    await vi.waitFor(async () => {
      expect(slow.clientAborts).toBe(1);
      expect(
        metricValue(await (await fetch(`${gw.url}/metrics`)).text(), "seekdesk_active_sequences", {
          model: "slow",
        }),
      ).toBe(0);
    });
  });

  it("maps errors to status codes: unknown model, bad params, missing key", async () => {
    await expect(unary({ ...request, model: "nope" })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    const bad = await unary({ ...request, temperature: 7 }).catch((e: grpc.ServiceError) => e);
    expect(bad).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    expect((bad as grpc.ServiceError).metadata.get("error-param")).toEqual(["temperature"]);
    // The penalties cross the proto into the same validation as HTTP's.
    const penalty = await unary({ ...request, frequency_penalty: -3 }).catch((e: grpc.ServiceError) => e);
    expect((penalty as grpc.ServiceError).metadata.get("error-param")).toEqual(["frequency_penalty"]);
    const bias = await unary({ ...request, logit_bias: { "15": 250 } }).catch((e: grpc.ServiceError) => e);
    expect(String((bias as grpc.ServiceError).metadata.get("error-param")[0])).toMatch(/^logit_bias/);
    expect((await unary({ ...request, frequency_penalty: 0.5, presence_penalty: 0.5 })).content).toBe(
      "tok tok tok tok ",
    );
    await expect(streamAll({ ...request, messages: [] })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
    });

    const { key } = await gw.gateway.keys.create({ name: "grpc", rpm: 1 });
    await expect(unary(request)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    const md = new grpc.Metadata();
    md.set("authorization", `Bearer ${key}`);
    expect((await unary(request, md)).content).toBe("tok tok tok tok ");
    const limited = await unary(request, md).catch((e: grpc.ServiceError) => e);
    expect(limited).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
    expect(Number((limited as grpc.ServiceError).metadata.get("retry-after")[0])).toBeGreaterThanOrEqual(1);

    const text = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metricValue(text, "seekdesk_requests_total", { route: "grpc.Chat", status: "OK" })).toBe(3);
    expect(metricValue(text, "seekdesk_requests_total", { route: "grpc.Chat", status: "NOT_FOUND" })).toBe(1);

    // A key limited to one model is refused the others, as over HTTP.
    const only = await gw.gateway.keys.create({ name: "grpc slow only", models: ["slow"] });
    const onlyMd = new grpc.Metadata();
    onlyMd.set("authorization", `Bearer ${only.key}`);
    const refused = await unary(request, onlyMd).catch((e: grpc.ServiceError) => e);
    expect(refused).toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    expect((refused as grpc.ServiceError).metadata.get("error-code")).toEqual(["model_not_allowed"]);
  });
});
