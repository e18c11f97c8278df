import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { callJson } from "@seekdesk/assistant/service/testing/json-call.ts";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { spawnServe } from "./testing/serve-child.ts";

const root = mkdtempSync(join(tmpdir(), "seekdesk-desk-"));
const running: ChildProcess[] = [];

afterEach(() => {
  for (const c of running.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `seekdesk serve` as a real child process on a free port; resolves with its URL. */
async function serve(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const { child, url } = spawnServe(["--data-dir", dataDir], root);
  running.push(child);
  return { url: await url, child };
}

async function kill9(child: ChildProcess): Promise<void> {
  const exited = new Promise((ok) => child.on("exit", ok));
  child.kill("SIGKILL");
  await exited;
}

describe("seekdesk serve: the desk survives kill -9", () => {
  it("loses no acknowledged message and keeps the hand-off queue across two hard kills", async () => {
    const dataDir = join(root, "data");
    let s = await serve(dataDir);

    // Three customers: one chatting with the bot, two waiting for an agent.
    const conv = (await callJson(s.url, "POST", "/api/conversations", { userId: "d1" })).json.id as string;
    for (const [i, text] of ["我的订单到哪了", "SD20260001"].entries()) {
      expect(
        (
          await callJson(s.url, "POST", `/api/conversations/${conv}/messages`, {
            text,
            idempotencyKey: `d1-${i}`,
          })
        ).status,
      ).toBe(201);
    }
    const waiting: string[] = [];
    for (const user of ["d2", "d3"]) {
      const c = (await callJson(s.url, "POST", "/api/conversations", { userId: user })).json.id as string;
      const r = await callJson(s.url, "POST", `/api/conversations/${c}/messages`, {
        text: "talk to a human",
      });
      expect(r.json.handoff.status).toBe("waiting");
      waiting.push(c);
    }
    const queueBefore = (await callJson(s.url, "GET", "/api/agent/queue")).json.data.map(
      (t: { id: string }) => t.id,
    );
    expect(queueBefore).toHaveLength(2);

    // Kill -9 with a customer message in flight.
    const inflight = fetch(`${s.url}/api/conversations/${conv}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "I want to return it", idempotencyKey: "d1-2" }),
    }).catch(() => null);
    await kill9(s.child);
    await inflight;

    s = await serve(dataDir);
    const after = await callJson(s.url, "GET", `/api/conversations/${conv}/messages`);
    expect(after.json.data.slice(0, 4).map((m: { role: string }) => m.role)).toEqual([
      "user",
      "bot",
      "user",
      "bot",
    ]);
    // The client retries the unacknowledged message: it is stored once and answered once.
    const retried = await callJson(s.url, "POST", `/api/conversations/${conv}/messages`, {
      text: "I want to return it",
      idempotencyKey: "d1-2",
    });
    expect(retried.json.replies).toHaveLength(1);
    const full = (await callJson(s.url, "GET", `/api/conversations/${conv}/messages`)).json.data;
    expect(full.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(full.filter((m: { text: string }) => m.text === "I want to return it")).toHaveLength(1);
    expect(
      (await callJson(s.url, "GET", "/api/agent/queue")).json.data.map((t: { id: string }) => t.id),
    ).toEqual(queueBefore);

    // An agent takes the first ticket and answers; kill -9 while the hand-off is open.
    expect(
      (await callJson(s.url, "POST", `/api/agent/tickets/${queueBefore[0]}/accept`, { agentId: "li" }))
        .status,
    ).toBe(200);
    await callJson(s.url, "POST", `/api/agent/tickets/${queueBefore[0]}/reply`, {
      agentId: "li",
      text: "我来处理",
    });
    await callJson(s.url, "POST", `/api/conversations/${waiting[0]}/messages`, {
      text: "谢谢",
      idempotencyKey: "d2-1",
    });
    await kill9(s.child);

    s = await serve(dataDir);
    const ticket = (await callJson(s.url, "GET", `/api/agent/tickets/${queueBefore[0]}`)).json;
    expect(ticket.ticket).toMatchObject({ status: "assigned", assignedAgent: "li" });
    expect(
      ticket.messages.map((m: { role: string; text: string }) => `${m.role}:${m.text}`).slice(-3),
    ).toEqual([`system:${ticket.messages.at(-3).text}`, "agent:我来处理", "user:谢谢"]);
    const queue = (await callJson(s.url, "GET", "/api/agent/queue")).json.data;
    expect(
      queue.map((t: { id: string; status: string; position: number | null }) => [t.id, t.status, t.position]),
    ).toEqual([
      [queueBefore[1], "queued", 1],
      [queueBefore[0], "assigned", null],
    ]);
    // The desk carries on: the agent closes and the bot answers again.
    await callJson(s.url, "POST", `/api/agent/tickets/${queueBefore[0]}/close`, { agentId: "li" });
    const resumed = await callJson(s.url, "POST", `/api/conversations/${waiting[0]}/messages`, {
      text: "你好",
    });
    expect(resumed.json.replies).toHaveLength(1);
    await kill9(s.child);
  });
});

describe("seekdesk serve: one knowledge base for the bot and the knowledge API", () => {
  it("answers from a document uploaded through /api/kb/documents without a restart", async () => {
    const s = await serve(join(root, "kb-data"));
    const ask = async (userId: string, text: string) => {
      const conv = (await callJson(s.url, "POST", "/api/conversations", { userId })).json.id as string;
      const r = await callJson(s.url, "POST", `/api/conversations/${conv}/messages`, { text });
      expect(r.status).toBe(201);
      return r.json.replies[0] as { text: string; citations: { source: string; title: string }[] };
    };
    const question = "How long is the warranty on the SeekWatch X2?";
    expect((await ask("kb1", question)).citations.map((c) => c.source)).not.toContain("upload:seekwatch.md");

    const form = new FormData();
    form.append(
      "file",
      new Blob(
        [
          "# SeekWatch X2 warranty\n\nThe SeekWatch X2 smart watch comes with a 36-month warranty " +
            "covering the battery and the strap.\n",
        ],
        { type: "text/markdown" },
      ),
      "seekwatch.md",
    );
    const up = await fetch(`${s.url}/api/kb/documents`, { method: "POST", body: form });
    expect(up.status).toBe(200);

    const reply = await ask("kb2", question);
    expect(reply.citations[0]).toMatchObject({
      source: "upload:seekwatch.md",
      title: "SeekWatch X2 warranty",
    });
    expect(reply.text).toContain("36-month");
    await kill9(s.child);
  });
});
