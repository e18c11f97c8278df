import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmbeddedAssistant } from "@seekdesk/assistant/service/embedded.ts";
import { conversationPlugin } from "@seekdesk/assistant/service/http-plugin.ts";
import { openSse } from "@seekdesk/assistant/service/testing/sse-client.ts";
import { consolePlugin } from "@seekdesk/console";
import { startTempGateway, type TempGateway } from "@seekdesk/gateway/testing/temp-gateway.ts";
import type { ConversationStore, FeedbackRepository } from "@seekdesk/store";
import { startTestPostgres, type TestPostgres } from "@seekdesk/store/testing/postgres.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSeekdesk } from "../testing/run-cli.ts";

/**
 * `seekdesk users delete` on an operator's machine against the Postgres a running server uses:
 * the erasure reaches the server's open streams through LISTEN/NOTIFY, as another replica's would,
 * and the user's ratings and intent verdicts leave the server's analytics.
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
  // As `seekdesk serve` wires them: the console's analytics read the desk's feedback repository.
  const desk = { store: null as ConversationStore | null, feedback: null as FeedbackRepository | null };
  gw = await startTempGateway({
    plugins: [
      conversationPlugin({
        assistant: async () => assistant,
        ocr: null,
        asr: null,
        onReady: (service, feedback) => {
          desk.store = service.store;
          desk.feedback = feedback;
        },
      }),
      consolePlugin({
        distDir: join(dir, "dist"),
        conversations: () => desk.store,
        feedback: () => desk.feedback,
      }),
    ],
    config: { store: { driver: "postgres", url } },
  });
});
afterAll(async () => {
  await gw?.stop();
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The analytics totals; a fresh install has no accounts yet, so the console lets anyone read them. */
async function totals(): Promise<Record<string, unknown>> {
  const res = await fetch(`${gw.url}/api/analytics?days=1`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { totals: Record<string, unknown> }).totals;
}

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
  it("tells the running server's agent and customer streams and leaves the analytics without the user's feedback", async () => {
    const agents = await openSse(`${gw.url}/api/agent/events`);
    await agents.next((e) => e.event === "snapshot");
    const conv = (await post("/api/conversations", { userId: "pg-erase" })).id as string;
    const customer = await openSse(`${gw.url}/api/conversations/${conv}/events`);
    await customer.next((e) => e.event === "handoff");
    await post(`/api/conversations/${conv}/messages`, { text: "转人工" });
    const ticketId = JSON.parse((await agents.next((e) => e.event === "ticket_opened")).data).ticketId;
    // The user rates the bot badly and an agent finds its intent wrong; another user's feedback stays.
    const kept = (await post("/api/conversations", { userId: "pg-keep" })).id as string;
    await post(`/api/conversations/${kept}/messages`, { text: "hello" });
    await post(`/api/conversations/${conv}/rating`, { rating: 1, comment: "no help" });
    await post(`/api/conversations/${kept}/rating`, { rating: 5 });
    await post("/api/agent/feedback/intent", { conversationId: conv, seq: 1, correct: false });
    await post("/api/agent/feedback/intent", { conversationId: kept, seq: 1, correct: true });
    expect(await totals()).toMatchObject({ satisfaction: 3, intentAccuracy: 0.5 });

    const erased = await runSeekdesk(["users", "delete", "pg-erase", "--yes"], { env });
    expect(erased.stderr).toBe("");
    expect(erased.code).toBe(0);
    expect(erased.stdout).toContain("1 conversations, 2 messages, 1 tickets, 1 ratings, 1 intent verdicts");
    expect(await totals()).toMatchObject({ satisfaction: 5, intentAccuracy: 1 });

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
