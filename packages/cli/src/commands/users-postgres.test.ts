import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmbeddedAssistant } from "@seekdesk/assistant/service/embedded.ts";
import { conversationPlugin } from "@seekdesk/assistant/service/http-plugin.ts";
import { openSse } from "@seekdesk/assistant/service/testing/sse-client.ts";
import { startTempGateway, type TempGateway } from "@seekdesk/gateway/testing/temp-gateway.ts";
import { startTestPostgres, type TestPostgres } from "@seekdesk/store/testing/postgres.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSeekdesk } from "../testing/run-cli.ts";

/**
 * `seekdesk users delete` on an operator's machine against the Postgres a running server uses:
 * the erasure reaches the server's open streams through LISTEN/NOTIFY, as another replica's would.
 */
let pg: TestPostgres;
let env: NodeJS.ProcessEnv;
let gw: TempGateway;
const dir = mkdtempSync(join(tmpdir(), "seekdesk-users-pg-"));

beforeAll(async () => {
  pg = await startTestPostgres();
  const url = await pg.createDatabase("users_erase");
  // The CLI's data dir is not the server's: nothing may travel through a SQLite file.
  env = { SEEKDESK_STORE_DRIVER: "postgres", SEEKDESK_STORE_URL: url, SEEKDESK_DATA_DIR: join(dir, "cli") };
  const assistant = createEmbeddedAssistant().assistant;
  gw = await startTempGateway({
    plugins: [conversationPlugin({ assistant: async () => assistant, ocr: null, asr: null })],
    config: { store: { driver: "postgres", url } },
  });
});
afterAll(async () => {
  await gw?.stop();
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${gw.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as Record<string, unknown>;
}

describe("seekdesk users delete with store.driver postgres", () => {
  it("tells the running server's agent and customer streams", async () => {
    const agents = await openSse(`${gw.url}/api/agent/events`);
    await agents.next((e) => e.event === "snapshot");
    const conv = (await post("/api/conversations", { userId: "pg-erase" })).id as string;
    const customer = await openSse(`${gw.url}/api/conversations/${conv}/events`);
    await customer.next((e) => e.event === "handoff");
    await post(`/api/conversations/${conv}/messages`, { text: "转人工" });
    const ticketId = JSON.parse((await agents.next((e) => e.event === "ticket_opened")).data).ticketId;

    const erased = await runSeekdesk(["users", "delete", "pg-erase", "--yes"], { env });
    expect(erased.stderr).toBe("");
    expect(erased.code).toBe(0);
    expect(erased.stdout).toContain("1 conversations, 2 messages, 1 tickets");

    const removed = await agents.next((e) => e.event === "ticket_removed");
    expect(JSON.parse(removed.data).ticketId).toBe(ticketId);
    expect(Number(removed.id)).toBeGreaterThan(0);
    expect(JSON.parse((await customer.next((e) => e.event === "deleted")).data)).toEqual({
      conversationId: conv,
    });
    await expect(customer.next()).rejects.toThrow(/ended/);
    expect((await fetch(`${gw.url}/api/agent/queue`).then((r) => r.json())).data).toEqual([]);
    agents.close();
  });
});
