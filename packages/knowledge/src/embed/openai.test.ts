import http from "node:http";
import type { AddressInfo } from "node:net";
import { UpstreamError } from "@seekdesk/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAIEmbedder } from "./openai.ts";

/** A loopback `/v1/embeddings` server: the vector of "n" is [n, 1], answered in reverse order. */
let status = 200;
const batches: string[][] = [];
const auth: (string | undefined)[] = [];
let server: http.Server;
let baseUrl = "";
beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const { input } = JSON.parse(body) as { input: string[] };
      batches.push(input);
      auth.push(req.headers.authorization);
      res.writeHead(status, { "content-type": "application/json" });
      const data = input.map((t, index) => ({ index, embedding: [Number(t), 1] })).reverse();
      res.end(JSON.stringify(status === 200 ? { data } : { error: { message: "down" } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe("OpenAI-compatible embedder", () => {
  it("batches, puts vectors back in input order, normalises them and learns the size", async () => {
    const e = new OpenAIEmbedder({ baseUrl, model: "bge-m3", apiKey: "sk-test", batchSize: 2 });
    const vs = await e.embed(["0", "3", "4"]);
    expect(batches.splice(0)).toEqual([["0", "3"], ["4"]]);
    expect(auth.splice(0)).toEqual(["Bearer sk-test", "Bearer sk-test"]);
    expect(vs.map((v) => Array.from(v, (x) => Math.round(x * 1000) / 1000))).toEqual([
      [0, 1],
      [0.949, 0.316],
      [0.97, 0.243],
    ]);
    expect(e.dim).toBe(2);
  });

  it("reports a failing server as an upstream error naming the URL and status", async () => {
    status = 500;
    try {
      const err = await new OpenAIEmbedder({ baseUrl, model: "m" }).embed(["1"]).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(UpstreamError);
      expect((err as Error).message).toMatch(
        /embedding request to http:\/\/127\.0\.0\.1:\d+\/v1\/embeddings returned 500/,
      );
    } finally {
      status = 200;
    }
  });
});
