/**
 * The one configuration schema of seekdesk. A file (`seekdesk.config.json`), `SEEKDESK_*`
 * environment variables and command-line flags are merged (flags > env > file > defaults) and
 * then validated here, so every source fails with the same message naming the field.
 * The defaults run on a laptop: loopback, port 8080, SQLite under ./data, no model.
 */
import { isIP } from "node:net";
import { z } from "zod";

const positiveInt = () =>
  z
    .number({ error: "expected a number" })
    .int("expected a positive integer")
    .positive("expected a positive integer");
const nonNegativeInt = () =>
  z
    .number({ error: "expected a number" })
    .int("expected a non-negative integer")
    .min(0, "expected a non-negative integer");
const port = () =>
  z
    .number({ error: "expected a port number" })
    .int("expected a port number (0-65535)")
    .min(0, "expected a port number (0-65535)")
    .max(65535, "expected a port number (0-65535)");
const nonEmpty = (what: string) => z.string({ error: `expected ${what}` }).min(1, `expected ${what}`);

/** Named address ranges a trustProxy list may use (the names proxy-addr and Express use). */
export const TRUST_PROXY_PRESETS = ["loopback", "linklocal", "uniquelocal"] as const;
const TRUST_PROXY_EXPECTED =
  'expected false, a hop count, or a list of proxy addresses/CIDRs (e.g. ["10.0.0.0/8"] or ["loopback"])';

/** Why one trustProxy list entry is unusable, or null. */
function trustEntryProblem(entry: string): string | null {
  if ((TRUST_PROXY_PRESETS as readonly string[]).includes(entry)) return null;
  const [addr, bits, extra] = entry.split("/");
  const family = isIP(addr);
  if (family === 0 || extra !== undefined)
    return `"${entry}" is not an IP address, CIDR or one of ${TRUST_PROXY_PRESETS.join(", ")}`;
  if (bits === undefined) return null;
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max)
    return `"${entry}" has a bad prefix length (expected 0-${max})`;
  return null;
}

/**
 * Which peers may say who the client is through X-Forwarded-For. false: none (the socket's
 * address is the client). A number: that many proxy hops in front of the server. A list (or a
 * comma-separated string): the proxies' addresses/CIDRs. `true` is refused: trusting every hop
 * lets any client pick its own address.
 */
const trustProxy = () =>
  z
    .union([z.boolean(), z.number(), z.string(), z.array(z.string())], { error: TRUST_PROXY_EXPECTED })
    .transform((value, ctx): false | number | string[] => {
      if (value === false) return false;
      if (value === true) {
        ctx.addIssue({
          code: "custom",
          message: `true would let any client choose its address; ${TRUST_PROXY_EXPECTED}`,
        });
        return z.NEVER;
      }
      if (typeof value === "number") {
        if (Number.isInteger(value) && value >= 0 && value <= 32) return value === 0 ? false : value;
        ctx.addIssue({ code: "custom", message: "expected a hop count: an integer from 0 to 32" });
        return z.NEVER;
      }
      const entries = (typeof value === "string" ? value.split(",") : value)
        .map((e) => e.trim())
        .filter((e) => e !== "");
      for (const e of entries) {
        const problem = trustEntryProblem(e);
        if (problem) {
          ctx.addIssue({ code: "custom", message: problem });
          return z.NEVER;
        }
      }
      return entries.length === 0 ? false : entries;
    });

/**
 * Slows API-key guessing: a client address (an IPv6 one by its /64) that sends `maxFailures`
 * invalid keys within `windowMs` of its first gets 429 until that window ends, without its keys
 * being looked up. Counted per replica, in memory.
 */
export const AuthThrottleConfigSchema = z
  .object({
    /** Invalid keys one client may send per window; 0 turns the throttle off. */
    maxFailures: nonNegativeInt().default(20),
    windowMs: positiveInt().default(60_000),
    /** Client addresses tracked at once; past it the one that failed least recently is forgotten. */
    maxClients: positiveInt().default(10_000),
  })
  .strict();

