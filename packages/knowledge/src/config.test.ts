import { join } from "node:path";
import { ConfigError, parseConfig } from "@seekdesk/core";
import { describe, expect, it } from "vitest";
import { knowledgeStoreSettings } from "./config.ts";

const settings = (raw: unknown) => knowledgeStoreSettings(parseConfig(raw), "/srv/data");
const failure = (raw: unknown): string => {
  try {
    settings(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a ConfigError");
};

describe("knowledge.store config", () => {
  it("defaults to SQLite under the data dir, even when the main store is on Postgres", () => {
    expect(settings({})).toEqual({ driver: "sqlite", file: join("/srv/data", "knowledge.sqlite") });
    expect(settings({ store: { driver: "postgres", url: "postgres://db/app" } })).toMatchObject({
      driver: "sqlite",
    });
    expect(settings({ knowledge: { store: { path: "/var/kb.sqlite" } } })).toEqual({
      driver: "sqlite",
      file: "/var/kb.sqlite",
    });
  });

  it("selects Postgres with pgvector, taking store.url when it has no url of its own", () => {
    expect(
      settings({
        store: { driver: "postgres", url: "postgres://app@db/app" },
        knowledge: { store: { driver: "postgres" } },
      }),
    ).toEqual({ driver: "postgres", url: "postgres://app@db/app", schema: "public", poolSize: 5 });
    expect(
      settings({
        knowledge: { store: { driver: "postgres", url: "postgresql://kb@db/kb", schema: "kb", poolSize: 2 } },
      }),
    ).toEqual({ driver: "postgres", url: "postgresql://kb@db/kb", schema: "kb", poolSize: 2 });
  });

  it("names the field in every error", () => {
    expect(failure({ knowledge: { store: { driver: "postgres" } } })).toBe(
      "config: knowledge.store.url: expected a postgres:// connection URL when driver is postgres (or store.driver postgres with store.url)",
    );
    expect(failure({ knowledge: { store: { driver: "pgvector" } } })).toBe(
      "config: knowledge.store.driver: expected sqlite or postgres",
    );
    expect(failure({ knowledge: { store: { driver: "postgres", url: "mysql://db/kb" } } })).toBe(
      "config: knowledge.store.url: expected a postgres:// connection URL",
    );
    expect(
      failure({ knowledge: { store: { driver: "postgres", url: "postgres://db/kb", schema: "KB-1" } } }),
    ).toBe(
      "config: knowledge.store.schema: expected a schema name of lower-case letters, digits and underscores",
    );
    expect(failure({ knowledge: { store: { drvier: "postgres" } } })).toBe(
      "config: knowledge.store: unknown field drvier",
    );
    expect(
      failure({ knowledge: { store: { driver: "postgres", url: "postgres://db/kb", poolSize: 0 } } }),
    ).toBe("config: knowledge.store.poolSize: expected a positive integer");
  });
});
