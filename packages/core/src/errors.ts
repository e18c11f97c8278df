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
  constructor(message = "You do not have permission for this action", code = "forbidden") {
    super(message, { status: 403, type: "permission_error", code });
  }
}

export class NotFoundError extends SeekdeskError {
  constructor(message: string, code = "not_found", param: string | null = null) {
    super(message, { status: 404, type: "not_found_error", code, param });
  }
}

export class PayloadTooLargeError extends SeekdeskError {
  constructor(limitBytes: number) {
    super(`Request body exceeds the limit of ${limitBytes} bytes`, {
      status: 413,
      type: "invalid_request_error",
      code: "payload_too_large",
    });
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
  constructor(message: string, code = "unavailable") {
    super(message, { status: 503, type: "unavailable_error", code });
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