export const ServerConfigSchema = z
  .object({
    host: nonEmpty("a host name or address").default("127.0.0.1"),
    port: port().default(8080),
    /** gRPC listens on its own port; 0 picks a free one, null turns gRPC off. */
    grpcPort: port().nullable().default(50051),
    /** Largest accepted request body, in bytes. */
    bodyLimit: positiveInt().default(4 * 1024 * 1024),
    /**
     * HTTPS and gRPC over TLS with this certificate (chain) and private key, both PEM files; null
     * (the default) serves plain HTTP, for loopback or behind a proxy that terminates TLS.
     */
    tls: z
      .object({
        certFile: nonEmpty("a PEM certificate file"),
        keyFile: nonEmpty("a PEM private key file"),
      })
      .strict()
      .nullable()
      .default(null),
    /** Allow a non-loopback host without any API key. */
    insecure: z.boolean({ error: "expected true or false" }).default(false),
    /** Log prompt and completion text (off: logs carry sizes and ids only). */
    logPrompts: z.boolean({ error: "expected true or false" }).default(false),
    /** On SIGTERM, how long in-flight requests may run before the process exits anyway. */
    drainTimeoutMs: nonNegativeInt().default(30_000),
    /** Origins allowed by CORS; empty sends no CORS headers. `*` allows any. */
    cors: z.array(z.string({ error: "expected an origin string" })).default([]),
    /**
     * Proxies trusted to report the client's address in X-Forwarded-For (sign-in and API-key
     * throttling, access logs). Default false: the socket's peer is the client and the header is
     * ignored.
     */
    trustProxy: trustProxy().default(false),
    /** Failed API keys per client address (the address trustProxy resolves). */
    authThrottle: AuthThrottleConfigSchema.default(() => AuthThrottleConfigSchema.parse({})),
  })
  .strict();

const ModelCommon = {
  /** The name clients send as `model`. Several entries with the same id form a failover group. */
  id: nonEmpty("a model id"),
  aliases: z.array(nonEmpty("an alias")).default([]),
  /** Share of traffic among entries with the same id (weighted routing). */
  weight: z.number({ error: "expected a number" }).positive("expected a positive number").default(1),
  /** Requests that may wait for a free sequence before new ones get 429. */
  queueSize: nonNegativeInt().default(64),
};

export const LlamaModelConfigSchema = z
  .object({
    ...ModelCommon,
    backend: z.literal("llama"),
    /** A GGUF file. */
    path: nonEmpty("a GGUF file path"),
    contextSize: positiveInt().default(4096),
    /** CPU threads; 0 lets llama.cpp decide. */
    threads: nonNegativeInt().default(0),
    /** Sequences decoded together in one context (continuous batching). */
    parallel: positiveInt().default(4),
    /** "auto" uses a GPU when one is present. */
    gpu: z
      .enum(["auto", "cuda", "vulkan", "metal", "cpu"], {
        error: "expected auto, cuda, vulkan, metal or cpu",
      })
      .default("auto"),
    /** Also serve /v1/embeddings from this model. */
    embeddings: z.boolean({ error: "expected true or false" }).default(false),
    /** Split `<think>…</think>` into reasoning_content (DeepSeek-R1 style); auto: when the chat template thinks. */
    reasoning: z
      .union([z.boolean(), z.enum(["auto", "on", "off"])], { error: "expected auto, on, off, true or false" })
      .default("auto"),
  })
  .strict();

export const OpenAIModelConfigSchema = z
  .object({
    ...ModelCommon,
    backend: z.literal("openai"),
    baseURL: z.url({ error: "expected an http(s) URL" }),
    apiKey: z.string({ error: "expected a string" }).optional(),
    /** The upstream's model name, when it differs from `id`. */
    model: nonEmpty("a model name").optional(),
    /** Requests sent to the server at once; more wait in the queue (queueSize). */
    maxConcurrent: positiveInt().default(64),
    connectTimeoutMs: positiveInt().default(5_000),
    firstTokenTimeoutMs: positiveInt().default(60_000),
    totalTimeoutMs: positiveInt().default(600_000),
  })
  .strict();

export const ModelConfigSchema = z.discriminatedUnion(
  "backend",
  [LlamaModelConfigSchema, OpenAIModelConfigSchema],
  {
    error: 'expected backend "llama" or "openai"',
  },
);

