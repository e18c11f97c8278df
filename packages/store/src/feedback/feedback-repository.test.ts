import { afterAll, beforeAll } from "vitest";
import { openSqlite } from "../sqlite.ts";
import { feedbackRepositoryContract } from "../testing/feedback-repository-contract.ts";
import { startTestPostgres, type TestPostgres } from "../testing/postgres.ts";
import { openPostgresFeedbackRepository } from "./postgres.ts";
import { SqliteFeedbackRepository } from "./sqlite.ts";

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.stop();
});

feedbackRepositoryContract("SQLite", async () => new SqliteFeedbackRepository(openSqlite(":memory:")));
feedbackRepositoryContract("Postgres", async () =>
  openPostgresFeedbackRepository(await server.createDatabase("feedback")),
);
