import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiKeyRepository, ApiKeyRow } from "../api-keys/types.ts";

const row = (id: string, over: Partial<ApiKeyRow> = {}): ApiKeyRow => ({
  id,
  name: `name of ${id}`,
  hash: `${id}`.padEnd(64, "0"),
  prefix: "sk-sd-abcdef",
  rpm: null,
  tpm: null,
  createdAt: "2026-01-02T03:04:05.678Z",
  revokedAt: null,
  scope: "api",
  origins: null,
  expiresAt: null,
  models: null,
  lastUsedAt: null,
  ...over,
});

/**
 * One behavioural suite for every ApiKeyRepository, so SQLite and Postgres cannot drift. `open`
 * returns a fresh, empty repository each call.
 */
export function apiKeyRepositoryContract(name: string, open: () => Promise<ApiKeyRepository>): void {
  describe(`ApiKeyRepository contract: ${name}`, () => {
    let repo: ApiKeyRepository;
    beforeAll(async () => {
      repo = await open();
    });
    afterAll(async () => {
      await repo?.close();
    });

    it("stores keys with their limits, scope and origins and finds them by hash", async () => {
      expect(await repo.anyExists()).toBe(false);
      expect(await repo.findByHash(row("k1").hash)).toBeNull();
      await repo.insert(row("k1", { rpm: 60, tpm: 1000 }));
      await repo.insert(
        row("k2", {
          scope: "widget",
          origins: ["https://shop.example.com", "http://localhost:8080"],
          createdAt: "2026-01-02T03:04:06.000Z",
          expiresAt: "2026-04-01T00:00:00.000Z",
          models: ["deepseek-r1", "qwen"],
        }),
      );
      expect(await repo.anyExists()).toBe(true);
      expect(await repo.findByHash(row("k1").hash)).toEqual(row("k1", { rpm: 60, tpm: 1000 }));
      expect(await repo.findByHash(row("k2").hash)).toMatchObject({
        scope: "widget",
        origins: ["https://shop.example.com", "http://localhost:8080"],
        expiresAt: "2026-04-01T00:00:00.000Z",
        models: ["deepseek-r1", "qwen"],
      });
      expect((await repo.list()).map((k) => k.id)).toEqual(["k1", "k2"]);
    });

    it("creates a first key once however many processes try at the same time", async () => {
      const fresh = await open();
      try {
        const made = await Promise.all(
          [1, 2, 3, 4, 5].map((i) => fresh.insertIfNone(row(`first${i}`, { hash: String(i).repeat(64) }))),
        );
        expect(made.filter(Boolean)).toHaveLength(1);
        expect(await fresh.list()).toHaveLength(1);
        expect(await fresh.insertIfNone(row("later", { hash: "9".repeat(64) }))).toBe(false);
      } finally {
        await fresh.close();
      }
    });

    it("refuses a second key with the same id or hash", async () => {
      await expect(repo.insert(row("k1", { hash: "f".repeat(64) }))).rejects.toThrow();
      await expect(repo.insert(row("k9", { hash: row("k1").hash }))).rejects.toThrow();
    });

    it("updates a key's name, limits, origins, expiry and models, keeping the rest, and says when the id is unknown", async () => {
      const before = await repo.findByHash(row("k2").hash);
      const after = await repo.update("k2", {
        name: "renamed",
        rpm: 30,
        origins: null,
        expiresAt: null,
        models: ["deepseek-chat"],
      });
      expect(after).toEqual({
        ...before,
        name: "renamed",
        rpm: 30,
        origins: null,
        expiresAt: null,
        models: ["deepseek-chat"],
      });
      expect(await repo.findByHash(row("k2").hash)).toEqual(after);
      expect(await repo.update("k2", {})).toEqual(after);
      expect(await repo.update("k2", { tpm: 500, rpm: null })).toMatchObject({
        rpm: null,
        tpm: 500,
        name: "renamed",
      });
      expect(await repo.update("nope", { rpm: 1 })).toBeNull();
    });

    it("replaces an active key's secret, keeping the rest; leaves a revoked key as it was", async () => {
      await repo.insert(row("k3", { rpm: 7 }));
      const secret = { hash: "f".repeat(64), prefix: "sk-sd-fffff1" };
      expect(await repo.replaceSecret("k3", secret)).toEqual(row("k3", { rpm: 7, ...secret }));
      expect(await repo.findByHash(row("k3").hash)).toBeNull();
      expect((await repo.findByHash(secret.hash))?.id).toBe("k3");
      expect(await repo.replaceSecret("nope", { hash: "e".repeat(64), prefix: "x" })).toBeNull();
      await repo.revoke("k3", "2026-02-02T00:00:00.000Z");
      expect(await repo.replaceSecret("k3", { hash: "d".repeat(64), prefix: "sk-sd-ddddd1" })).toMatchObject({
        hash: secret.hash,
        revokedAt: "2026-02-02T00:00:00.000Z",
      });
    });

    it("revokes once, keeping the first time, and says when the id is unknown", async () => {
      expect(await repo.revoke("k1", "2026-02-01T00:00:00.000Z")).toBe(true);
      expect(await repo.revoke("k1", "2026-03-01T00:00:00.000Z")).toBe(true);
      expect((await repo.findByHash(row("k1").hash))?.revokedAt).toBe("2026-02-01T00:00:00.000Z");
      expect(await repo.revoke("nope", "2026-03-01T00:00:00.000Z")).toBe(false);
      // A revoked key is left as it was revoked, and returned so the caller can say why.
      expect(await repo.update("k1", { name: "renamed", rpm: 1 })).toMatchObject({
        name: "name of k1",
        rpm: 60,
        revokedAt: "2026-02-01T00:00:00.000Z",
      });
      expect((await repo.list()).find((k) => k.id === "k2")?.revokedAt).toBeNull();
    });

    it("records a key's latest use, never moving it back, and ignores unknown ids", async () => {
      const before = await repo.findByHash(row("k2").hash);
      expect(before?.lastUsedAt).toBeNull();
      await repo.markUsed([
        { id: "k2", at: "2026-05-01T10:00:00.000Z" },
        { id: "nope", at: "2026-05-01T10:00:00.000Z" },
      ]);
      expect((await repo.findByHash(row("k2").hash))?.lastUsedAt).toBe("2026-05-01T10:00:00.000Z");
      // Another replica's older batch arriving late leaves the newer time.
      await repo.markUsed([{ id: "k2", at: "2026-05-01T09:59:00.000Z" }]);
      await repo.markUsed([]);
      expect((await repo.list()).find((k) => k.id === "k2")?.lastUsedAt).toBe("2026-05-01T10:00:00.000Z");
      await repo.markUsed([{ id: "k2", at: "2026-05-01T10:01:00.000Z" }]);
      expect((await repo.findByHash(row("k2").hash))?.lastUsedAt).toBe("2026-05-01T10:01:00.000Z");
      // Nothing else about the key changed.
      expect({ ...(await repo.findByHash(row("k2").hash)), lastUsedAt: null }).toEqual(before);
    });
  });
}
