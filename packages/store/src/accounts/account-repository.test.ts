import { afterAll, beforeAll } from "vitest";
import { openSqlite } from "../sqlite.ts";
import { accountRepositoryContract } from "../testing/account-repository-contract.ts";
import { startTestPostgres, type TestPostgres } from "../testing/postgres.ts";
import { openPostgresAccountRepository } from "./postgres.ts";
import { SqliteAccountRepository } from "./sqlite.ts";

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.stop();
});

accountRepositoryContract("SQLite", async () => new SqliteAccountRepository(openSqlite(":memory:")));
let n = 0;
accountRepositoryContract("Postgres", async () =>
  openPostgresAccountRepository(await server.createDatabase(`accounts_${n++}`)),
);
