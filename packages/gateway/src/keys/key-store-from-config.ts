import type { SeekdeskConfig } from "@seekdesk/core";
import {
  PostgresApiKeyRepository,
  type PostgresDatabase,
  SqliteApiKeyRepository,
  type SqliteDatabase,
} from "@seekdesk/store";
import type { Logger } from "pino";
import { ApiKeyStore } from "./key-store.ts";

/**
 * Keys live where the conversations do (`store.driver`): in the server's SQLite file, or in
 * Postgres so that every replica knows every key (on the process's shared handle, `postgres`).
 * `open()` still has to run (Gateway.listen does).
 */
export function apiKeyStoreFromConfig(
  config: SeekdeskConfig,
  db: SqliteDatabase,
  logger: Logger,
  postgres: PostgresDatabase | null = null,
): ApiKeyStore {
  const onUsageError = (err: unknown) =>
    logger.warn({ err }, "recording when API keys were last used failed (kept for the next try)");
  if (config.store.driver === "postgres") {
    const ttl = config.store.keyCacheTtlMs;
    return new ApiKeyStore(new PostgresApiKeyRepository(postgres ?? (config.store.url as string)), {
      cacheTtlMs: ttl,
      onUsageError,
      onError: (err) => logger.warn({ err }, "refreshing a cached API key failed"),
      // While lost, a key revoked on another replica is still honoured here for up to the cache life.
      onGap: (reason) =>
        reason === "lost"
          ? logger.warn(
              { keyCacheTtlMs: ttl },
              `API key change notifications lost: reconnecting; revocations seen within ${ttl} ms meanwhile`,
            )
          : logger.info("listening for API key changes"),
    });
  }
  return new ApiKeyStore(new SqliteApiKeyRepository(db), { onUsageError });
}
