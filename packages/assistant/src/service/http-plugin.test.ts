import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { padPng } from "@seekdesk/gateway/testing/padded-png.ts";
import { startTempGateway, type TempGateway } from "@seekdesk/gateway/testing/temp-gateway.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Assistant } from "../types.ts";
import { createEmbeddedAssistant } from "./embedded.ts";
import { conversationPlugin } from "./http-plugin.ts";
import { callJson } from "./testing/json-call.ts";
import { openSse } from "./testing/sse-client.ts";

let gw: TempGateway;
let assistant: Assistant;
const dir = mkdtempSync(join(tmpdir(), "seekdesk-convapi-"));

beforeAll(async () => {
  assistant = createEmbeddedAssistant().assistant;
  gw = await startTempGateway({ plugins: [conversationPlugin({ assistant: async () => assistant })] });
});
afterAll(async () => {
  await gw?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const call = (method: string, path: string, body?: unknown) => callJson(gw.url, method, path, body);

async function start(userId: string): Promise<string> {
  const r = await call("POST", "/api/conversations", { userId, channel: "web" });
  expect(r.status).toBe(201);
  return r.json.id;
}

describe("conversation API", () => {
  it("posts messages, answers retries from the first outcome and catches up by seq", async () => {
    const id = await start("api-u1");
    const first = await call("POST", `/api/conversations/${id}/messages`, {
      text: "我想退货",
      idempotencyKey: "m1",
    });
    expect(first.status).toBe(201);
    expect(first.json.messages.map((m: { seq: number; role: string }) => [m.seq, m.role])).toEqual([
      [1, "user"],
      [2, "bot"],
    ]);
    expect(first.json.replies[0].meta.intent).toBe("return_request");
    const retry = await call("POST", `/api/conversations/${id}/messages`, {
      text: "我想退货",
      idempotencyKey: "m1",
    });
    expect(retry.status).toBe(200);
    expect(retry.json.duplicate).toBe(true);
    expect(retry.json.replies[0].text).toBe(first.json.replies[0].text);

    const all = await call("GET", `/api/conversations/${id}/messages`);
    expect(all.json.data.map((m: { seq: number }) => m.seq)).toEqual([1, 2]);
    const after = await call("GET", `/api/conversations/${id}/messages?after=1`);
    expect(after.json.data.map((m: { seq: number }) => m.seq)).toEqual([2]);
  });

  it("answers bad requests with OpenAI-style errors naming the field", async () => {
    const id = await start("api-u2");
    const both = await call("POST", `/api/conversations/${id}/messages`, {
      text: "hi",
      audio: { data: "AAAA" },
    });
    expect(both.status).toBe(400);
    expect(both.json.error).toMatchObject({ type: "invalid_request_error", param: "text" });
    const unknownField = await call("POST", `/api/conversations/${id}/messages`, { txt: "hi" });
    expect(unknownField.status).toBe(400);
    const badBase64 = await call("POST", `/api/conversations/${id}/messages`, { image: { data: "%%%" } });
    expect(badBase64.json.error.param).toBe("image.data");
    const missing = await call("POST", "/api/conversations/conv_nope/messages", { text: "hi" });
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe("conversation_not_found");
    expect((await call("GET", `/api/conversations/${id}/messages?after=-1`)).status).toBe(400);
    expect((await call("POST", "/api/agent/tickets/tkt_nope/accept")).status).toBe(404);
  });

  it("resumes the event stream from Last-Event-ID without losing or repeating a message", async () => {
    const id = await start("api-u3");
    await call("POST", `/api/conversations/${id}/messages`, { text: "hello" });
    const s1 = await openSse(`${gw.url}/api/conversations/${id}/events`);
    const seen: number[] = [];
    for (let i = 0; i < 2; i++) seen.push(Number((await s1.next((e) => e.event === "message")).id));
    expect(seen).toEqual([1, 2]);
    await s1.next((e) => e.event === "handoff");
    const live = call("POST", `/api/conversations/${id}/messages`, { text: "where is my order" });
    seen.push(Number((await s1.next((e) => e.event === "message")).id));
    s1.close();
    await live;
    // Disconnected: the bot's reply (seq 4) and another exchange happen meanwhile.
    await call("POST", `/api/conversations/${id}/messages`, { text: "I want a refund" });
    const s2 = await openSse(`${gw.url}/api/conversations/${id}/events`, {
      "last-event-id": String(seen.at(-1)),
    });
    for (let i = 0; i < 3; i++) seen.push(Number((await s2.next((e) => e.event === "message")).id));
    await s2.next((e) => e.event === "handoff");
    const posted = call("POST", `/api/conversations/${id}/messages`, { text: "thanks" });
    for (let i = 0; i < 2; i++) seen.push(Number((await s2.next((e) => e.event === "message")).id));
    await posted;
    s2.close();
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("runs a hand-off through the agent API and streams it to agents and the customer", async () => {
    const agents = await openSse(`${gw.url}/api/agent/events`);
    await agents.next((e) => e.event === "snapshot");
    const id = await start("api-u4");
    const customer = await openSse(`${gw.url}/api/conversations/${id}/events`);
    await call("POST", `/api/conversations/${id}/messages`, { text: "我叫王小明，订单SD20260001一直没到" });
    const h = await call("POST", `/api/conversations/${id}/messages`, { text: "转人工" });
    expect(h.json.handoff).toMatchObject({ status: "waiting", position: 1 });
    expect(h.json.handoff.etaSeconds).toBeGreaterThan(0);
    const opened = JSON.parse((await agents.next((e) => e.event === "ticket_opened")).data);
    const ticketId = opened.ticketId as string;
    expect(opened.ticket).toMatchObject({ conversationId: id, reason: "user_request", position: 1 });
    expect(JSON.parse((await customer.next((e) => e.event === "queue")).data)).toMatchObject({ position: 1 });

    const queue = await call("GET", "/api/agent/queue");
    expect(queue.json.data.map((t: { id: string }) => t.id)).toContain(ticketId);
    const detail = await call("GET", `/api/agent/tickets/${ticketId}`);
    expect(detail.json.profile).toMatchObject({ name: "王小明", pastOrders: ["SD20260001"] });
    expect(detail.json.messages.map((m: { text: string }) => m.text)).toContain("转人工");
    expect(detail.json.summary).toContain("转人工");
    expect(detail.json.state.turnCount).toBe(2);

    expect(
      (await call("POST", `/api/agent/tickets/${ticketId}/accept`, { agentId: "li" })).json.assignedAgent,
    ).toBe("li");
    expect(
      JSON.parse((await customer.next((e) => e.event === "handoff" && e.data.includes("agent"))).data),
    ).toMatchObject({
      status: "agent",
      agentName: "li",
    });
    const reply = await call("POST", `/api/agent/tickets/${ticketId}/reply`, {
      agentId: "li",
      text: "您好，我来帮您查",
    });
    expect(reply.status).toBe(201);
    const agentMsg = JSON.parse(
      (await customer.next((e) => e.event === "message" && e.data.includes('"agent"'))).data,
    );
    expect(agentMsg).toMatchObject({ role: "agent", text: "您好，我来帮您查" });
    const silent = await call("POST", `/api/conversations/${id}/messages`, { text: "好的谢谢" });
    expect(silent.json.replies).toEqual([]);
    expect(JSON.parse((await agents.next((e) => e.event === "customer_message")).data).message.text).toBe(
      "好的谢谢",
    );
    expect(
      (await call("POST", `/api/agent/tickets/${ticketId}/close`, { agentId: "someone-else" })).status,
    ).toBe(403);
    expect((await call("POST", `/api/agent/tickets/${ticketId}/close`, { agentId: "li" })).json.status).toBe(
      "closed",
    );
    await agents.next((e) => e.event === "ticket_closed");
    const back = await call("POST", `/api/conversations/${id}/messages`, { text: "你好" });
    expect(back.json.replies).toHaveLength(1);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/seekdesk_desk_handoffs_total\{reason="user_request"\} [1-9]/);
    expect(metrics).toMatch(/seekdesk_desk_messages_total\{role="agent",input=""\} [1-9]/);
    expect(metrics).toMatch(/seekdesk_desk_turn_duration_seconds_count [1-9]/);
    expect(metrics).toMatch(/seekdesk_desk_handoff_wait_seconds_count [1-9]/);
    expect(metrics).toMatch(/seekdesk_desk_queue_length \d+/);
    agents.close();
    customer.close();
  });

  it("resumes the agents' stream from Last-Event-ID", async () => {
    const a1 = await openSse(`${gw.url}/api/agent/events`);
    await a1.next((e) => e.event === "snapshot");
    const idA = await start("api-u5");
    await call("POST", `/api/conversations/${idA}/messages`, { text: "talk to a human" });
    const first = await a1.next((e) => e.event === "ticket_opened");
    a1.close();
    const idB = await start("api-u6");
    await call("POST", `/api/conversations/${idB}/messages`, { text: "talk to a human" });
    const a2 = await openSse(`${gw.url}/api/agent/events`, { "last-event-id": String(first.id) });
    const missed = JSON.parse((await a2.next()).data);
    expect(missed).toMatchObject({ type: "ticket_opened", ticket: { conversationId: idB, position: 2 } });
    a2.close();
  });

  it("accepts audio as multipart and images as base64, recording the input confidence", async () => {
    const id = await start("api-u7");
    const wav = join(dir, "speech.wav");
    execFileSync("espeak-ng", ["-v", "en-us+f2", "-s", "120", "-w", wav, "where is my order"]);
    const form = new FormData();
    form.append("audio", new Blob([readFileSync(wav)], { type: "audio/wav" }), "speech.wav");
    form.append("idempotencyKey", "voice-1");
    const res = await fetch(`${gw.url}/api/conversations/${id}/messages`, { method: "POST", body: form });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.message.text).toMatch(/^where is my/);
    expect(body.message.meta).toMatchObject({ inputKind: "audio", inputEngine: "pocketsphinx" });
    expect(body.replies[0].meta.confidence).toBeLessThanOrEqual(body.message.meta.inputConfidence);

    const png = join(dir, "text.png");
    execFileSync("convert", [
      ...["-size", "600x120", "xc:white", "-font", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"],
      ...["-pointsize", "40", "-fill", "black", "-annotate", "+20+80", "I want a refund", png],
    ]);
    const img = await call("POST", `/api/conversations/${id}/messages`, {
      image: { data: `data:image/png;base64,${readFileSync(png).toString("base64")}` },
    });
    expect(img.status).toBe(201);
    expect(img.json.message.text).toContain("refund");
    expect(img.json.message.meta.inputKind).toBe("image");
  });

  describe("multipart uploads", () => {
    const MB = 1024 * 1024;
    const post = async (id: string, form: FormData, headers: Record<string, string> = {}) => {
      const res = await fetch(`${gw.url}/api/conversations/${id}/messages`, {
        method: "POST",
        body: form,
        headers,
      });
      return { status: res.status, json: await res.json() };
    };
    const photoForm = (bytes: Buffer<ArrayBuffer>, fields: Record<string, string> = {}) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      form.append("image", new Blob([bytes], { type: "image/png" }), "photo.png");
      return form;
    };
    let photo: Buffer<ArrayBuffer>;
    beforeAll(() => {
      const png = join(dir, "refund.png");
      execFileSync("convert", [
        ...[
          "-size",
          "600x120",
          "xc:white",
          "-font",
          "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        ],
        ...["-pointsize", "40", "-fill", "black", "-annotate", "+20+80", "I want a refund", png],
      ]);
      photo = padPng(readFileSync(png), 6 * MB);
    });

    it("stores a 6 MB photo with its text once, however often its idempotency key is resent", async () => {
      const id = await start("api-mp1");
      const fields = { text: "see the photo", idempotencyKey: "photo-1" };
      const first = await post(id, photoForm(photo, fields));
      expect(first.status).toBe(201);
      expect(first.json.message.text).toMatch(/^see the photo\n.*refund/);
      expect(first.json.message.meta.inputKind).toBe("image");
      // The same photo as base64 JSON is over server.bodyLimit (4 MiB): only multipart gets it in.
      const asJson = await call("POST", `/api/conversations/${id}/messages`, {
        image: { data: photo.toString("base64"), mimeType: "image/png" },
      });
      expect(asJson.status).toBe(413);

      const again = await post(id, photoForm(photo, fields));
      expect(again.status).toBe(200);
      expect(again.json.duplicate).toBe(true);
      // The header is the same key by another route: still the one stored message.
      const byHeader = await post(id, photoForm(photo, { text: "see the photo" }), {
        "idempotency-key": "photo-1",
      });
      expect(byHeader.status).toBe(200);
      const stored = await call("GET", `/api/conversations/${id}/messages`);
      expect(stored.json.data.filter((m: { role: string }) => m.role === "user")).toHaveLength(1);
    });

    it("refuses a file over assistant.inputs.maxUploadBytes with 413, declared or streamed", async () => {
      const id = await start("api-mp2");
      const big = photoForm(Buffer.alloc(20 * MB + 1));
      const declared = await post(id, big);
      expect(declared.status).toBe(413);
      expect(declared.json.error).toMatchObject({ type: "invalid_request_error", code: "payload_too_large" });
      expect(declared.json.error.message).toContain("assistant.inputs.maxUploadBytes");
      expect(declared.json.error.message).toContain(String(20 * MB));

      // Chunked, with no Content-Length to refuse up front: the count while reading stops it.
      const encoded = new Response(photoForm(Buffer.alloc(21 * MB)));
      const bytes = new Uint8Array(await encoded.arrayBuffer());
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= bytes.length) return controller.close();
          controller.enqueue(bytes.subarray(sent, sent + 256 * 1024));
          sent += 256 * 1024;
        },
      });
      const res = await fetch(`${gw.url}/api/conversations/${id}/messages`, {
        method: "POST",
        headers: { "content-type": encoded.headers.get("content-type") ?? "" },
        body: stream,
        duplex: "half",
      } as RequestInit);
      expect(res.status).toBe(413);
      expect((await res.json()).error.code).toBe("payload_too_large");
      expect((await call("GET", `/api/conversations/${id}/messages`)).json.data).toEqual([]);
    });

    it("refuses a file that is not of its part's kind with 415", async () => {
      const id = await start("api-mp3");
      const text = new FormData();
      text.append("image", new Blob(["not a picture"], { type: "text/plain" }), "note.txt");
      const r1 = await post(id, text);
      expect(r1.status).toBe(415);
      expect(r1.json.error).toMatchObject({ code: "unsupported_media_type", param: "image" });
      // A picture sent as audio: its bytes say what it is, whatever type the client declared.
      const swapped = new FormData();
      swapped.append("audio", new Blob([photo], { type: "audio/wav" }), "voice.wav");
      const r2 = await post(id, swapped);
      expect(r2.status).toBe(415);
      expect(r2.json.error.param).toBe("audio");
    });

    it("answers a missing, extra or misplaced part with 400 naming it", async () => {
      const id = await start("api-mp4");
      const empty = new FormData();
      empty.append("idempotencyKey", "nothing-1");
      const none = await post(id, empty);
      expect(none.status).toBe(400);
      expect(none.json.error).toMatchObject({ type: "invalid_request_error", param: "text" });

      const generic = new FormData();
      generic.append("file", new Blob([photo], { type: "image/png" }), "photo.png");
      expect((await post(id, generic)).json.error.param).toBe("file");

      const two = photoForm(photo);
      two.append("audio", new Blob([photo], { type: "audio/wav" }), "voice.wav");
      const twoFiles = await post(id, two);
      expect(twoFiles.status).toBe(400);
      expect(twoFiles.json.error.message).toMatch(/one file part/);

      const unknown = photoForm(photo, { txt: "hi" });
      const r = await post(id, unknown);
      expect(r.status).toBe(400);
      expect(r.json.error.param).toBe("txt");
      expect((await call("GET", `/api/conversations/${id}/messages`)).json.data).toEqual([]);
    });
  });

  it("exports a user's data and erases it on request", async () => {
    const id = await start("api-u8");
    await call("POST", `/api/conversations/${id}/messages`, {
      text: "my name is Alice Chen, order SD20260002 is late",
    });
    const profile = await call("GET", "/api/users/api-u8/profile");
    expect(profile.json).toMatchObject({ name: "Alice Chen", pastOrders: ["SD20260002"] });
    const exp = await fetch(`${gw.url}/api/users/api-u8/export`);
    expect(exp.headers.get("content-disposition")).toContain("attachment");
    const data = await exp.json();
    expect(data.conversations[0].messages.length).toBe(2);
    const del = await call("DELETE", "/api/users/api-u8/profile");
    expect(del.json.deleted).toMatchObject({ conversations: 1, messages: 2, profile: true });
    expect((await call("GET", "/api/users/api-u8/profile")).status).toBe(404);
    expect((await call("GET", `/api/conversations/${id}/messages`)).status).toBe(404);
  });

  it("ends open event streams when the server drains, instead of holding shutdown for the drain timeout", async () => {
    // A drain timeout far beyond the test timeout: the test can only pass if the streams end.
    const own = await startTempGateway({
      plugins: [conversationPlugin({ assistant: async () => assistant })],
      config: { server: { drainTimeoutMs: 3_600_000 } },
    });
    const c = (await (await fetch(`${own.url}/api/conversations`, { method: "POST" })).json()) as {
      id: string;
    };
    const customer = await openSse(`${own.url}/api/conversations/${c.id}/events`);
    const agents = await openSse(`${own.url}/api/agent/events`);
    await customer.next((e) => e.event === "handoff");
    await agents.next((e) => e.event === "snapshot");
    await own.stop();
    await expect(customer.next()).rejects.toThrow(/ended/);
    await expect(agents.next()).rejects.toThrow(/ended/);
  });
});
