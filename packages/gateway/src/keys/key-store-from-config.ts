import type { SeekdeskConfig } from "@seekdesk/core";
import { PostgresApiKeyRepository, SqliteApiKeyRepository, type SqliteDatabase } from "@seekdesk/store";
import type { Logger } from "pino";
import { ApiKeyStore } from "./key-store.ts";

/**
 * Keys live where the conversations do (`store.driver`): in the server's SQLite file, or in
 * Postgres so that every replica knows every key. `open()` still has to run (Gateway.listen does).
 */
export function apiKeyStoreFromConfig(
  config: SeekdeskConfig,
  db: SqliteDatabase,
  logger: Logger,
): ApiKeyStore {
  if (config.store.driver === "postgres")
    return new ApiKeyStore(new PostgresApiKeyRepository(config.store.url as string), {
      onError: (err) => logger.warn({ err }, "refreshing a cached API key failed"),
      // While lost, a key revoked on another replica is still honoured here for up to the cache life (5 s).
      onGap: (reason) =>
        reason === "lost"
          ? logger.warn(
              "API key change notifications lost: reconnecting; revocations seen within 5 s meanwhile",
            )
          : logger.info("listening for API key changes"),
    });
  return new ApiKeyStore(new SqliteApiKeyRepository(db));
}
