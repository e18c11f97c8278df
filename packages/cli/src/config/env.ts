import { shortcutModels } from "./load-config.ts";

type Kind = "string" | "int" | "bool" | "port-or-off" | "list" | "json" | "trust-proxy";

/** The SEEKDESK_* variables and the config field each sets. Short names for the common ones. */
export const ENV_FIELDS: readonly { names: readonly string[]; path: readonly string[]; kind: Kind }[] = [
  { names: ["SEEKDESK_DATA_DIR"], path: ["dataDir"], kind: "string" },
  { names: ["SEEKDESK_HOST", "SEEKDESK_SERVER_HOST"], path: ["server", "host"], kind: "string" },
  { names: ["SEEKDESK_PORT", "SEEKDESK_SERVER_PORT"], path: ["server", "port"], kind: "int" },
  {
    names: ["SEEKDESK_GRPC_PORT", "SEEKDESK_SERVER_GRPC_PORT"],
    path: ["server", "grpcPort"],
    kind: "port-or-off",
  },
  {
    names: ["SEEKDESK_BODY_LIMIT", "SEEKDESK_SERVER_BODY_LIMIT"],
    path: ["server", "bodyLimit"],
    kind: "int",
  },
  {
    // Not SEEKDESK_ASSISTANT_INPUTS_…: that prefix sets a whole assistant field from JSON.
    names: ["SEEKDESK_MAX_UPLOAD_BYTES"],
    path: ["assistant", "inputs", "maxUploadBytes"],
    kind: "int",
  },
  { names: ["SEEKDESK_INSECURE", "SEEKDESK_SERVER_INSECURE"], path: ["server", "insecure"], kind: "bool" },
  { names: ["SEEKDESK_TLS_CERT"], path: ["server", "tls", "certFile"], kind: "string" },
  { names: ["SEEKDESK_TLS_KEY"], path: ["server", "tls", "keyFile"], kind: "string" },
  {
    names: ["SEEKDESK_LOG_PROMPTS", "SEEKDESK_SERVER_LOG_PROMPTS"],
    path: ["server", "logPrompts"],
    kind: "bool",
  },
  {
    names: ["SEEKDESK_DRAIN_TIMEOUT_MS", "SEEKDESK_SERVER_DRAIN_TIMEOUT_MS"],
    path: ["server", "drainTimeoutMs"],
    kind: "int",
  },
  { names: ["SEEKDESK_CORS", "SEEKDESK_SERVER_CORS"], path: ["server", "cors"], kind: "list" },
  {
    names: ["SEEKDESK_TRUST_PROXY", "SEEKDESK_SERVER_TRUST_PROXY"],
    path: ["server", "trustProxy"],
    kind: "trust-proxy",
  },
  {
    names: ["SEEKDESK_AUTH_THROTTLE_MAX_FAILURES", "SEEKDESK_SERVER_AUTH_THROTTLE_MAX_FAILURES"],
    path: ["server", "authThrottle", "maxFailures"],
    kind: "int",
  },
  {
    names: ["SEEKDESK_AUTH_THROTTLE_WINDOW_MS", "SEEKDESK_SERVER_AUTH_THROTTLE_WINDOW_MS"],
    path: ["server", "authThrottle", "windowMs"],
    kind: "int",
  },
  {
    names: ["SEEKDESK_AUTH_THROTTLE_MAX_CLIENTS", "SEEKDESK_SERVER_AUTH_THROTTLE_MAX_CLIENTS"],
    path: ["server", "authThrottle", "maxClients"],
    kind: "int",
  },
  { names: ["SEEKDESK_STORE_DRIVER"], path: ["store", "driver"], kind: "string" },
  { names: ["SEEKDESK_STORE_PATH"], path: ["store", "path"], kind: "string" },
  { names: ["SEEKDESK_STORE_URL"], path: ["store", "url"], kind: "string" },
  { names: ["SEEKDESK_STORE_KEY_CACHE_TTL_MS"], path: ["store", "keyCacheTtlMs"], kind: "int" },
  { names: ["SEEKDESK_STORE_POOL_SIZE"], path: ["store", "poolSize"], kind: "int" },
  { names: ["SEEKDESK_STORE_ACQUIRE_TIMEOUT_MS"], path: ["store", "acquireTimeoutMs"], kind: "int" },
  { names: ["SEEKDESK_RATE_LIMITS_STORE"], path: ["rateLimits", "store"], kind: "string" },
  { names: ["SEEKDESK_REDIS_URL", "SEEKDESK_RATE_LIMITS_URL"], path: ["rateLimits", "url"], kind: "string" },
  { names: ["SEEKDESK_LOG_LEVEL", "SEEKDESK_LOGGING_LEVEL"], path: ["logging", "level"], kind: "string" },
  { names: ["SEEKDESK_MODELS"], path: ["models"], kind: "json" },
];

/** Leaves a value it cannot convert as the string, so the schema reports the field and why. */
function convert(value: string, kind: Kind): unknown {
  const v = value.trim();
  switch (kind) {
    case "int":
      return /^-?\d+$/.test(v) ? Number(v) : v;
    case "port-or-off":
      if (v === "off" || v === "none" || v === "") return null;
      return /^\d+$/.test(v) ? Number(v) : v;
    case "bool":
      if (/^(1|true|yes|on)$/i.test(v)) return true;
      if (/^(0|false|no|off)$/i.test(v)) return false;
      return v;
    case "list":
      return v === "" ? [] : v.split(",").map((s) => s.trim());
    case "trust-proxy":
      return trustProxyValue(v);
    case "json":
      try {
        return JSON.parse(v);
      } catch {
        return v;
      }
    default:
      return value;
  }
}

/**
 * A trustProxy setting written as text (SEEKDESK_TRUST_PROXY, --trust-proxy): false/off, a hop
 * count, or comma-separated addresses/CIDRs, which the schema splits and checks. `true` is passed
 * on as true for the schema to refuse with its reason.
 */
export function trustProxyValue(text: string): unknown {
  const v = text.trim();
  if (v === "" || /^(0|false|no|off|none)$/i.test(v)) return false;
  if (/^true$/i.test(v)) return true;
  return /^\d+$/.test(v) ? Number(v) : v;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

const camel = (snake: string) =>
  snake.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * SEEKDESK_* variables as a partial config. Sections owned by other packages take
 * `SEEKDESK_ASSISTANT_<FIELD>` / `SEEKDESK_KNOWLEDGE_<FIELD>` (JSON values allowed).
 * Model shortcuts: SEEKDESK_MODEL (a GGUF), SEEKDESK_BACKEND_URL / _KEY / _MODEL.
 */
export function envToConfig(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of ENV_FIELDS) {
    const name = f.names.find((n) => env[n] !== undefined);
    if (name) setPath(out, f.path, convert(env[name] as string, f.kind));
  }
  for (const [name, value] of Object.entries(env)) {
    const m = /^SEEKDESK_(ASSISTANT|KNOWLEDGE)_(.+)$/.exec(name);
    if (m && value !== undefined) setPath(out, [m[1].toLowerCase(), camel(m[2])], convert(value, "json"));
  }
  const models = shortcutModels({
    model: env.SEEKDESK_MODEL,
    backendUrl: env.SEEKDESK_BACKEND_URL,
    backendKey: env.SEEKDESK_BACKEND_KEY,
    backendModel: env.SEEKDESK_BACKEND_MODEL,
  });
  if (models.length > 0) out.models = models;
  return out;
}
