import { InvalidRequestError } from "@seekdesk/core";
import type { Context } from "hono";
import { readChunksUpTo } from "./body.ts";

/**
 * Reads a `multipart/form-data` body of at most `limit` bytes and parses it with the runtime's
 * own form parser (what hono's `parseBody()` uses). `parseBody()` alone buffers whatever the
 * client sends, so the bytes are counted here first: a declared `Content-Length` over the limit
 * is refused before anything is read, and a chunked body stops being read once it passes the
 * limit. `tooLarge` makes the 413 (it names the limit that applies).
 *
 * The rest of a refused body is not cancelled (that would reset the connection before the client
 * reads its 413): the Node adapter drains and discards it after the response.
 */
export async function readFormData(c: Context, limit: number, tooLarge: () => Error): Promise<FormData> {
  const type = c.req.header("content-type") ?? "";
  if (!/^multipart\/form-data\s*;.*boundary=/i.test(type))
    throw new InvalidRequestError("expected multipart/form-data with a boundary", null, "invalid_multipart");
  const declared = c.req.header("content-length");
  if (declared !== undefined && Number(declared) > limit) throw tooLarge();
  const chunks = await readChunksUpTo(c.req.raw.body, limit, tooLarge, { leaveRest: true });
  try {
    return await new Response(new Blob(chunks), { headers: { "content-type": type } }).formData();
  } catch (err) {
    throw new InvalidRequestError(
      `The request body is not valid multipart/form-data (${err instanceof Error ? err.message : String(err)})`,
      null,
      "invalid_multipart",
    );
  }
}
