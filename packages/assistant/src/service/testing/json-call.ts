// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field by the tests
export type Json = any;

export interface JsonAnswer {
  status: number;
  /** The parsed body; null when the body is empty (a 204, say). */
  json: Json;
  headers: Headers;
}

/** `method path` on a server at `baseUrl`, with `body` sent as JSON when given, as the desk's HTTP tests call it. */
export async function callJson(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonAnswer> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
}
