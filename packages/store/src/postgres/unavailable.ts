import { StoreUnavailableError, type StoreUnavailableReason } from "@seekdesk/core";

/** Socket errors of a connection that could not be opened or broke (Node's `err.code`). */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/** SQLSTATEs that say the server, not the query, is the problem (Appendix A of the Postgres docs). */
const SQLSTATE_REASONS: Record<string, StoreUnavailableReason> = {
  "57P01": "shutdown", // admin_shutdown: a fast or smart shutdown terminated the session
  "57P02": "shutdown", // crash_shutdown: another backend crashed, the server restarts
  "57P03": "shutdown", // cannot_connect_now: starting up or shutting down
  "53300": "too_many_connections", // too_many_connections: max_connections reached
  "53400": "too_many_connections", // configuration_limit_exceeded: a role's or database's connection limit
  "08000": "connection_lost", // connection_exception
  "08003": "connection_lost", // connection_does_not_exist
  "08006": "connection_lost", // connection_failure
  "08001": "unreachable", // sqlclient_unable_to_establish_sqlconnection
  "08004": "unreachable", // sqlserver_rejected_establishment_of_sqlconnection
};

/**
 * Why `err` says Postgres is unavailable, or null when it is a query's own failure (a constraint,
 * a syntax error, a lock timeout), which must surface unchanged. The messages are pg's and
 * pg-pool's own (pg 8, pg-pool 3): they carry no code.
 */
export function postgresUnavailableReason(err: unknown): StoreUnavailableReason | null {
  if (!(err instanceof Error)) return null;
  if (err instanceof StoreUnavailableError) return err.reason;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") {
    if (SQLSTATE_REASONS[code]) return SQLSTATE_REASONS[code];
    if (NETWORK_CODES.has(code))
      return code === "ECONNRESET" || code === "EPIPE" ? "connection_lost" : "unreachable";
  }
  const m = err.message;
  if (m === "timeout exceeded when trying to connect") return "pool_timeout";
  if (m.startsWith("Connection terminated due to connection timeout")) return "unreachable";
  if (
    m.startsWith("Connection terminated") ||
    m === "Client has encountered a connection error and is not queryable" ||
    m === "Client was closed and is not queryable"
  )
    return "connection_lost";
  // An AggregateError of every address tried (localhost resolving to ::1 and 127.0.0.1).
  if (err instanceof AggregateError && err.errors.some((e) => postgresUnavailableReason(e) === "unreachable"))
    return "unreachable";
  return null;
}

/**
 * `err` as a StoreUnavailableError when it says Postgres is unavailable (the driver's error is its
 * cause), else `err` itself. `onUnavailable` hears each newly classified failure once.
 */
export function classifyPostgresError(
  err: unknown,
  onUnavailable?: (reason: StoreUnavailableReason, err: unknown) => void,
): unknown {
  if (err instanceof StoreUnavailableError) return err;
  const reason = postgresUnavailableReason(err);
  if (reason === null) return err;
  onUnavailable?.(reason, err);
  return new StoreUnavailableError(reason, { cause: err });
}
