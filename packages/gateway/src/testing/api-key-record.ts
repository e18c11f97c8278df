import type { ApiKeyRecord } from "../keys/key-store.ts";

/** A key record for limiter tests (never stored): limits as given, everything else plain. */
export function apiKeyRecord(rpm: number | null, tpm: number | null, id = "key_test"): ApiKeyRecord {
  return {
    id,
    name: "t",
    prefix: "sk-sd-abc",
    rpm,
    tpm,
    createdAt: "",
    revokedAt: null,
    scope: "api",
    origins: null,
    expiresAt: null,
    models: null,
    lastUsedAt: null,
  };
}