export const StoreConfigSchema = z
  .object({
    driver: z.enum(["sqlite", "postgres"], { error: "expected sqlite or postgres" }).default("sqlite"),
    /** SQLite file; relative paths are resolved against dataDir. */
    path: nonEmpty("a file path").default("seekdesk.sqlite"),
    /** Postgres connection URL (driver postgres). */
    url: z.string().optional(),
    /**
     * Driver postgres: how long a replica may answer an API key lookup from memory, and so the
     * longest a key revoked elsewhere is still honoured when a change notification is lost.
     * 0 reads Postgres on every request. SQLite always reads its file.
     */
    keyCacheTtlMs: nonNegativeInt().default(5000),
    /**
     * Driver postgres: connections in the one pool every repository of a process shares (the
     * conversation store, keys, accounts, console edits, feedback, desk events, and the knowledge
     * base on the same database). Each process holds at most this many plus one that LISTENs.
     */
    poolSize: positiveInt().max(1000, "expected a positive integer up to 1000").default(10),
    /**
     * Driver postgres: how long a query waits for a free pooled connection (or for a new one to
     * connect) before the request fails with 503 store_unavailable and a Retry-After.
     */
    acquireTimeoutMs: positiveInt().max(600_000, "expected at most 600000 (10 minutes)").default(5000),
  })
  .strict()
  .refine((s) => s.driver !== "postgres" || (s.url !== undefined && s.url.length > 0), {
    message: "expected a connection URL when driver is postgres",
    path: ["url"],
  });

/** Where per-key request and token budgets are counted. */
export const RateLimitsConfigSchema = z
  .object({
    /** memory: each replica counts its own; redis: all replicas share one budget per key. */
    store: z.enum(["memory", "redis"], { error: "expected memory or redis" }).default("memory"),
    /** redis:// or rediss:// URL (store redis). */
    url: z.string().optional(),
    /** Prefix of the Redis keys written. */
    prefix: nonEmpty("a key prefix").default("seekdesk:ratelimit:"),
    /** While Redis is unreachable: allow (serve without limits, log) or deny (503). */
    onStoreError: z.enum(["allow", "deny"], { error: "expected allow or deny" }).default("allow"),
    /** How long one limiter call to Redis may take before it counts as unreachable. */
    timeoutMs: positiveInt().default(250),
  })
  .strict()
  .refine((s) => s.store !== "redis" || (s.url !== undefined && /^rediss?:\/\//.test(s.url)), {
    message: "expected a redis:// or rediss:// URL when store is redis",
    path: ["url"],
  });

export const LoggingConfigSchema = z
  .object({
    level: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
        error: "expected fatal, error, warn, info, debug, trace or silent",
      })
      .default("info"),
  })
  .strict();

export const SeekdeskConfigSchema = z
  .object({
    /** Where durable state lives (SQLite file, uploads, indexes). */
    dataDir: nonEmpty("a directory").default("./data"),
    server: ServerConfigSchema.default(() => ServerConfigSchema.parse({})),
    models: z.array(ModelConfigSchema).default([]),
    store: StoreConfigSchema.default(() => StoreConfigSchema.parse({})),
    rateLimits: RateLimitsConfigSchema.default(() => RateLimitsConfigSchema.parse({})),
    logging: LoggingConfigSchema.default(() => LoggingConfigSchema.parse({})),
    /** Owned by the assistant package; validated there. */
    assistant: z.looseObject({}).default({}),
    /** Owned by the knowledge package; validated there. */
    knowledge: z.looseObject({}).default({}),
  })
  .strict();

export type SeekdeskConfig = z.infer<typeof SeekdeskConfigSchema>;
export type ServerConfig = z.infer<typeof ServerConfigSchema>;
export type AuthThrottleConfig = z.infer<typeof AuthThrottleConfigSchema>;
export type ModelConfig = z.infer<typeof ModelConfigSchema>;
export type LlamaModelConfig = z.infer<typeof LlamaModelConfigSchema>;
export type OpenAIModelConfig = z.infer<typeof OpenAIModelConfigSchema>;
export type StoreConfig = z.infer<typeof StoreConfigSchema>;
export type RateLimitsConfig = z.infer<typeof RateLimitsConfigSchema>;
/** What a config file or the merged sources may hold before defaults are applied. */
export type SeekdeskConfigInput = z.input<typeof SeekdeskConfigSchema>;

/** `models[0].contextSize` from a zod issue path. */
export function formatConfigPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out.length === 0 ? String(part) : `.${String(part)}`;
  }
  return out.length === 0 ? "(root)" : out;
}

export class ConfigError extends Error {
  readonly issues: readonly { path: string; message: string }[];
  constructor(issues: readonly { path: string; message: string }[]) {
    super(issues.map((i) => `config: ${i.path}: ${i.message}`).join("\n"));
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/** Validates merged raw config; throws ConfigError whose lines read `config: <field>: <why>`. */
export function parseConfig(raw: unknown): SeekdeskConfig {
  const result = SeekdeskConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      let message = issue.message;
      if (issue.code === "unrecognized_keys")
        message = `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`;
      return { path: formatConfigPath(issue.path), message };
    }),
  );
}
