import { UserInputError } from "@seekdesk/core";
import { ApiKeyStore, KEY_SCOPES, type KeyScope, resolveDataPaths, toOrigin } from "@seekdesk/gateway";
import { openPostgresApiKeyRepository, openSqlite, SqliteApiKeyRepository } from "@seekdesk/store";
import type { Command } from "commander";
import { addConfigFlags } from "../config/flags.ts";
import { loadConfig } from "../config/load-config.ts";
import { formatColumns } from "./columns.ts";
import { futureTimeFlag, integerFlag } from "./option-parsers.ts";

interface KeyFlags {
  config?: string;
  dataDir?: string;
}

/** One line instead of a stack; the URL is not repeated (it may hold a password). */
const unreachable = (err: Error): never => {
  throw new UserInputError(`cannot open the Postgres store (store.url): ${err.message}`);
};

/** The keys the server uses, from the same config: the SQLite file, or Postgres when store.driver is postgres. */
async function openKeys(flags: KeyFlags): Promise<{ keys: ApiKeyStore; close(): Promise<void> }> {
  const config = loadConfig({ file: flags.config, env: process.env, flags: { dataDir: flags.dataDir } });
  if (config.store.driver === "postgres") {
    const keys = new ApiKeyStore(
      await openPostgresApiKeyRepository(config.store.url as string, {
        max: 1,
        applicationName: "seekdesk keys",
      }).catch(unreachable),
    );
    return { keys, close: () => keys.close() };
  }
  const db = openSqlite(resolveDataPaths(config).sqlite);
  return {
    keys: new ApiKeyStore(new SqliteApiKeyRepository(db)),
    close: async () => {
      db.close();
    },
  };
}

function scope(v: string): KeyScope {
  const s = KEY_SCOPES.find((k) => k === v);
  if (!s) throw new UserInputError(`--scope: expected ${KEY_SCOPES.join(" or ")}, got ${v}`);
  return s;
}

/**
 * A flag's parser that also takes `word` (none, never: no limit, no expiry), returned as itself:
 * commander turns a parser's null into "", so the action maps the word to null (`unlessWord`).
 */
const or =
  <T, W extends string>(word: W, parse: (v: string) => T) =>
  (v: string): T | W =>
    v.trim().toLowerCase() === word ? word : parse(v);

/** The flag's value, null for its clearing word, undefined when the flag was not given. */
const unlessWord = <T, W extends string>(v: T | undefined, word: W): Exclude<T, W> | null | undefined =>
  (v as unknown) === word ? null : (v as Exclude<T, W> | undefined);

/** A repeatable flag's comma-separated values, trimmed, empty ones dropped. */
function commaList(v: string): string[] {
  return v
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "");
}

/** `--model` repeats and takes comma-separated lists of model ids or aliases. */
function modelList(v: string, previous: string[] = []): string[] {
  return [...previous, ...commaList(v)];
}

/** `--origin` repeats and takes comma-separated lists; each must be scheme://host[:port]. */
function origins(v: string, previous: string[] = []): string[] {
  const parsed = commaList(v).map((o) => {
    const origin = toOrigin(o);
    if (!origin)
      throw new UserInputError(
        `--origin: '${o}' is not an origin: expected scheme://host[:port] without a path, e.g. https://shop.example.com`,
      );
    return origin;
  });
  return [...previous, ...parsed];
}

