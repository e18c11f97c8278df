import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { Engine, OpenAICompatibleBackend } from "@seekdesk/engine";
import OpenAI from "openai";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineAdapter } from "./engine-adapter.ts";
import { type DripUpstream, startDripUpstream } from "./testing/drip-upstream.ts";
import { startTempGateway, type TempGateway } from "./testing/temp-gateway.ts";

const dir = mkdtempSync(join(tmpdir(), "seekdesk-tls-"));

/** A self-signed certificate for 127.0.0.1 and localhost, made with openssl; returns its paths. */
function selfSigned(name: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  execFileSync("openssl", [
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
    ...["-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", `/CN=${name}`],
    ...["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
  ]);
  return { certFile, keyFile };
}

let upstream: DripUpstream;
let gw: TempGateway;
let tls: { certFile: string; keyFile: string };
let ca: Buffer;

beforeAll(async () => {
  tls = selfSigned("seekdesk-test");
  ca = readFileSync(tls.certFile);
  upstream = await startDripUpstream({ tokens: 3 });
  const engine = new Engine({
    backends: [new OpenAICompatibleBackend({ name: "fixed", baseUrl: upstream.url, models: ["fixed"] })],
    healthCheck: false,
  });
  gw = await startTempGateway({ engine: new EngineAdapter(engine), config: { server: { tls } } });
});
afterAll(async () => {
  await gw?.stop();
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("TLS (server.tls)", () => {
  it("serves the OpenAI API over HTTPS to a client that trusts the certificate", async () => {
    expect(gw.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const dispatcher = new Agent({ connect: { ca } });
    const client = new OpenAI({
      baseURL: `${gw.url}/v1`,
      apiKey: "unused",
      maxRetries: 0,
      fetch: ((url: string, init: object) => undiciFetch(url, { ...init, dispatcher })) as never,
    });
    const r = await client.chat.completions.create({
      model: "fixed",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(r.choices[0].message.content).toBe("tok tok tok ");
    await dispatcher.close();
    // One that does not trust it is refused in the handshake, and plain HTTP gets no answer.
    const untrusted = await undiciFetch(`${gw.url}/health`).catch((e: Error) => e);
    expect(String((untrusted as Error & { cause?: { code?: string } }).cause?.code)).toMatch(
      /SELF_SIGNED|UNABLE/,
    );
    const plain = await undiciFetch(`${gw.url.replace("https:", "http:")}/health`).catch((e: Error) => e);
    expect(plain).toBeInstanceOf(Error);
  });

  it("serves gRPC over TLS with the same certificate, and refuses a plaintext client", async () => {
    const PROTO = fileURLToPath(new URL("../proto/seekdesk.proto", import.meta.url));
    const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO, { keepCase: true })) as unknown as {
      seekdesk: { v1: { Inference: grpc.ServiceClientConstructor } };
    };
    const chat = (credentials: grpc.ChannelCredentials) =>
      new Promise<Record<string, unknown>>((ok, fail) => {
        const client = new pkg.seekdesk.v1.Inference(`127.0.0.1:${gw.listening.grpcPort}`, credentials);
        client.Chat(
          { model: "fixed", messages: [{ role: "user", content: "hi" }] },
          { deadline: Date.now() + 5000 },
          (err: grpc.ServiceError | null, res: Record<string, unknown>) => {
            client.close();
            if (err) fail(err);
            else ok(res);
          },
        );
      });
    expect((await chat(grpc.credentials.createSsl(ca))).content).toBe("tok tok tok ");
    await expect(chat(grpc.credentials.createInsecure())).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
  });

  it("refuses to start with a missing file or a key that is not the certificate's, naming the field", async () => {
    const other = selfSigned("other");
    const start = (t: { certFile: string; keyFile: string }) =>
      startTempGateway({ config: { server: { tls: t, grpcPort: null } } }).then(
        (g) => g.stop().then(() => "started"),
        (e: Error) => e.message,
      );
    expect(await start({ ...tls, keyFile: join(dir, "nope.key") })).toBe(
      `server.tls.keyFile: cannot read ${join(dir, "nope.key")}: no such file`,
    );
    expect(await start({ certFile: tls.certFile, keyFile: other.keyFile })).toMatch(
      /^server\.tls: cannot use .* the key is not the certificate's/,
    );
    expect(await start({ certFile: tls.keyFile, keyFile: tls.keyFile })).toMatch(
      /expected a PEM certificate \(chain\) and its PEM private key/,
    );
  });
});
