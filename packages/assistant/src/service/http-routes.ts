import {
  InvalidRequestError,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from "@seekdesk/core";
import type { GatewayContext } from "@seekdesk/gateway";
import { validate } from "@seekdesk/gateway/body.ts";
import { readFormData } from "@seekdesk/gateway/multipart.ts";
import { widgetCors } from "@seekdesk/gateway/widget-cors.ts";
import type { FeedbackRepository } from "@seekdesk/store";
import type { Context, Hono } from "hono";
import { z } from "zod";
import type { AgentDesk } from "../handoff/agent-desk.ts";
import { acceptsMedia } from "../inputs/media-kind.ts";
import {
  agentId,
  callerOf,
  conversationScope,
  customerId,
  requireAgent,
  requireSelfOrTrusted,
  requireTicketViewer,
} from "./access.ts";
import { apiMessage, apiTicket, handoffStatus } from "./api-shapes.ts";
import type { ConversationService, MessageInput, PostMessageResult } from "./conversation-service.ts";
import { eraseUserData, exportUserData } from "./erase-user.ts";
import { toUserProfile } from "./profile.ts";
import { agentEventStream, conversationEventStream } from "./sse.ts";

const id = z.string().min(1, "expected a non-empty id").max(200, "expected at most 200 characters");
const media = z.object({
  /** base64, or a data: URL */
  data: z.string().min(1, "expected base64 data"),
  mimeType: z.string().max(100).optional(),
});

const StartBody = z
  .object({
    userId: id.optional(),
    channel: z.string().min(1).max(40).optional(),
    /** Accepted for the widget's sake; the dialogue detects the language per turn. */
    language: z.string().max(10).optional(),
  })
  .strict();

const MessageBody = z
  .object({
    text: z.string().max(8000, "expected at most 8000 characters").optional(),
    image: media.optional(),
    audio: media.optional(),
    caption: z.string().max(2000).optional(),
    idempotencyKey: id.optional(),
    userId: id.optional(),
  })
  .strict()
  .refine((b) => [b.text, b.image, b.audio].filter((x) => x !== undefined).length === 1, {
    message: "send exactly one of text, image or audio",
    path: ["text"],
  });

const ReplyBody = z
  .object({
    text: z.string().min(1, "expected text").max(8000),
    idempotencyKey: id.optional(),
    agentId: id.optional(),
  })
  .strict();
const AgentBody = z.object({ agentId: id.optional() }).strict();
const TransferBody = z
  .object({ to: id.nullable().optional(), note: z.string().max(2000).optional(), agentId: id.optional() })
  .strict();
const TypingBody = z.object({ typing: z.boolean().optional(), agentId: id.optional() }).strict();

export interface ConversationRoutesDeps {
  service: ConversationService;
  desk: AgentDesk;
  /** Ratings and intent verdicts on conversations: exported and erased with their user. */
  feedback: FeedbackRepository;
  ctx: Pick<GatewayContext, "auth" | "readJson" | "config">;
  /** Largest image or audio file a multipart message may carry (`assistant.inputs.maxUploadBytes`). */
  maxUploadBytes: number;
}

/** Mounts the conversation, agent and user-data APIs (documented in docs/API.md). */
export function registerConversationRoutes(app: Hono, deps: ConversationRoutesDeps): void {
  const { service, desk, feedback, ctx } = deps;
  const auth = ctx.auth.requireAuth();
  // The customer side, which the chat widget calls from other origins with its public key.
  const customer = ctx.auth.requireAuth({ widget: true });

  // Also covers routes other plugins add under /api/conversations/:id (the rating).
  app.use("/api/conversations", widgetCors());
  app.use("/api/conversations/*", widgetCors());

  app.post("/api/conversations", customer, async (c) => {
    const caller = callerOf(c);
    const body = await readOptionalJson(c, ctx, StartBody);
    const conversation = await service.startConversation(customerId(caller, body.userId), body.channel);
    return c.json(conversation, 201);
  });

  app.get("/api/conversations/:id", customer, async (c) => {
    const conversation = await service.conversationFor(c.req.param("id"), conversationScope(callerOf(c)));
    const queue = await service.queueInfo(conversation.id);
    return c.json({ ...conversation, handoff: handoffStatus(conversation, queue) });
  });

  app.post("/api/conversations/:id/messages", customer, async (c) => {
    const caller = callerOf(c);
    const conversation = await service.conversationFor(c.req.param("id"), conversationScope(caller));
    const { input, idempotencyKey, userId } = await readMessage(c, ctx, deps.maxUploadBytes);
    if (userId !== undefined && userId !== conversation.userId)
      throw new InvalidRequestError("userId does not match the conversation's user", "userId");
    const result = await service.postMessage({
      conversationId: conversation.id,
      userId: conversation.userId,
      input,
      idempotencyKey: idempotencyKey ?? c.req.header("idempotency-key"),
      signal: c.req.raw.signal,
    });
    return c.json(postResponse(result), result.duplicate ? 200 : 201);
  });

  app.get("/api/conversations/:id/messages", customer, async (c) => {
    const conversation = await service.conversationFor(c.req.param("id"), conversationScope(callerOf(c)));
    const after = nonNegativeInt(c.req.query("after"), "after") ?? 0;
    const limit = Math.max(1, Math.min(nonNegativeInt(c.req.query("limit"), "limit") ?? 500, 1000));
    const messages = await service.store.listMessages(conversation.id, { afterSeq: after, limit });
    return c.json({ object: "list", data: messages.map(apiMessage), hasMore: messages.length === limit });
  });

  app.get("/api/conversations/:id/events", customer, async (c) => {
    const conversation = await service.conversationFor(c.req.param("id"), conversationScope(callerOf(c)));
    const after =
      nonNegativeInt(c.req.header("last-event-id"), "Last-Event-ID") ??
      nonNegativeInt(c.req.query("after"), "after") ??
      0;
    return conversationEventStream(c, service, conversation, after);
  });

  app.post("/api/conversations/:id/typing", customer, async (c) => {
    await service.customerTyping(c.req.param("id"), conversationScope(callerOf(c)));
    return c.body(null, 204);
  });

  app.post("/api/conversations/:id/close", customer, async (c) => {
    const conversation = await service.closeConversation(c.req.param("id"), conversationScope(callerOf(c)));
    return c.json(conversation);
  });

  // Agents
  app.get("/api/agent/queue", auth, async (c) => {
    requireTicketViewer(callerOf(c));
    const queued = await service.queue.list();
    const assigned = await service.store.listTickets({ status: "assigned" });
    return c.json({
      object: "list",
      data: [...queued.map((q) => apiTicket(q.ticket, q.queue)), ...assigned.map((t) => apiTicket(t))],
    });
  });

  app.get("/api/agent/events", auth, async (c) => {
    requireTicketViewer(callerOf(c));
    const last = nonNegativeInt(c.req.header("last-event-id"), "Last-Event-ID");
    return agentEventStream(c, service, last);
  });

  app.get("/api/agent/tickets/:id", auth, async (c) => {
    requireTicketViewer(callerOf(c));
    const d = await desk.detail(c.req.param("id"));
    return c.json({
      ticket: apiTicket(d.ticket, d.queue),
      messages: d.transcript.map(apiMessage),
      state: d.state,
      sentiment: d.ticket.sentiment,
      summary: d.ticket.summary,
      profile: d.profile,
    });
  });

  app.get("/api/agent/tickets/:id/suggestions", auth, async (c) => {
    requireAgent(callerOf(c));
    const d = await desk.detail(c.req.param("id"));
    return c.json({ object: "list", data: await service.suggestReplies(d.transcript, c.req.raw.signal) });
  });

  app.post("/api/agent/tickets/:id/accept", auth, async (c) => {
    const agent = agentId(callerOf(c), (await readOptionalJson(c, ctx, AgentBody)).agentId);
    return c.json(apiTicket(await desk.accept(c.req.param("id"), agent)));
  });

  app.post("/api/agent/tickets/:id/reply", auth, async (c) => {
    const body = await ctx.readJson(c, ReplyBody);
    const agent = agentId(callerOf(c), body.agentId);
    const message = await desk.reply(
      c.req.param("id"),
      agent,
      body.text,
      body.idempotencyKey ?? c.req.header("idempotency-key"),
    );
    return c.json(apiMessage(message), 201);
  });

  app.post("/api/agent/tickets/:id/transfer", auth, async (c) => {
    const body = await readOptionalJson(c, ctx, TransferBody);
    const agent = agentId(callerOf(c), body.agentId);
    return c.json(apiTicket(await desk.transfer(c.req.param("id"), agent, body.to ?? null, body.note)));
  });

  app.post("/api/agent/tickets/:id/close", auth, async (c) => {
    const agent = agentId(callerOf(c), (await readOptionalJson(c, ctx, AgentBody)).agentId);
    return c.json(apiTicket(await desk.close(c.req.param("id"), agent)));
  });

  app.post("/api/agent/tickets/:id/typing", auth, async (c) => {
    const body = await readOptionalJson(c, ctx, TypingBody);
    await desk.typing(c.req.param("id"), agentId(callerOf(c), body.agentId), body.typing ?? true);
    return c.body(null, 204);
  });

  // User data: profile, export, erase
  app.get("/api/users/:id/profile", auth, async (c) => {
    const userId = c.req.param("id");
    requireSelfOrTrusted(callerOf(c), userId);
    const profile = toUserProfile(await service.store.getProfile(userId));
    if (!profile) throw new NotFoundError(`No profile for user ${userId}`, "profile_not_found");
    return c.json(profile);
  });

  app.get("/api/users/:id/export", auth, async (c) => {
    const userId = c.req.param("id");
    requireSelfOrTrusted(callerOf(c), userId);
    const data = await exportUserData(service.store, feedback, userId);
    return c.json(data, 200, {
      "content-disposition": `attachment; filename="seekdesk-user-${encodeURIComponent(userId)}.json"`,
    });
  });

  const erase = async (c: Context) => {
    const userId = c.req.param("id") ?? "";
    requireSelfOrTrusted(callerOf(c), userId);
    return c.json({ userId, deleted: await eraseUserData(service.store, feedback, service.bus, userId) });
  };
  app.delete("/api/users/:id/profile", auth, erase);
  app.delete("/api/users/:id", auth, erase);
}

function postResponse(r: PostMessageResult): Record<string, unknown> {
  return {
    conversation: r.conversation,
    message: apiMessage(r.message),
    replies: r.replies.map(apiMessage),
    messages: [r.message, ...r.replies].map(apiMessage),
    handoff: handoffStatus(r.conversation, r.queue),
    duplicate: r.duplicate,
  };
}

function nonNegativeInt(raw: string | undefined, param: string): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d{1,15}$/.test(raw.trim()))
    throw new InvalidRequestError(`Invalid '${param}': expected a non-negative integer`, param);
  return Number(raw.trim());
}

