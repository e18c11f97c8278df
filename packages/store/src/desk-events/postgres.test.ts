import { eventually } from "@seekdesk/core/testing/eventually.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPostgres, type TestPostgres } from "../testing/postgres.ts";
import { PostgresDeskEvents } from "./postgres.ts";

let server: TestPostgres;
let url: string;
beforeAll(async () => {
  server = await startTestPostgres();
  url = await server.createDatabase("desk_events");
});
afterAll(async () => {
  await server?.stop();
});

describe("PostgresDeskEvents", () => {
  it("announces agent events in id order even when replicas append at once, inline when small", async () => {
    const senders = [new PostgresDeskEvents(url), new PostgresDeskEvents(url), new PostgresDeskEvents(url)];
    const listener = new PostgresDeskEvents(url, { applicationName: "desk-events-test" });
    const heard: { id: number; event?: unknown }[] = [];
    const listen = listener.listen({
      conversation: () => undefined,
      agent: (e) => heard.push(e),
      listening: () => undefined,
    });
    await listen.started;
    try {
      // Each sender appends 100 at once; draws of ids interleave across senders.
      const big = "x".repeat(9000);
      const appended = (
        await Promise.all(
          senders.map((s, k) =>
            Promise.all(
              Array.from({ length: 100 }, (_, i) =>
                s.appendAgentEvent(Date.now(), JSON.stringify({ k, i, ...(i === 50 ? { big } : {}) })),
              ),
            ),
          ),
        )
      ).flat();
      await eventually("heard.length === 300", () => heard.length === 300);
      const ids = heard.map((h) => h.id);
      // Commit order is id order: a replica that has heard id n has heard every id below it.
      expect(ids).toEqual([...appended].sort((a, b) => a - b));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      const bigOnes = heard.filter((h) => h.event === undefined);
      expect(bigOnes).toHaveLength(3);
      const [row] = await listener.agentEventsAfter(bigOnes[0].id - 1, 1);
      expect(JSON.parse(row.event).big).toBe(big);
      expect(await listener.agentEventRange()).toEqual({ first: ids[0], last: ids.at(-1) });
    } finally {
      await listen.stop();
      for (const s of [...senders, listener]) await s.close();
    }
  });

  it("keeps the order of conversation payloads sent together and refuses one over the limit", async () => {
    const sender = new PostgresDeskEvents(url);
    const listener = new PostgresDeskEvents(url);
    const heard: string[] = [];
    const listen = listener.listen({
      conversation: (p) => heard.push(p),
      agent: () => undefined,
      listening: () => undefined,
    });
    await listen.started;
    try {
      const payloads = Array.from({ length: 50 }, (_, i) => `{"n":${i}}`);
      await Promise.all([
        sender.notifyConversations(payloads.slice(0, 25)),
        sender.notifyConversations(payloads.slice(25)),
      ]);
      await eventually("heard.length === 50", () => heard.length === 50);
      expect(heard).toEqual(payloads);
      await expect(sender.notifyConversations(["長".repeat(3000)])).rejects.toThrow(
        /exceeds the NOTIFY limit/,
      );
    } finally {
      await listen.stop();
      await sender.close();
      await listener.close();
    }
  });
});
