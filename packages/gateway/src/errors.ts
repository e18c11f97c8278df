import { retryAfterSeconds, type SeekdeskError, toSeekdeskError } from "@seekdesk/core";

/** The one place where a thrown error becomes an HTTP response in the OpenAI error shape. */
export function errorResponse(err: unknown, headers: Record<string, string> = {}): Response {
  const e: SeekdeskError = toSeekdeskError(err);
  const h: Record<string, string> = { "content-type": "application/json", ...headers };
  const retryAfter = retryAfterSeconds(e);
  if (retryAfter !== null) h["retry-after"] = String(retryAfter);
  return new Response(JSON.stringify(e.toJSON()), { status: e.status, headers: h });
}
