import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { flagsToConfig } from "./flags.ts";
import { loadConfig } from "./load-config.ts";

const dir = mkdtempSync(join(tmpdir(), "seekdesk-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, value: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof value === "string" ? value : JSON.stringify(value));
  return p;
}

describe("configuration sources", () => {
  it("has laptop defaults: loopback:8080, ./data, SQLite, no model", () => {
    const c = loadConfig({ cwd: dir, env: {} });
    expect(c.server).toMatchObject({
      host: "127.0.0.1",
      port: 8080,
      grpcPort: 50051,
      insecure: false,
      logPrompts: false,
    });
    expect(c.dataDir).toBe("./data");
    expect(c.store.driver).toBe("sqlite");
    expect(c.models).toEqual([]);
  });

  it("applies flags over env over file over defaults", () => {
    const f = file("layers.json", {
      server: { port: 9000, host: "127.0.0.2", drainTimeoutMs: 5 },
      assistant: { persona: "shop" },
    });
    const env = {
      SEEKDESK_PORT: "9100",
      SEEKDESK_HOST: "127.0.0.3",
      SEEKDESK_LOG_PROMPTS: "true",
      SEEKDESK_ASSISTANT_TONE: '"warm"',
    };
    const c = loadConfig({ file: f, env, flags: flagsToConfig({ port: 9200 }) });
    expect(c.server.port).toBe(9200);
    expect(c.server.host).toBe("127.0.0.3");
    expect(c.server.drainTimeoutMs).toBe(5);
    expect(c.server.logPrompts).toBe(true);
    expect(c.assistant).toEqual({ persona: "shop", tone: "warm" });
  });

  it("takes the upload limit from SEEKDESK_MAX_UPLOAD_BYTES beside the file's other inputs", () => {
    const f = file("inputs.json", { assistant: { inputs: { ocr: { enabled: false } } } });
    const c = loadConfig({ file: f, env: { SEEKDESK_MAX_UPLOAD_BYTES: "8000000" }, flags: {} });
    expect(c.assistant).toEqual({ inputs: { ocr: { enabled: false }, maxUploadBytes: 8_000_000 } });
  });

  it("turns --model and --backend-url into models with defaults", () => {
    const c = loadConfig({
      cwd: dir,
      env: {
        SEEKDESK_BACKEND_URL: "http://127.0.0.1:8000/v1",
        SEEKDESK_BACKEND_MODEL: "deepseek-ai/DeepSeek-R1",
      },
    });
    expect(c.models).toEqual([
      expect.objectContaining({
        id: "deepseek-ai/DeepSeek-R1",
        backend: "openai",
        model: "deepseek-ai/DeepSeek-R1",
      }),
    ]);
    const l = loadConfig({
      cwd: dir,
      env: {},
      flags: flagsToConfig({ model: "/m/DeepSeek-R1-Q4_K_M.gguf", parallel: 2 }),
    });
    expect(l.models[0]).toMatchObject({
      id: "DeepSeek-R1-Q4_K_M",
      backend: "llama",
      parallel: 2,
      contextSize: 4096,
    });
  });

  it("takes TLS files from --tls-cert/--tls-key or SEEKDESK_TLS_*, and names the missing half", () => {
    const flags = flagsToConfig({ tlsCert: "/etc/seekdesk/cert.pem", tlsKey: "/etc/seekdesk/key.pem" });
    expect(loadConfig({ cwd: dir, env: {}, flags }).server.tls).toEqual({
      certFile: "/etc/seekdesk/cert.pem",
      keyFile: "/etc/seekdesk/key.pem",
    });
    const env = { SEEKDESK_TLS_CERT: "/run/cert.pem", SEEKDESK_TLS_KEY: "/run/key.pem" };
    expect(loadConfig({ cwd: dir, env }).server.tls?.keyFile).toBe("/run/key.pem");
    expect(loadConfig({ cwd: dir, env: {} }).server.tls).toBeNull();
    expect(() =>
      loadConfig({ cwd: dir, env: {}, flags: flagsToConfig({ tlsCert: "/run/cert.pem" }) }),
    ).toThrow(/server\.tls\.keyFile/);
  });

  it("names the field and why when a source is invalid", () => {
    const f = file("bad.json", {
      models: [{ id: "r1", backend: "llama", path: "r1.gguf", contextSize: -1 }],
    });
    expect(() => loadConfig({ file: f, env: {} })).toThrow(
      "config: models[0].contextSize: expected a positive integer",
    );
    expect(() => loadConfig({ cwd: dir, env: { SEEKDESK_PORT: "eighty" } })).toThrow(
      "config: server.port: expected a port number",
    );
    expect(() => loadConfig({ cwd: dir, env: {}, flags: { server: { colour: "red" } } })).toThrow(
      "config: server: unknown field colour",
    );
    expect(() => loadConfig({ file: file("broken.json", "{ nope"), env: {} })).toThrow(/is not valid JSON/);
    expect(() => loadConfig({ file: join(dir, "missing.json"), env: {} })).toThrow(
      /cannot read .*missing\.json: no such file$/,
    );
  });

  it("converts env values by field type: off, lists, JSON model lists", () => {
    const c = loadConfig({
      cwd: dir,
      env: {
        SEEKDESK_GRPC_PORT: "off",
        SEEKDESK_CORS: "https://a.example, https://b.example",
        SEEKDESK_MODELS: JSON.stringify([
          { id: "r1", backend: "openai", baseURL: "http://127.0.0.1:8000/v1" },
        ]),
      },
    });
    expect(c.server.grpcPort).toBeNull();
    expect(c.server.cors).toEqual(["https://a.example", "https://b.example"]);
    expect(c.models[0]).toMatchObject({ id: "r1", backend: "openai", queueSize: 64, weight: 1 });
    expect(() => loadConfig({ cwd: dir, env: { SEEKDESK_INSECURE: "maybe" } })).toThrow(
      "config: server.insecure: expected true or false",
    );
  });

  it("caches Postgres API key lookups for store.keyCacheTtlMs, 5 s unless set", () => {
    expect(loadConfig({ cwd: dir, env: {} }).store.keyCacheTtlMs).toBe(5000);
    const env = { SEEKDESK_STORE_DRIVER: "postgres", SEEKDESK_STORE_URL: "postgres://127.0.0.1/x" };
    expect(
      loadConfig({ cwd: dir, env: { ...env, SEEKDESK_STORE_KEY_CACHE_TTL_MS: "1500" } }).store.keyCacheTtlMs,
    ).toBe(1500);
    expect(
      loadConfig({ file: file("no-key-cache.json", { store: { keyCacheTtlMs: 0 } }), env }).store
        .keyCacheTtlMs,
    ).toBe(0);
    expect(() => loadConfig({ cwd: dir, env: { SEEKDESK_STORE_KEY_CACHE_TTL_MS: "-1" } })).toThrow(
      "config: store.keyCacheTtlMs: expected a non-negative integer",
    );
    expect(() => loadConfig({ cwd: dir, env: { SEEKDESK_STORE_KEY_CACHE_TTL_MS: "5s" } })).toThrow(
      "config: store.keyCacheTtlMs: expected a number",
    );
  });

  it("sizes the one Postgres pool of a process by store.poolSize, 10 unless set", () => {
    expect(loadConfig({ cwd: dir, env: {} }).store.poolSize).toBe(10);
    const env = { SEEKDESK_STORE_DRIVER: "postgres", SEEKDESK_STORE_URL: "postgres://127.0.0.1/x" };
    expect(loadConfig({ cwd: dir, env: { ...env, SEEKDESK_STORE_POOL_SIZE: "4" } }).store.poolSize).toBe(4);
    expect(loadConfig({ file: file("pool.json", { store: { poolSize: 25 } }), env }).store.poolSize).toBe(25);
    expect(() => loadConfig({ cwd: dir, env: { ...env, SEEKDESK_STORE_POOL_SIZE: "0" } })).toThrow(
      "config: store.poolSize: expected a positive integer",
    );
    expect(() => loadConfig({ cwd: dir, env: { ...env, SEEKDESK_STORE_POOL_SIZE: "ten" } })).toThrow(
      "config: store.poolSize: expected a number",
    );
    expect(() => loadConfig({ cwd: dir, env: { ...env, SEEKDESK_STORE_POOL_SIZE: "5000" } })).toThrow(
      "config: store.poolSize: expected a positive integer up to 1000",
    );
  });

  it("waits store.acquireTimeoutMs for a pooled Postgres connection, 5000 unless set", () => {
    expect(loadConfig({ cwd: dir, env: {} }).store.acquireTimeoutMs).toBe(5000);
    const env = { SEEKDESK_STORE_DRIVER: "postgres", SEEKDESK_STORE_URL: "postgres://127.0.0.1/x" };
    expect(
      loadConfig({ cwd: dir, env: { ...env, SEEKDESK_STORE_ACQUIRE_TIMEOUT_MS: "750" } }).store
        .acquireTimeoutMs,
    ).toBe(750);
    expect(() => loadConfig({ cwd: dir, env: { ...env, SEEKDESK_STORE_ACQUIRE_TIMEOUT_MS: "0" } })).toThrow(
      "config: store.acquireTimeoutMs: expected a positive integer",
    );
  });

  it("shares rate limits through Redis only with a redis:// URL", () => {
    expect(loadConfig({ cwd: dir, env: {} }).rateLimits.store).toBe("memory");
    const c = loadConfig({
      cwd: dir,
      env: { SEEKDESK_RATE_LIMITS_STORE: "redis", SEEKDESK_REDIS_URL: "redis://10.0.0.5:6379" },
    });
    expect(c.rateLimits).toMatchObject({
      store: "redis",
      url: "redis://10.0.0.5:6379",
      onStoreError: "allow",
    });
    expect(() => loadConfig({ cwd: dir, env: { SEEKDESK_RATE_LIMITS_STORE: "redis" } })).toThrow(
      "config: rateLimits.url: expected a redis:// or rediss:// URL when store is redis",
    );
    expect(() => loadConfig({ cwd: dir, env: { SEEKDESK_RATE_LIMITS_STORE: "memcached" } })).toThrow(
      "config: rateLimits.store: expected memory or redis",
    );
  });

  it("reads YAML files, and names the field in them too", () => {
    const f = file(
      "seekdesk.yaml",
      "server:\n  port: 9300\nmodels:\n  - id: r1\n    backend: llama\n    path: r1.gguf\n    parallel: 0\n",
    );
    expect(() => loadConfig({ file: f, env: {} })).toThrow(
      "config: models[0].parallel: expected a positive integer",
    );
    const ok = file("ok.yml", "server:\n  port: 9300\n");
    expect(loadConfig({ file: ok, env: {} }).server.port).toBe(9300);
    expect(() => loadConfig({ file: file("bad.yaml", "server: [unclosed"), env: {} })).toThrow(
      /is not valid YAML/,
    );
  });

  it("reads ./seekdesk.config.json when present", () => {
    const cwd = mkdtempSync(join(dir, "cwd-"));
    writeFileSync(join(cwd, "seekdesk.config.json"), JSON.stringify({ server: { grpcPort: null } }));
    expect(loadConfig({ cwd, env: {} }).server.grpcPort).toBeNull();
  });
});
