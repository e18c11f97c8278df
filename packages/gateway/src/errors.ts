import { retryAfterSeconds, type SeekdeskError, toSeekdeskError } from "@seekdesk/core";

/** The one place where a thrown error becomes an HTTP response in the OpenAI error shape. */
export function errorResponse(err: unknown, headers: Record<string, string> = {}): Response {
  const e: SeekdeskError = toSeekdeskError(err);
  const h: Record<string, string> = { "content-type": "application/json", ...headers };
  // A refused body is left partly unread, and the server closes the connection after draining a
  // little of it: say so, or the client would send its next request down that socket.
  if (e.status === 413) h.connection = "close";
  const retryAfter = retryAfterSeconds(e);
  if (retryAfter !== null) h["retry-after"] = String(retryAfter);
  return new Response(JSON.stringify(e.toJSON()), { status: e.status, headers: h });
}