export function registerKeys(program: Command): void {
  const keys = program
    .command("keys")
    .description(
      "Manage API keys (stored hashed in the data directory's SQLite file, or in Postgres when store.driver is postgres)",
    );

  addConfigFlags(
    keys
      .command("create")
      .description("Create an API key and print it once")
      .addHelpText(
        "after",
        `
Scopes:
  api     every route: the OpenAI API, gRPC, the conversation, agent and knowledge APIs (default)
  widget  only the customer conversation routes, for the chat widget in a web page (the key is
          public there); requests must send the visitor id header x-seekdesk-visitor

Examples:
  seekdesk keys create --name shop-widget --scope widget --origin https://shop.example.com --rpm 60
  seekdesk keys create --name contractor --expires 30d
  seekdesk keys create --name support-bot --model deepseek-r1-distill-qwen-7b
`,
      ),
  )
    .option("--name <name>", "a label to tell keys apart", "default")
    .option(
      "--scope <scope>",
      "api (every route) or widget (customer conversation routes only)",
      scope,
      "api",
    )
    .option(
      "--origin <origin>",
      "a browser origin the key may be used from, scheme://host[:port]; repeat or comma-separate (default: any)",
      origins,
    )
    .option("--rpm <n>", "requests per minute allowed (default: unlimited)", integerFlag("rpm"))
    .option(
      "--tpm <n>",
      "tokens per minute allowed, prompt + generated (default: unlimited)",
      integerFlag("tpm"),
    )
    .option(
      "--model <id>",
      "a model id or alias the key may use on the OpenAI API and gRPC; repeat or comma-separate (default: any)",
      modelList,
    )
    .option(
      "--expires <when>",
      "when the key stops working: a duration (90m, 12h, 30d, 8w) or a date (2027-01-31, UTC midnight) (default: never)",
      futureTimeFlag("expires"),
    )
    .option(
      "--if-none",
      "create the key only if no key exists yet (atomic across replicas: a first key for pods starting together)",
    )
    .option("--json", "print JSON")
    .action(
      async (
        flags: KeyFlags & {
          name: string;
          scope: KeyScope;
          origin?: string[];
          rpm?: number;
          tpm?: number;
          expires?: Date;
          model?: string[];
          json?: boolean;
          ifNone?: boolean;
        },
      ) => {
        const { keys: store, close } = await openKeys(flags);
        try {
          const opts = {
            name: flags.name,
            scope: flags.scope,
            origins: flags.origin ?? null,
            rpm: flags.rpm ?? null,
            tpm: flags.tpm ?? null,
            expiresAt: flags.expires ?? null,
            models: flags.model ?? null,
          };
          const made = flags.ifNone ? await store.createFirst(opts) : await store.create(opts);
          if (!made) {
            process.stderr.write("keys exist already: none created (--if-none)\n");
            return;
          }
          const { key, record } = made;
          if (flags.json) process.stdout.write(`${JSON.stringify({ key, ...record })}\n`);
          else {
            process.stdout.write(`${key}\n`);
            process.stderr.write(
              `created ${record.id} (${record.name}, scope ${record.scope}${record.origins ? `, origins ${record.origins.join(",")}` : ""}${record.models ? `, models ${record.models.join(",")}` : ""}${record.expiresAt ? `, expires ${record.expiresAt}` : ""}); the key is shown only once: store it now\n`,
            );
            if (record.scope === "widget" && !record.origins)
              process.stderr.write(
                "note: without --origin this widget key works from any web page; list your site's origins to refuse others\n",
              );
          }
        } finally {
          await close();
        }
      },
    );

  addConfigFlags(keys.command("list").description("List API keys (ids and prefixes, never the keys)"))
    .option("--json", "print JSON lines")
    .action(async (flags: KeyFlags & { json?: boolean }) => {
      const { keys: store, close } = await openKeys(flags);
      try {
        const rows = await store.list();
        if (flags.json) {
          for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
          return;
        }
        const lines = [
          [
            "ID",
            "NAME",
            "PREFIX",
            "SCOPE",
            "ORIGINS",
            "MODELS",
            "RPM",
            "TPM",
            "LAST USED",
            "CREATED",
            "EXPIRES",
            "STATUS",
          ],
        ];
        const now = Date.now();
        for (const r of rows) {
          lines.push([
            r.id,
            r.name,
            `${r.prefix}…`,
            r.scope,
            r.origins ? r.origins.join(",") : "*",
            r.models ? r.models.join(",") : "*",
            String(r.rpm ?? "-"),
            String(r.tpm ?? "-"),
            r.lastUsedAt ?? "never",
            r.createdAt,
            r.expiresAt ?? "never",
            r.revokedAt
              ? `revoked ${r.revokedAt}`
              : r.expiresAt && Date.parse(r.expiresAt) <= now
                ? "expired"
                : "active",
          ]);
        }
        process.stdout.write(formatColumns(lines));
      } finally {
        await close();
      }
    });

  addConfigFlags(
    keys
      .command("update")
      .description(
        "Change a key's name, limits, origins, models or expiry in place; the key itself stays the same",
      )
      .argument("<id>", "the key id, e.g. key_3f9a1c")
      .addHelpText(
        "after",
        `
Examples:
  seekdesk keys update key_3f9a1c --rpm 120 --tpm none      # new request limit, no token limit
  seekdesk keys update key_3f9a1c --model deepseek-chat      # only that model from now on
  seekdesk keys update key_3f9a1c --any-model --expires never
`,
      ),
  )
    .option("--name <name>", "a new label")
    .option("--rpm <n|none>", "requests per minute allowed; none: unlimited", or("none", integerFlag("rpm")))
    .option("--tpm <n|none>", "tokens per minute allowed; none: unlimited", or("none", integerFlag("tpm")))
    .option(
      "--origin <origin>",
      "the origins the key may be used from (replaces the list); repeat or comma-separate",
      origins,
    )
    .option("--any-origin", "allow any origin")
    .option(
      "--model <id>",
      "the models the key may use (replaces the list); repeat or comma-separate",
      modelList,
    )
    .option("--any-model", "allow every model")
    .option(
      "--expires <when|never>",
      "a duration (90m, 12h, 30d, 8w) or a date (2027-01-31); never: no expiry",
      or("never", futureTimeFlag("expires")),
    )
    .option("--json", "print the key as it now is, as JSON")
    .action(
      async (
        id: string,
        flags: KeyFlags & {
          name?: string;
          rpm?: number | "none";
          tpm?: number | "none";
          origin?: string[];
          anyOrigin?: boolean;
          model?: string[];
          anyModel?: boolean;
          expires?: Date | "never";
          json?: boolean;
        },
      ) => {
        if (flags.origin && flags.anyOrigin)
          throw new UserInputError("give --origin or --any-origin, not both");
        if (flags.model && flags.anyModel) throw new UserInputError("give --model or --any-model, not both");
        const changes = {
          ...(flags.name !== undefined ? { name: flags.name } : {}),
          ...(flags.rpm !== undefined ? { rpm: unlessWord(flags.rpm, "none") } : {}),
          ...(flags.tpm !== undefined ? { tpm: unlessWord(flags.tpm, "none") } : {}),
          ...(flags.origin ? { origins: flags.origin } : flags.anyOrigin ? { origins: null } : {}),
          ...(flags.model ? { models: flags.model } : flags.anyModel ? { models: null } : {}),
          ...(flags.expires !== undefined ? { expiresAt: unlessWord(flags.expires, "never") } : {}),
        };
        if (Object.keys(changes).length === 0)
          throw new UserInputError(
            "keys update: nothing to change (give --name, --rpm, --tpm, --origin, --any-origin, --model, --any-model or --expires)",
          );
        const { keys: store, close } = await openKeys(flags);
        try {
          const record = await store.update(id, changes);
          if (!record) throw new UserInputError(`keys update: no key with id ${id} (see seekdesk keys list)`);
          if (flags.json) process.stdout.write(`${JSON.stringify(record)}\n`);
          else process.stderr.write(`updated ${id}\n`);
        } finally {
          await close();
        }
      },
    );

  addConfigFlags(
    keys
      .command("rotate")
      .description(
        "Give a key a new secret and print it once; the old secret stops working on the next request (on Postgres: on every replica within 5 s, normally at once). The id, name, limits and usage stay",
      )
      .argument("<id>", "the key id, e.g. key_3f9a1c"),
  )
    .option("--json", "print the new key and its record as JSON")
    .action(async (id: string, flags: KeyFlags & { json?: boolean }) => {
      const { keys: store, close } = await openKeys(flags);
      try {
        const made = await store.rotate(id);
        if (!made) throw new UserInputError(`keys rotate: no key with id ${id} (see seekdesk keys list)`);
        if (flags.json) process.stdout.write(`${JSON.stringify({ key: made.key, ...made.record })}\n`);
        else {
          process.stdout.write(`${made.key}\n`);
          process.stderr.write(
            `rotated ${id} (${made.record.name}): the old secret no longer works; the new one is shown only once: store it now\n`,
          );
        }
      } finally {
        await close();
      }
    });

  addConfigFlags(
    keys
      .command("revoke")
      .description(
        "Revoke an API key; it stops working on the next request (on Postgres: on every replica within 5 s, normally at once)",
      )
      .argument("<id>", "the key id, e.g. key_3f9a1c"),
  ).action(async (id: string, flags: KeyFlags) => {
    const { keys: store, close } = await openKeys(flags);
    try {
      if (!(await store.revoke(id)))
        throw new UserInputError(`keys revoke: no key with id ${id} (see seekdesk keys list)`);
      process.stderr.write(`revoked ${id}\n`);
    } finally {
      await close();
    }
  });
}
