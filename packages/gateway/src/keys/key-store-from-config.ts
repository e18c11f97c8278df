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
    });
  return new ApiKeyStore(new SqliteApiKeyRepository(db));
}