/** Action endpoints accept an empty body as `{}`. */
async function readOptionalJson<S extends z.ZodType>(
  c: Context,
  ctx: Pick<GatewayContext, "readJson">,
  schema: S,
): Promise<z.infer<S>> {
  const len = c.req.header("content-length");
  if (len === "0" || (len === undefined && !c.req.header("content-type"))) return validate(schema, {});
  return ctx.readJson(c, schema);
}

interface ReadMessage {
  input: MessageInput;
  idempotencyKey?: string;
  userId?: string;
}

const isMultipart = (c: Context) => /^multipart\/form-data/i.test(c.req.header("content-type") ?? "");

/** Multipart part headers and text fields, beyond the file itself. */
const MULTIPART_OVERHEAD = 64 * 1024;

async function readMessage(
  c: Context,
  ctx: Pick<GatewayContext, "readJson">,
  maxUploadBytes: number,
): Promise<ReadMessage> {
  if (isMultipart(c)) return readMultipart(c, maxUploadBytes);
  const body = await ctx.readJson(c, MessageBody);
  const base = { idempotencyKey: body.idempotencyKey, userId: body.userId };
  if (body.text !== undefined) return { ...base, input: { kind: "text", text: body.text } };
  if (body.image) {
    const { data, mimeType } = decodeMedia(body.image, "image");
    return { ...base, input: { kind: "image", data, mimeType, caption: body.caption } };
  }
  const { data, mimeType } = decodeMedia(body.audio as z.infer<typeof media>, "audio");
  return { ...base, input: { kind: "audio", data, mimeType } };
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

function decodeMedia(m: z.infer<typeof media>, param: string): { data: Uint8Array; mimeType?: string } {
  let data = m.data.replace(/\s+/g, "");
  let mimeType = m.mimeType;
  const url = /^data:([^;,]+)?(;base64)?,/.exec(data);
  if (url) {
    mimeType ??= url[1];
    data = data.slice(url[0].length);
  }
  if (!BASE64.test(data))
    throw new InvalidRequestError(`Invalid '${param}.data': expected base64`, `${param}.data`);
  return { data: new Uint8Array(Buffer.from(data, "base64")), mimeType };
}

/** The fields a multipart message may carry beside its one `image` or `audio` file part. */
const MultipartFields = z
  .object({
    /** A text message alone; with an image, its caption (read before the image's own text). */
    text: z.string().max(8000, "expected at most 8000 characters").optional(),
    caption: z.string().max(2000).optional(),
    idempotencyKey: id.optional(),
    userId: id.optional(),
  })
  .strict();
const FILE_PARTS = new Set<string>(["image", "audio"]);

/**
 * A message sent as `multipart/form-data`: the way a phone photo or a voice message goes, since
 * its bytes travel as they are (base64 in JSON adds a third) under `assistant.inputs.maxUploadBytes`
 * rather than the JSON body limit.
 */
async function readMultipart(c: Context, maxUploadBytes: number): Promise<ReadMessage> {
  const tooLarge = () => new PayloadTooLargeError(maxUploadBytes, "assistant.inputs.maxUploadBytes");
  // Room for the text fields and part headers beside a file of the full size.
  const form = await readFormData(c, maxUploadBytes + MULTIPART_OVERHEAD, tooLarge);
  const fields: Record<string, string> = {};
  let file: { kind: "image" | "audio"; value: File } | undefined;
  for (const [name, value] of form.entries()) {
    if (typeof value === "string") {
      if (FILE_PARTS.has(name))
        throw new InvalidRequestError(`Invalid '${name}': expected a file part, got a text field`, name);
      if (!(name in MultipartFields.shape))
        throw new InvalidRequestError(
          `Unknown field '${name}': expected text, caption, idempotencyKey or userId beside the file`,
          name,
        );
      if (name in fields) throw new InvalidRequestError(`Invalid '${name}': sent more than once`, name);
      fields[name] = value;
    } else {
      if (!FILE_PARTS.has(name))
        throw new InvalidRequestError(
          `Unexpected file part '${name}': send the file as 'image' or 'audio'`,
          name,
        );
      if (file) throw new InvalidRequestError("send one file part, either image or audio", name);
      file = { kind: name as "image" | "audio", value };
    }
  }
  const body = validate(MultipartFields, fields);
  const base = { idempotencyKey: body.idempotencyKey, userId: body.userId };
  if (!file) {
    if (body.caption !== undefined)
      throw new InvalidRequestError("caption goes with an image part", "caption");
    if (body.text === undefined)
      throw new InvalidRequestError("send a text field, or an image or audio file part", "text");
    return { ...base, input: { kind: "text", text: body.text } };
  }
  const { kind, value } = file;
  if (value.size > maxUploadBytes) throw tooLarge();
  if (kind === "audio" && (body.text !== undefined || body.caption !== undefined))
    throw new InvalidRequestError(
      "text cannot go with an audio part",
      body.text !== undefined ? "text" : "caption",
    );
  if (body.text !== undefined && body.caption !== undefined)
    throw new InvalidRequestError("send the image's text as either text or caption, not both", "caption");
  const data = new Uint8Array(await value.arrayBuffer());
  const mimeType = value.type || undefined;
  if (!acceptsMedia(kind, data, mimeType))
    throw new UnsupportedMediaTypeError(
      `Unsupported ${kind} type${mimeType ? ` '${mimeType}'` : ""}: expected ${kind === "image" ? "an image (PNG, JPEG, WebP, GIF, BMP, TIFF, HEIC)" : "audio (WAV, WebM, Ogg, MP3, M4A, FLAC)"}`,
      kind,
    );
  return kind === "image"
    ? { ...base, input: { kind, data, mimeType, caption: body.text ?? body.caption } }
    : { ...base, input: { kind, data, mimeType } };
}
