/**
 * Typed errors shared by every package. They are mapped once, at the edge (HTTP, gRPC, CLI),
 * to the OpenAI error shape `{"error":{"message","type","code","param"}}` and a status code.
 */
export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "server_error"
  | "upstream_error"
  | "timeout_error"
  | "unavailable_error";

export interface OpenAIErrorBody {
  error: { message: string; type: ErrorType; code: string | null; param: string | null };
}

export class SeekdeskError extends Error {
  readonly status: number;
  readonly type: ErrorType;
  readonly code: string | null;
  readonly param: string | null;

  constructor(
    message: string,
    opts: { status: number; type: ErrorType; code?: string | null; param?: string | null; cause?: unknown },
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.status = opts.status;
    this.type = opts.type;
    this.code = opts.code ?? null;
    this.param = opts.param ?? null;
  }

  toJSON(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }
}

export class InvalidRequestError extends SeekdeskError {
  constructor(message: string, param: string | null = null, code: string | null = "invalid_request") {
    super(message, { status: 400, type: "invalid_request_error", code, param });
  }
}

export class AuthenticationError extends SeekdeskError {
  constructor(message = "Missing or invalid API key", code = "invalid_api_key") {
    super(message, { status: 401, type: "authentication_error", code });
  }
}

export class PermissionDeniedError extends SeekdeskError {
  constructor(
    message = "You do not have permission for this action",
    code = "forbidden",
    param: string | null = null,
  ) {
    super(message, { status: 403, type: "permission_error", code, param });
  }
}

export class NotFoundError extends SeekdeskError {
  constructor(message: string, code = "not_found", param: string | null = null) {
    super(message, { status: 404, type: "not_found_error", code, param });
  }
}

/** 409: the request is fine but the thing it names is in a state that refuses it (a revoked key). */
export class ConflictError extends SeekdeskError {
  constructor(message: string, code = "conflict", param: string | null = null) {
    super(message, { status: 409, type: "invalid_request_error", code, param });
  }
}

export class PayloadTooLargeError extends SeekdeskError {
  /** `limitName` is the config field that sets the limit, so the client's operator knows what to raise. */
  constructor(limitBytes: number, limitName?: string) {
    super(`Request body exceeds the limit of ${limitBytes} bytes${limitName ? ` (${limitName})` : ""}`, {
      status: 413,
      type: "invalid_request_error",
      code: "payload_too_large",
    });
  }
}

export class UnsupportedMediaTypeError extends SeekdeskError {
  constructor(message: string, param: string | null = null) {
    super(message, { status: 415, type: "invalid_request_error", code: "unsupported_media_type", param });
  }
}

export class RateLimitError extends SeekdeskError {
  /** Seconds after which the client may retry; sent as the Retry-After header. */
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number, code = "rate_limit_exceeded") {
    super(message, { status: 429, type: "rate_limit_error", code });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class UpstreamError extends SeekdeskError {
  constructor(message: string, cause?: unknown, code = "upstream_error") {
    super(message, { status: 502, type: "upstream_error", code, cause });
  }
}

export class UnavailableError extends SeekdeskError {
  constructor(message: string, code = "unavailable", cause?: unknown) {
    super(message, { status: 503, type: "unavailable_error", code, cause });
  }
}

/** Why the store could not serve a query (the metric label and the log field). */
export type StoreUnavailableReason =
  /** Every pooled connection stayed busy for the whole acquire wait (store.acquireTimeoutMs). */
  | "pool_timeout"
  /** No connection could be opened: refused, unreachable, or the connect timed out. */
  | "unreachable"
  /** The server is shutting down, starting up or restarting (57P01, 57P02, 57P03). */
  | "shutdown"
  /** The server refuses more connections (53300, 53400). */
  | "too_many_connections"
  /** An open connection broke under a query. */
  | "connection_lost";

/** Every reason, for a metric that shows each at zero before its first failure. */
export const STORE_UNAVAILABLE_REASONS: readonly StoreUnavailableReason[] = [
  "pool_timeout",
  "unreachable",
  "shutdown",
  "too_many_connections",
  "connection_lost",
];

/**
 * The database behind the store could not answer: nothing was written by the failed call (or it
 * rolled back), and the same request may be sent again after `retryAfterSeconds` (with its
 * idempotency key, where the route takes one). The raw driver error is the `cause`, for logs;
 * clients see only this message.
 */
export class StoreUnavailableError extends UnavailableError {
  readonly reason: StoreUnavailableReason;
  readonly retryAfterSeconds: number;
  constructor(
    reason: StoreUnavailableReason,
    opts: { message?: string; code?: string; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(
      opts.message ?? "The data store is temporarily unavailable; retry the request shortly",
      opts.code ?? "store_unavailable",
      opts.cause,
    );
    this.reason = reason;
    // A busy pool frees up in well under a second; a restarting server takes a few.
    this.retryAfterSeconds = opts.retryAfterSeconds ?? (reason === "pool_timeout" ? 1 : 5);
  }
}

export class TimeoutError extends SeekdeskError {
  constructor(message: string, code = "timeout") {
    super(message, { status: 504, type: "timeout_error", code });
  }
}

export class InternalError extends SeekdeskError {
  constructor(message = "Internal server error", cause?: unknown) {
    super(message, { status: 500, type: "server_error", code: "internal_error", cause });
  }
}

/** Seconds the client should wait before sending the request again (the Retry-After header), or null. */
export function retryAfterSeconds(err: SeekdeskError): number | null {
  if (err instanceof RateLimitError || err instanceof StoreUnavailableError)
    return Math.max(1, Math.ceil(err.retryAfterSeconds));
  return null;
}

/** Anything thrown becomes a SeekdeskError; unknown errors become a 500 without leaking internals. */
export function toSeekdeskError(err: unknown): SeekdeskError {
  if (err instanceof SeekdeskError) return err;
  return new InternalError("Internal server error", err);
}

/** A user-facing failure of a CLI command or file operation: printed as one line, exit code non-zero. */
export class UserInputError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "UserInputError";
    this.exitCode = exitCode;
  }
}

/** Why a file could not be read, in words rather than an errno code ("ENOENT"). */
export function fileErrorText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "a folder, not a file";
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
