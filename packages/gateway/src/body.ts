import type { IncomingMessage } from "node:http";
import { InvalidRequestError, PayloadTooLargeError } from "@seekdesk/core";
import type { Context } from "hono";
import type { z } from "zod";

/** `messages[0].role`, the way OpenAI names a nested param. */
export function paramPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path)
    out += typeof part === "number" ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out;
}

/** Validates a parsed body; the first issue becomes a 400 naming the param. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const param = paramPath(issue.path);
  throw new InvalidRequestError(
    param ? `Invalid '${param}': ${issue.message}` : issue.message,
    param || null,
  );
}

/**
 * A web body's chunks, counted while read: past `limit` reading stops and `tooLarge()` is thrown.
 * The rest is cancelled, or with `leaveRest` left for the server adapter to drain (cancelling
 * resets a Node connection before the client reads its 413).
 */
export async function readChunksUpTo(
  body: ReadableStream<Uint8Array<ArrayBuffer>> | null,
  limit: number,
  tooLarge: () => Error,
  opts: { leaveRest?: boolean } = {},
): Promise<Uint8Array<ArrayBuffer>[]> {
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  if (!body) return chunks;
  const reader = body.getReader();
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    size += value.byteLength;
    if (size > limit) {
      if (opts.leaveRest) reader.releaseLock();
      else await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
}

async function readLimited(req: Request, limit: number): Promise<string> {
  const declared = req.headers.get("content-length");
  if (declared !== null) {
    if (Number(declared) > limit) throw new PayloadTooLargeError(limit);
    return req.text();
  }
  // Chunked bodies have no declared length: count while reading and stop at the limit.
  const chunks = await readChunksUpTo(req.body, limit, () => new PayloadTooLargeError(limit));
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * On @hono/node-server the Node request is at hand: reading it directly skips building a web
 * ReadableStream for the body, a visible share of per-request CPU in profiles.
 */
function readIncoming(incoming: IncomingMessage, limit: number): Promise<string> {
  const declared = incoming.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit)
    return Promise.reject(new PayloadTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        incoming.removeAllListeners("data");
        incoming.resume();
        reject(new PayloadTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    incoming.once("end", () =>
      resolve(chunks.length === 1 ? chunks[0].toString("utf8") : Buffer.concat(chunks).toString("utf8")),
    );
    incoming.once("error", reject);
  });
}

/** Reads and parses a JSON body within `limit` bytes, then validates it with `schema`. */
export async function readJsonBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  limit: number,
): Promise<z.infer<S>> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  // Untouched Node request: read it directly; otherwise (tests' app.request, a body already read) the web Request.
  const text =
    incoming && !incoming.readableEnded && incoming.readableFlowing === null
      ? await readIncoming(incoming, limit)
      : await readLimited(c.req.raw, limit);
  if (text.trim() === "")
    throw new InvalidRequestError("The request body is empty; expected a JSON object", null, "invalid_json");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InvalidRequestError(
      `The request body is not valid JSON (${err instanceof Error ? err.message : String(err)})`,
      null,
      "invalid_json",
    );
  }
  return validate(schema, parsed);
}
