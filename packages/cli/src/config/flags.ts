import type { Command } from "commander";
import { trustProxyValue } from "./env.ts";
import { mergeConfig, type RawConfig, shortcutModels } from "./load-config.ts";

/** Commander keeps option values as strings; numbers become numbers so the schema can check ranges. */
const num = (v: string): number | string => (/^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v);

/** Flags every command that reads the config accepts. */
export function addConfigFlags(cmd: Command): Command {
  return cmd
    .option(
      "-c, --config <file>",
      "configuration file, JSON or YAML (default: ./seekdesk.config.{json,yaml,yml} when present; env SEEKDESK_CONFIG)",
    )
    .option("--data-dir <dir>", "where durable state lives (default ./data; env SEEKDESK_DATA_DIR)");
}

/** Flags of `seekdesk serve`. */
export function addServeFlags(cmd: Command): Command {
  return addConfigFlags(cmd)
    .option("--host <host>", "address to listen on (default 127.0.0.1)")
    .option("-p, --port <port>", "HTTP port (default 8080; 0 picks a free one)", num)
    .option("--grpc-port <port>", 'gRPC port (default 50051; "off" disables gRPC)', num)
    .option("-m, --model <gguf>", "serve this GGUF file with llama.cpp (replaces configured models)")
    .option("--model-id <id>", "the model id clients send (default: the file name, or --backend-model)")
    .option("--context-size <n>", "context size for --model (default 4096)", num)
    .option("--parallel <n>", "sequences decoded together for --model (default 4)", num)
    .option("--threads <n>", "CPU threads for --model (default: llama.cpp decides)", num)
    .option("--backend-url <url>", "serve a remote OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1")
    .option("--backend-key <key>", "API key for --backend-url")
    .option("--backend-model <name>", "the upstream's model name for --backend-url")
    .option("--insecure", "allow a non-loopback --host without API keys")
    .option(
      "--tls-cert <file>",
      "serve HTTPS and gRPC over TLS with this PEM certificate (chain); with --tls-key",
    )
    .option("--tls-key <file>", "the PEM private key of --tls-cert")
    .option(
      "--trust-proxy <value>",
      "proxies whose X-Forwarded-For names the client (access log, sign-in and API-key throttles): false, a hop count, or comma-separated addresses/CIDRs or loopback, linklocal, uniquelocal (default false; true is refused; env SEEKDESK_TRUST_PROXY)",
    )
    .option("--log-prompts", "log prompt and completion text (off by default)")
    .option("--log-level <level>", "fatal, error, warn, info, debug, trace or silent (default info)")
    .option("--body-limit <bytes>", "largest accepted request body (default 4194304)", num)
    .option(
      "--drain-timeout <ms>",
      "on SIGTERM, how long in-flight requests may finish (default 30000)",
      num,
    );
}

export interface ServeFlags {
  config?: string;
  dataDir?: string;
  host?: string;
  port?: number | string;
  grpcPort?: number | string;
  model?: string;
  modelId?: string;
  contextSize?: number | string;
  parallel?: number | string;
  threads?: number | string;
  backendUrl?: string;
  backendKey?: string;
  backendModel?: string;
  insecure?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  trustProxy?: string;
  logPrompts?: boolean;
  logLevel?: string;
  bodyLimit?: number | string;
  drainTimeout?: number | string;
}

/** Flag values shaped like the config, for the highest-precedence layer. */
export function flagsToConfig(f: ServeFlags): RawConfig {
  const models = shortcutModels(f).map((m) =>
    m.backend === "llama"
      ? mergeConfig(m, { contextSize: f.contextSize, parallel: f.parallel, threads: f.threads })
      : m,
  );
  return mergeConfig({
    dataDir: f.dataDir,
    server: {
      host: f.host,
      port: f.port,
      grpcPort: f.grpcPort === "off" ? null : f.grpcPort,
      insecure: f.insecure,
      tls: f.tlsCert || f.tlsKey ? { certFile: f.tlsCert, keyFile: f.tlsKey } : undefined,
      trustProxy: f.trustProxy === undefined ? undefined : trustProxyValue(f.trustProxy),
      logPrompts: f.logPrompts,
      bodyLimit: f.bodyLimit,
      drainTimeoutMs: f.drainTimeout,
    },
    logging: { level: f.logLevel },
    ...(models.length > 0 ? { models } : {}),
  });
}
